package cloudtower

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

// This file is the `where` filter of CloudTower's list and batch calls: a
// small evaluator over JSON-like maps (what encoding/json makes of an
// object), so every resource is filtered by the very fields it is served
// with. A filter is checked against the resource's shape before it runs,
// so a misspelt field or an operator on the wrong type is a 400, not a
// silently empty list.

// kind is the JSON type of a field.
type kind int

const (
	kindString kind = iota
	kindNumber
	kindBool
	kindObject // a relation to one object: filtered by a nested where
	kindList   // a relation to many objects: _some, _every, _none
	kindScalarList
)

// shape describes the fields of a resource as served.
type shape struct {
	kind   kind
	fields map[string]*shape // kindObject, kindList: the element's fields
}

// shapeOf derives a shape from the Go type a resource is encoded from,
// following its json tags.
func shapeOf(t reflect.Type) *shape {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return &shape{kind: kindString}
	case reflect.Bool:
		return &shape{kind: kindBool}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return &shape{kind: kindNumber}
	case reflect.Slice, reflect.Array:
		el := shapeOf(t.Elem())
		if el.kind == kindObject {
			return &shape{kind: kindList, fields: el.fields}
		}
		return &shape{kind: kindScalarList}
	case reflect.Struct:
		s := &shape{kind: kindObject, fields: map[string]*shape{}}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.Anonymous && f.Tag.Get("json") == "" && f.Type.Kind() == reflect.Struct {
				// An embedded struct's fields are encoded as the
				// outer struct's own.
				for name, fs := range shapeOf(f.Type).fields {
					s.fields[name] = fs
				}
				continue
			}
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			s.fields[name] = shapeOf(f.Type)
		}
		return s
	}
	return &shape{kind: kindString}
}

// filter is a compiled where: it matches an object when all its
// conditions hold.
type filter []condition

type condition func(obj map[string]any) bool

// operators on scalar fields, longest suffix first so that
// "name_not_contains" is not read as "name_not" + "_contains".
var scalarOps = []string{
	"_not_starts_with", "_not_ends_with", "_not_contains", "_starts_with", "_ends_with", "_contains",
	"_not_in", "_in", "_not", "_lte", "_gte", "_lt", "_gt",
}

var listOps = []string{"_some", "_every", "_none"}

// compileWhere checks a where object against a shape and compiles it.
// path names the where in error messages ("where", "where.cluster").
func compileWhere(raw any, sh *shape, path string) (filter, error) {
	if raw == nil {
		return nil, nil
	}
	w, ok := raw.(map[string]any)
	if !ok {
		return nil, model.FieldError(path, "must be an object, not %s", jsonType(raw))
	}
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys) // errors name the same key on every call
	var f filter
	for _, key := range keys {
		c, err := compileKey(key, w[key], sh, path)
		if err != nil {
			return nil, err
		}
		f = append(f, c)
	}
	return f, nil
}

func compileKey(key string, val any, sh *shape, path string) (condition, error) {
	at := path + "." + key
	switch key {
	case "AND", "OR", "NOT":
		return compileLogic(key, val, sh, at)
	}
	if fs, ok := sh.fields[key]; ok {
		return compileField(key, "", val, fs, at)
	}
	for _, op := range listOps {
		if name, ok := strings.CutSuffix(key, op); ok {
			if fs, ok := sh.fields[name]; ok && fs.kind == kindList {
				return compileField(name, op, val, fs, at)
			}
		}
	}
	for _, op := range scalarOps {
		if name, ok := strings.CutSuffix(key, op); ok {
			if fs, ok := sh.fields[name]; ok {
				return compileField(name, op, val, fs, at)
			}
		}
	}
	return nil, model.FieldError(at, "unknown field or operator")
}

// compileLogic compiles AND, OR (a list of wheres, or one) and NOT (all
// of the listed wheres fail).
func compileLogic(op string, val any, sh *shape, at string) (condition, error) {
	var items []any
	switch v := val.(type) {
	case []any:
		items = v
	case map[string]any:
		items = []any{v}
	default:
		return nil, model.FieldError(at, "must be a where object or a list of them, not %s", jsonType(val))
	}
	subs := make([]filter, len(items))
	for i, it := range items {
		f, err := compileWhere(it, sh, fmt.Sprintf("%s[%d]", at, i))
		if err != nil {
			return nil, err
		}
		subs[i] = f
	}
	switch op {
	case "AND":
		return func(obj map[string]any) bool {
			for _, f := range subs {
				if !f.match(obj) {
					return false
				}
			}
			return true
		}, nil
	case "OR":
		return func(obj map[string]any) bool {
			for _, f := range subs {
				if f.match(obj) {
					return true
				}
			}
			return false
		}, nil
	}
	return func(obj map[string]any) bool {
		for _, f := range subs {
			if f.match(obj) {
				return false
			}
		}
		return true
	}, nil
}

func compileField(name, op string, val any, fs *shape, at string) (condition, error) {
	switch fs.kind {
	case kindObject:
		if op != "" {
			return nil, model.FieldError(at, "%s is a relation: filter it with a nested where, not %s", name, op)
		}
		if val == nil { // {cluster: null}: has no such relation
			return func(obj map[string]any) bool { return obj[name] == nil }, nil
		}
		sub, err := compileWhere(val, fs, at)
		if err != nil {
			return nil, err
		}
		return func(obj map[string]any) bool {
			o, ok := obj[name].(map[string]any)
			return ok && sub.match(o)
		}, nil
	case kindList:
		if op == "" {
			return nil, model.FieldError(at, "%s is a list: filter it with %s_some, %s_every or %s_none", name, name, name, name)
		}
		sub, err := compileWhere(val, fs, at)
		if err != nil {
			return nil, err
		}
		return func(obj map[string]any) bool {
			items, _ := obj[name].([]any)
			n := 0
			for _, it := range items {
				if o, ok := it.(map[string]any); ok && sub.match(o) {
					n++
				}
			}
			switch op {
			case "_some":
				return n > 0
			case "_every":
				return n == len(items)
			}
			return n == 0
		}, nil
	case kindScalarList:
		return nil, model.FieldError(at, "%s is a list of values and cannot be filtered", name)
	}
	return compileScalar(name, op, val, fs.kind, at)
}

func compileScalar(name, op string, val any, k kind, at string) (condition, error) {
	switch op {
	case "_in", "_not_in":
		list, ok := val.([]any)
		if !ok {
			return nil, model.FieldError(at, "must be a list, not %s", jsonType(val))
		}
		for i, v := range list {
			if err := checkValue(v, k, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return nil, err
			}
		}
		want := op == "_in"
		return func(obj map[string]any) bool {
			for _, v := range list {
				if equal(obj[name], v) {
					return want
				}
			}
			return !want
		}, nil
	case "_contains", "_not_contains", "_starts_with", "_not_starts_with", "_ends_with", "_not_ends_with":
		if k != kindString {
			return nil, model.FieldError(at, "%s is not a string field", name)
		}
		s, ok := val.(string)
		if !ok {
			return nil, model.FieldError(at, "must be a string, not %s", jsonType(val))
		}
		test := map[string]func(a, b string) bool{
			"_contains": strings.Contains, "_starts_with": strings.HasPrefix, "_ends_with": strings.HasSuffix,
		}[strings.Replace(op, "_not", "", 1)]
		want := !strings.HasPrefix(op, "_not")
		return func(obj map[string]any) bool {
			have, ok := obj[name].(string)
			return ok && test(have, s) == want
		}, nil
	case "_lt", "_lte", "_gt", "_gte":
		if k == kindBool {
			return nil, model.FieldError(at, "%s is a boolean and has no order", name)
		}
		if err := checkValue(val, k, at); err != nil {
			return nil, err
		}
		if val == nil {
			return nil, model.FieldError(at, "cannot compare with null")
		}
		return func(obj map[string]any) bool {
			c, ok := compare(obj[name], val)
			if !ok {
				return false
			}
			switch op {
			case "_lt":
				return c < 0
			case "_lte":
				return c <= 0
			case "_gt":
				return c > 0
			}
			return c >= 0
		}, nil
	}
	if err := checkValue(val, k, at); err != nil {
		return nil, err
	}
	want := op == ""
	return func(obj map[string]any) bool { return equal(obj[name], val) == want }, nil
}

// checkValue checks that a filter value fits a field's type; null fits
// any field.
func checkValue(v any, k kind, at string) error {
	ok := false
	switch v.(type) {
	case nil:
		ok = true
	case string:
		ok = k == kindString
	case float64:
		ok = k == kindNumber
	case bool:
		ok = k == kindBool
	}
	if !ok {
		return model.FieldError(at, "must be a %s, not %s", kindName(k), jsonType(v))
	}
	return nil
}

func equal(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		b, ok := b.(string)
		return ok && a == b
	case float64:
		b, ok := b.(float64)
		return ok && a == b
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	}
	return false
}

// compare orders two values of the same JSON type; ok is false for
// anything else (null included).
func compare(a, b any) (int, bool) {
	switch a := a.(type) {
	case string:
		if b, ok := b.(string); ok {
			return strings.Compare(a, b), true
		}
	case float64:
		if b, ok := b.(float64); ok {
			switch {
			case a < b:
				return -1, true
			case a > b:
				return 1, true
			}
			return 0, true
		}
	case bool:
		if b, ok := b.(bool); ok {
			switch {
			case a == b:
				return 0, true
			case !a:
				return -1, true
			}
			return 1, true
		}
	}
	return 0, false
}

func (f filter) match(obj map[string]any) bool {
	for _, c := range f {
		if !c(obj) {
			return false
		}
	}
	return true
}

func kindName(k kind) string {
	switch k {
	case kindString:
		return "string"
	case kindNumber:
		return "number"
	case kindBool:
		return "boolean"
	}
	return "object"
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
