package cloudtower

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

// query is what a list call may ask: a where filter, an order and a page
// (see the guide's 分页查询).
type query struct {
	where   filter
	orderBy string // field, with desc set for _DESC
	desc    bool
	first   *int
	last    *int
	skip    *int
	after   *string
	before  *string
}

// parseQuery reads the list parameters of a request body against the
// shape of the listed resource. Other keys are an error.
func parseQuery(body map[string]any, sh *shape) (query, error) {
	var q query
	for key, val := range body {
		var err error
		switch key {
		case "where":
			q.where, err = compileWhere(val, sh, "where")
		case "orderBy":
			q.orderBy, q.desc, err = parseOrderBy(val, sh)
		case "first":
			q.first, err = count("first", val)
		case "last":
			q.last, err = count("last", val)
		case "skip":
			q.skip, err = count("skip", val)
		case "after":
			q.after, err = cursor("after", val)
		case "before":
			q.before, err = cursor("before", val)
		default:
			err = model.FieldError(key, "unknown parameter: a list takes where, orderBy, first, last, skip, after and before")
		}
		if err != nil {
			return q, err
		}
	}
	return q, nil
}

func parseOrderBy(val any, sh *shape) (string, bool, error) {
	if val == nil {
		return "", false, nil
	}
	s, ok := val.(string)
	if !ok {
		return "", false, model.FieldError("orderBy", "must be a string like name_ASC, not %s", jsonType(val))
	}
	field, desc := "", false
	switch {
	case strings.HasSuffix(s, "_ASC"):
		field = strings.TrimSuffix(s, "_ASC")
	case strings.HasSuffix(s, "_DESC"):
		field, desc = strings.TrimSuffix(s, "_DESC"), true
	default:
		return "", false, model.FieldError("orderBy", "%q must end in _ASC or _DESC", s)
	}
	fs, ok := sh.fields[field]
	if !ok || fs.kind == kindObject || fs.kind == kindList || fs.kind == kindScalarList {
		return "", false, model.FieldError("orderBy", "%q: no such sortable field %q", s, field)
	}
	return field, desc, nil
}

func count(name string, val any) (*int, error) {
	if val == nil {
		return nil, nil
	}
	f, ok := val.(float64)
	if !ok || f != float64(int(f)) || f < 0 {
		return nil, model.FieldError(name, "must be a whole number of at least 0")
	}
	n := int(f)
	return &n, nil
}

func cursor(name string, val any) (*string, error) {
	if val == nil {
		return nil, nil
	}
	s, ok := val.(string)
	if !ok || s == "" {
		return nil, model.FieldError(name, "must be the id of a resource")
	}
	return &s, nil
}

// toObject turns a served resource into the map the filter reads.
func toObject(v any) map[string]any {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("cloudtower: resource %T does not encode: %v", v, err))
	}
	var m map[string]any
	json.Unmarshal(raw, &m)
	return m
}

// apply filters, orders and pages items.
func apply[T any](items []T, q query) ([]T, error) {
	type row struct {
		item T
		obj  map[string]any
	}
	var rows []row
	for _, it := range items {
		obj := toObject(it)
		if q.where.match(obj) {
			rows = append(rows, row{it, obj})
		}
	}
	if q.orderBy != "" {
		sort.SliceStable(rows, func(i, j int) bool {
			a, b := rows[i].obj[q.orderBy], rows[j].obj[q.orderBy]
			c, ok := compare(a, b)
			if !ok { // values that do not compare (nulls) go first when ascending
				c = nonNull(a) - nonNull(b)
			}
			if q.desc {
				return c > 0
			}
			return c < 0
		})
	}
	at := func(name, id string) (int, error) {
		for i, r := range rows {
			if r.obj["id"] == id {
				return i, nil
			}
		}
		return 0, model.FieldError(name, "%q is not among the resources the where selects", id)
	}
	lo, hi := 0, len(rows)
	if q.after != nil {
		i, err := at("after", *q.after)
		if err != nil {
			return nil, err
		}
		lo = i + 1
	}
	if q.before != nil {
		i, err := at("before", *q.before)
		if err != nil {
			return nil, err
		}
		hi = i
	}
	if lo > hi {
		lo = hi
	}
	skip := 0
	if q.skip != nil {
		skip = *q.skip
	}
	// The guide counts skip from the end when only last is given
	// (last 7 + skip 3 = the 4th to 10th from the end), else from the
	// start.
	if q.last != nil && q.first == nil {
		hi = max(lo, hi-skip)
	} else {
		lo = min(hi, lo+skip)
	}
	if q.first != nil {
		hi = min(hi, lo+*q.first)
	}
	if q.last != nil {
		lo = max(lo, hi-*q.last)
	}
	out := make([]T, 0, hi-lo)
	for _, r := range rows[lo:hi] {
		out = append(out, r.item)
	}
	return out, nil
}

func nonNull(v any) int {
	if v == nil {
		return 0
	}
	return 1
}

// shapeFor is the shape of a resource type.
func shapeFor[T any]() *shape { return shapeOf(reflect.TypeFor[T]()) }

// list answers a list call: the resources the body's query selects.
func list[T any](body map[string]any, items []T) ([]T, error) {
	q, err := parseQuery(body, shapeFor[T]())
	if err != nil {
		return nil, err
	}
	return apply(items, q)
}
