// Package jsonbody reads the JSON bodies of API requests, the same way for
// every API: each is capped (Limit, http.MaxBytesReader) and an oversized
// one is payload_too_large (413), never "not valid JSON"; and the errors of
// encoding/json become invalid_argument errors that name the field and
// the JSON kind it needs ("field cores: expected a whole number, not a
// string"), never a Go type, since encoding/json words its errors for Go
// programmers ("cannot unmarshal string into Go struct field
// guestCreate.cores of type int").
package jsonbody

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Limit is the most a JSON request body may hold: far above any real
// call (the largest are batch creates of a few KiB), low enough that a
// flood of them costs little memory.
const Limit = 1 << 20

// LimitBody caps the body of r at n bytes: reading past them fails with
// *http.MaxBytesError (which Read and Error turn into payload_too_large)
// and the server closes the connection after the reply, rather than
// reading the rest.
func LimitBody(w http.ResponseWriter, r *http.Request, n int64) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, n)
	}
}

// Read reads a whole body (capped by LimitBody).
func Read(body io.Reader) ([]byte, error) {
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, ReadError(err)
	}
	return raw, nil
}

// ReadError is what a failed read of a request body tells the caller.
func ReadError(err error) error {
	if tooLarge := TooLargeError(err); tooLarge != nil {
		return tooLarge
	}
	return &model.Error{Code: model.CodeInvalidArgument, Message: "the request body could not be read", Err: err}
}

// TooLargeError is payload_too_large if err comes from a body over its
// limit, else nil.
func TooLargeError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return model.Errorf(model.CodePayloadTooLarge, "request body is larger than the limit of %s", bytesText(tooLarge.Limit))
	}
	return nil
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Rules say how a body is decoded.
type Rules struct {
	// Part names the part of the body decoded ("additional"); errors
	// name its fields as part.field.
	Part string
	// AllowUnknown ignores fields the call does not know, for dialects
	// whose clients send fields of newer versions. Otherwise an unknown
	// field is refused: most likely a typo, and ignoring it would do
	// something else than asked.
	AllowUnknown bool
}

// Decode decodes raw, which must hold exactly one JSON value, into v.
func (rules Rules) Decode(raw []byte, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return model.Errorf(model.CodeInvalidArgument, "%s is empty; a JSON value is required", rules.what())
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if !rules.AllowUnknown {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return rules.Error(err)
	}
	if dec.More() {
		return model.Errorf(model.CodeInvalidArgument, "%s has data after its JSON value", rules.what())
	}
	return nil
}

// Decode decodes a whole body strictly (Rules{}.Decode).
func Decode(raw []byte, v any) error { return Rules{}.Decode(raw, v) }

func (rules Rules) what() string {
	if rules.Part != "" {
		return rules.Part
	}
	return "request body"
}

func (rules Rules) field(f string) string {
	switch {
	case rules.Part == "":
		return f
	case f == "":
		return rules.Part
	}
	return rules.Part + "." + f
}

// Error turns an error of encoding/json (or of reading the body) into
// what the caller is told; see the package comment.
func (rules Rules) Error(err error) error {
	var (
		me        *model.Error
		typeErr   *json.UnmarshalTypeError
		syntaxErr *json.SyntaxError
		timeErr   *time.ParseError
	)
	switch {
	case errors.As(err, &me):
		// From an UnmarshalJSON of Kumo's own, already worded.
		return err
	case TooLargeError(err) != nil:
		return TooLargeError(err)
	case errors.Is(err, io.EOF):
		return model.Errorf(model.CodeInvalidArgument, "%s is empty; a JSON value is required", rules.what())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return model.Errorf(model.CodeInvalidArgument, "%s is not valid JSON: it ends too early", rules.what())
	case errors.As(err, &syntaxErr):
		return model.Errorf(model.CodeInvalidArgument, "%s is not valid JSON at byte %d: %s", rules.what(), syntaxErr.Offset, syntaxErr.Error())
	case errors.As(err, &typeErr):
		return rules.typeError(typeErr)
	case errors.As(err, &timeErr) || strings.HasPrefix(err.Error(), "Time.UnmarshalJSON"):
		return model.Errorf(model.CodeInvalidArgument, "%s: a time is not in the RFC 3339 form (2006-01-02T15:04:05Z)", rules.what())
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := rules.field(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
		return &model.Error{Code: model.CodeInvalidArgument, Field: f, Message: "unknown field " + f}
	}
	return &model.Error{Code: model.CodeInvalidArgument, Message: rules.what() + " does not have the form this call takes", Err: err}
}

// Error is Rules{}.Error.
func Error(err error) error { return Rules{}.Error(err) }

func (rules Rules) typeError(e *json.UnmarshalTypeError) error {
	f := rules.field(e.Field)
	where := "field " + f
	if f == "" {
		where = "request body"
	}
	want := kindOf(e.Type)
	got, isNumber := strings.CutPrefix(e.Value, "number ")
	if isNumber && len(got) > 40 {
		got = got[:40] + "..."
	}
	if isNumber {
		// A number of the right kind that does not fit: say what does.
		if r := rangeOf(e.Type); r != "" {
			want = r
		}
	} else {
		got = map[string]string{"string": "a string", "number": "a number", "bool": "true or false", "array": "a list", "object": "an object", "null": "null"}[e.Value]
		if got == "" {
			got = "a JSON " + e.Value
		}
	}
	return &model.Error{Code: model.CodeInvalidArgument, Field: f, Message: fmt.Sprintf("%s: expected %s, not %s", where, want, got)}
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	kinded          = reflect.TypeFor[Kinded]()
)

// Kinded is a type with an UnmarshalJSON of its own that says what it
// takes ("a number, or a string of one"), for errors about it.
type Kinded interface{ JSONKind() string }

// KindError is the error an UnmarshalJSON of a Kinded type returns for
// a value it does not take: encoding/json adds the field's path to it,
// and Error words it like any other.
func KindError(raw []byte, v Kinded) error {
	return &json.UnmarshalTypeError{Value: valueKind(raw), Type: reflect.TypeOf(v)}
}

// valueKind names a JSON value's kind as encoding/json does.
func valueKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "value"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number " + string(raw)
}

// kindOf names the JSON kind a Go type is decoded from.
func kindOf(t reflect.Type) string {
	if t == nil {
		return "another kind of value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(kinded) {
		return reflect.New(t).Interface().(Kinded).JSONKind()
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "a whole number of 0 or more"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "a list"
	case reflect.Array:
		return fmt.Sprintf("a list of %d", t.Len())
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another kind of value"
}

// rangeOf names the numbers a numeric Go type holds, "" for others.
func rangeOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := t.Bits()
		return fmt.Sprintf("a whole number from %d to %d", int64(-1)<<(bits-1), int64(uint64(1)<<(bits-1)-1))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		bits := t.Bits()
		return fmt.Sprintf("a whole number from 0 to %d", uint64(math.MaxUint64)>>(64-bits))
	case reflect.Float32:
		return fmt.Sprintf("a number between %g and %g", -math.MaxFloat32, math.MaxFloat32)
	case reflect.Float64:
		return fmt.Sprintf("a number between %g and %g", -math.MaxFloat64, math.MaxFloat64)
	}
	return ""
}
