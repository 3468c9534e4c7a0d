package jsonbody

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

type nestedPart struct {
	ID   string `json:"id"`
	Size uint16 `json:"size"`
}

type flexible string

func (*flexible) JSONKind() string { return "a string or a number" }

func (f *flexible) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		return KindError(b, f)
	}
	*f = flexible(b)
	return nil
}

type bodyUnderTest struct {
	Name    string            `json:"name"`
	Cores   int               `json:"cores"`
	Ratio   float64           `json:"ratio"`
	Small   int8              `json:"small"`
	On      bool              `json:"on"`
	Tags    []string          `json:"tags"`
	Labels  map[string]string `json:"labels"`
	Inner   nestedPart        `json:"inner"`
	Items   []nestedPart      `json:"items"`
	When    time.Time         `json:"when"`
	Blob    []byte            `json:"blob"`
	Flex    flexible          `json:"flex"`
	Pointer *int              `json:"pointer"`
}

// goNames is what no message may hold: Go's names for types.
var goNames = regexp.MustCompile(`jsonbody\.|nestedPart|bodyUnderTest|map\[|\[\]|interface|struct|int8|int64|uint16|float64|Go |json: |time\.Time|flexible`)

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		body, field, message string
	}{
		{`{"cores": "two"}`, "cores", "field cores: expected a whole number, not a string"},
		{`{"cores": 9e18}`, "cores", "field cores: expected a whole number from -9223372036854775808 to 9223372036854775807, not 9e18"},
		{`{"cores": 1.5}`, "cores", "field cores: expected a whole number from -9223372036854775808 to 9223372036854775807, not 1.5"},
		{`{"small": 300}`, "small", "field small: expected a whole number from -128 to 127, not 300"},
		{`{"inner": {"size": -1}}`, "inner.size", "field inner.size: expected a whole number from 0 to 65535, not -1"},
		{`{"ratio": 1e400}`, "ratio", "field ratio: expected a number between -1.7976931348623157e+308 and 1.7976931348623157e+308, not 1e400"},
		{`{"name": 5}`, "name", "field name: expected a string, not a number"},
		{`{"name": {"a": 1}}`, "name", "field name: expected a string, not an object"},
		{`{"on": "yes"}`, "on", "field on: expected true or false, not a string"},
		{`{"tags": {"a": 1}}`, "tags", "field tags: expected a list, not an object"},
		{`{"tags": [1]}`, "tags", "field tags: expected a string, not a number"},
		{`{"labels": []}`, "labels", "field labels: expected an object, not a list"},
		{`{"inner": "x"}`, "inner", "field inner: expected an object, not a string"},
		{`{"items": [{"id": 7}]}`, "items.id", "field items.id: expected a string, not a number"},
		{`{"blob": 5}`, "blob", "field blob: expected a base64 string, not a number"},
		{`{"flex": {}}`, "flex", "field flex: expected a string or a number, not an object"},
		{`{"pointer": "x"}`, "pointer", "field pointer: expected a whole number, not a string"},
		{`{"when": 5}`, "", "request body: a time is not in the RFC 3339 form (2006-01-02T15:04:05Z)"},
		{`{"when": "yesterday"}`, "", "request body: a time is not in the RFC 3339 form (2006-01-02T15:04:05Z)"},
		{`[1, 2]`, "", "request body: expected an object, not a list"},
		{`"text"`, "", "request body: expected an object, not a string"},
		{`{"colour": "red"}`, "colour", "unknown field colour"},
		{`{"name": `, "", "request body is not valid JSON: it ends too early"},
		{`{"name": "a",}`, "", "request body is not valid JSON at byte 14: invalid character '}' looking for beginning of object key string"},
		{"\x00", "", "request body is not valid JSON at byte 1: invalid character '\\x00' looking for beginning of value"},
		{``, "", "request body is empty; a JSON value is required"},
		{`{} {}`, "", "request body has data after its JSON value"},
	}
	for _, tc := range tests {
		var v bodyUnderTest
		err := Decode([]byte(tc.body), &v)
		var me *model.Error
		if !asModelError(err, &me) || me.Code != model.CodeInvalidArgument || me.Field != tc.field || me.Message != tc.message {
			t.Errorf("%s: got %#v, want field %q message %q", tc.body, err, tc.field, tc.message)
			continue
		}
		if goNames.MatchString(model.PublicMessage(err)) {
			t.Errorf("%s: %q names a Go type", tc.body, model.PublicMessage(err))
		}
	}
}

func asModelError(err error, me **model.Error) bool {
	e, ok := err.(*model.Error)
	*me = e
	return ok
}

func TestDecodeRules(t *testing.T) {
	var v struct {
		Cores int `json:"cores"`
	}
	err := Rules{Part: "additional"}.Decode([]byte(`{"cores": "x"}`), &v)
	if model.PublicMessage(err) != "field additional.cores: expected a whole number, not a string" || err.(*model.Error).Field != "additional.cores" {
		t.Errorf("a part's field: %v", err)
	}
	err = Rules{Part: "additional"}.Decode([]byte(`{"other": 1}`), &v)
	if model.PublicMessage(err) != "unknown field additional.other" {
		t.Errorf("a part's unknown field: %v", err)
	}
	if err := (Rules{AllowUnknown: true}).Decode([]byte(`{"other": 1, "cores": 2}`), &v); err != nil || v.Cores != 2 {
		t.Errorf("unknown fields allowed: %v %+v", err, v)
	}
	if err := Decode([]byte(`{"cores": 3}`), &v); err != nil || v.Cores != 3 {
		t.Errorf("a good body: %v %+v", err, v)
	}
}

// TestLimitBody reads bodies through a real listener: one over the
// limit is payload_too_large (whatever is read of it), one of the limit
// is read whole.
func TestLimitBody(t *testing.T) {
	const limit = 1 << 10
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		LimitBody(w, r, limit)
		raw, err := Read(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			io.WriteString(w, string(model.CodeOf(err))+": "+model.PublicMessage(err))
			return
		}
		var v map[string]string
		if err := Decode(raw, &v); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, model.PublicMessage(err))
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	body := func(n int) io.Reader {
		return strings.NewReader(`{"a":"` + strings.Repeat("x", n-len(`{"a":""}`)) + `"}`)
	}
	for _, tc := range []struct {
		size   int
		status int
		reply  string
	}{
		{limit, http.StatusOK, "ok"},
		{limit + 1, http.StatusRequestEntityTooLarge, "payload_too_large: request body is larger than the limit of 1 KiB"},
		{10 * limit, http.StatusRequestEntityTooLarge, "payload_too_large: request body is larger than the limit of 1 KiB"},
	} {
		resp, err := http.Post(srv.URL, "application/json", body(tc.size))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || string(got) != tc.reply {
			t.Errorf("%d bytes: %d %q, want %d %q", tc.size, resp.StatusCode, got, tc.status, tc.reply)
		}
	}
	if err := ReadError(io.ErrUnexpectedEOF); model.CodeOf(err) != model.CodeInvalidArgument || bytes.Contains([]byte(model.PublicMessage(err)), []byte("EOF")) {
		t.Errorf("a broken read: %v", err)
	}
}
