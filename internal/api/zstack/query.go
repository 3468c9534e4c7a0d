package zstack

import (
	"fmt"
	"math"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The ZStack query language (GET ...?q=name=vm1&q=vmNics.ip=10.0.2.15):
// conditions are ANDed; a field may cross into related resources with
// dots (vmNics.ip), which the evaluator follows through the nested JSON
// of an inventory, matching if any element of a list does. Queries run
// on inventories in memory: Kumo's inventories are small, and one
// evaluator serves every resource the same way, related ones included.

// Query operators, longest first so a scan finds "!?=" before "!=".
var queryOperators = []string{"!?=", "!~=", "!=", "?=", "~=", ">=", "<=", "=", ">", "<"}

// Operators written as words after the field.
const (
	opIsNull  = "is null"
	opNotNull = "not null"
)

// condition is one parsed q= term.
type condition struct {
	path   []string // field, split at dots
	op     string
	value  string
	values []string       // ?= and !?=
	like   *regexp.Regexp // ~= and !~=
}

// query is a parsed query string.
type query struct {
	conds          []condition
	limit, start   int
	count          bool
	replyWithCount bool
	sortField      string
	sortDesc       bool
	fields         []string
	groupBy        string
}

const defaultQueryLimit = 1000

var fieldPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// parseCondition parses one condition such as "name~=web%" or
// "vmNics.ip not null". The document forbids spaces around the operator.
func parseCondition(s string) (condition, error) {
	for _, word := range []string{opIsNull, opNotNull} {
		if field, ok := strings.CutSuffix(s, " "+word); ok {
			if !fieldPattern.MatchString(field) {
				return condition{}, fmt.Errorf("condition %q: %q is not a field name", s, field)
			}
			return condition{path: strings.Split(field, "."), op: word}, nil
		}
	}
	i := strings.IndexAny(s, "=!<>?~")
	if i <= 0 {
		return condition{}, fmt.Errorf("condition %q has no field and operator (use field=value, field!=value, field>value, field?=a,b, field~=a%%, field is null...)", s)
	}
	field, rest := s[:i], s[i:]
	if !fieldPattern.MatchString(field) {
		return condition{}, fmt.Errorf("condition %q: %q is not a field name (no spaces around the operator)", s, field)
	}
	c := condition{path: strings.Split(field, ".")}
	for _, op := range queryOperators {
		if v, ok := strings.CutPrefix(rest, op); ok {
			c.op, c.value = op, v
			break
		}
	}
	if c.op == "" {
		return condition{}, fmt.Errorf("condition %q: unknown operator at %q", s, rest)
	}
	switch c.op {
	case "?=", "!?=":
		c.values = strings.Split(c.value, ",")
	case "~=", "!~=":
		c.like = likePattern(c.value)
	}
	return c, nil
}

// likePattern turns a MySQL LIKE pattern (% any run, _ one character)
// into an anchored regular expression. It ignores case, as LIKE does
// under MySQL's default collation, which ZStack uses.
func likePattern(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?is)^")
	for _, r := range p {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// parseQuery reads the query parameters of the document: q (or its older
// name condition), limit, start, count, replyWithCount, sort (+f / -f) or
// sortBy with sortDirection, fields and groupBy.
func parseQuery(v url.Values) (query, error) {
	q := query{limit: defaultQueryLimit}
	for _, s := range append(append([]string(nil), v["q"]...), v["condition"]...) {
		c, err := parseCondition(s)
		if err != nil {
			return query{}, err
		}
		q.conds = append(q.conds, c)
	}
	var err error
	if q.limit, err = intParam(v, "limit", defaultQueryLimit); err != nil {
		return query{}, err
	}
	if q.start, err = intParam(v, "start", 0); err != nil {
		return query{}, err
	}
	if q.count, err = boolParam(v, "count"); err != nil {
		return query{}, err
	}
	if q.replyWithCount, err = boolParam(v, "replyWithCount"); err != nil {
		return query{}, err
	}
	if s := v.Get("sort"); s != "" {
		switch s[0] {
		case '+':
		case '-':
			q.sortDesc = true
		default:
			return query{}, fmt.Errorf("sort %q must start with + (ascending) or - (descending)", s)
		}
		q.sortField = s[1:]
	} else if s := v.Get("sortBy"); s != "" {
		q.sortField = s
		switch strings.ToLower(v.Get("sortDirection")) {
		case "", "asc":
		case "desc":
			q.sortDesc = true
		default:
			return query{}, fmt.Errorf("sortDirection %q must be asc or desc", v.Get("sortDirection"))
		}
	}
	if q.sortField != "" && !fieldPattern.MatchString(q.sortField) {
		return query{}, fmt.Errorf("sort field %q is not a field name", q.sortField)
	}
	for _, f := range v["fields"] {
		for _, name := range strings.Split(f, ",") {
			if name = strings.TrimSpace(name); name == "" {
				continue
			}
			if strings.Contains(name, ".") || !fieldPattern.MatchString(name) {
				return query{}, fmt.Errorf("fields: %q is not a field of the resource (related resources cannot be selected)", name)
			}
			q.fields = append(q.fields, name)
		}
	}
	if g := v.Get("groupBy"); g != "" {
		if !fieldPattern.MatchString(g) || strings.Contains(g, ".") {
			return query{}, fmt.Errorf("groupBy %q is not a field of the resource", g)
		}
		q.groupBy = g
	}
	return q, nil
}

func intParam(v url.Values, name string, def int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	// SDKs built on Gson send limit=1000.0.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
		return 0, fmt.Errorf("%s %q must be a non-negative integer", name, s)
	}
	return int(f), nil
}

func boolParam(v url.Values, name string) (bool, error) {
	s := v.Get(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("%s %q must be true or false", name, s)
	}
	return b, nil
}

// leaves returns the values at path in obj, following maps and fanning
// out over lists; nulls are left out.
func leaves(obj any, path []string) []any {
	switch o := obj.(type) {
	case nil:
		return nil
	case []any:
		var out []any
		for _, e := range o {
			out = append(out, leaves(e, path)...)
		}
		return out
	}
	if len(path) == 0 {
		return []any{obj}
	}
	m, ok := obj.(map[string]any)
	if !ok {
		return nil
	}
	return leaves(m[path[0]], path[1:])
}

// text is how a JSON value compares as a string.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// compare orders a value against a query value: numerically when both
// are numbers, in time when both are dates (createDate>"Jan 2, 2017 ..."
// or >1483315200000 in milliseconds), else as strings.
func compare(v any, want string) int {
	if s, ok := v.(string); ok {
		if t, err := time.ParseInLocation(dateFormat, s, time.Local); err == nil {
			w, err := time.ParseInLocation(dateFormat, want, time.Local)
			if err != nil {
				ms, perr := strconv.ParseInt(want, 10, 64)
				if perr != nil {
					return strings.Compare(s, want)
				}
				w = time.UnixMilli(ms)
			}
			return t.Compare(w)
		}
	}
	if f, ok := v.(float64); ok {
		if w, err := strconv.ParseFloat(want, 64); err == nil {
			switch {
			case f < w:
				return -1
			case f > w:
				return 1
			}
			return 0
		}
	}
	return strings.Compare(text(v), want)
}

// matchOne applies a positive operator to one value.
func (c condition) matchOne(v any) bool {
	switch c.op {
	case "=", "!=":
		return compare(v, c.value) == 0
	case ">":
		return compare(v, c.value) > 0
	case "<":
		return compare(v, c.value) < 0
	case ">=":
		return compare(v, c.value) >= 0
	case "<=":
		return compare(v, c.value) <= 0
	case "?=", "!?=":
		return slices.ContainsFunc(c.values, func(w string) bool { return compare(v, w) == 0 })
	case "~=", "!~=":
		return c.like.MatchString(text(v))
	}
	return false
}

// match reports whether an inventory satisfies the condition. A positive
// operator holds if any value at the path satisfies it (a VM matches
// vmNics.ip=x if one of its NICs has ip x); a negated one holds if none
// satisfies the positive form.
func (c condition) match(obj map[string]any) bool {
	vals := leaves(obj, c.path)
	switch c.op {
	case opIsNull:
		return len(vals) == 0
	case opNotNull:
		return len(vals) > 0
	}
	any := slices.ContainsFunc(vals, c.matchOne)
	if strings.HasPrefix(c.op, "!") {
		return !any
	}
	return any
}

// apply filters, groups, sorts, pages and projects inventories; total is
// the number matching before paging.
func (q query) apply(objs []map[string]any) (out []map[string]any, total int) {
	for _, o := range objs {
		ok := true
		for _, c := range q.conds {
			if !c.match(o) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, o)
		}
	}
	if q.groupBy != "" {
		seen := map[string]bool{}
		grouped := out[:0]
		for _, o := range out {
			k := text(o[q.groupBy])
			if !seen[k] {
				seen[k] = true
				grouped = append(grouped, o)
			}
		}
		out = grouped
	}
	if q.sortField != "" {
		path := strings.Split(q.sortField, ".")
		slices.SortStableFunc(out, func(a, b map[string]any) int {
			av, bv := leaves(a, path), leaves(b, path)
			var c int
			switch {
			case len(av) == 0 && len(bv) == 0:
			case len(av) == 0:
				c = -1
			case len(bv) == 0:
				c = 1
			default:
				c = compare(av[0], text(bv[0]))
			}
			if q.sortDesc {
				c = -c
			}
			return c
		})
	}
	total = len(out)
	if q.start >= len(out) {
		out = nil
	} else {
		out = out[q.start:]
	}
	if len(out) > q.limit {
		out = out[:q.limit]
	}
	if len(q.fields) > 0 {
		projected := make([]map[string]any, len(out))
		for i, o := range out {
			p := map[string]any{}
			for _, f := range q.fields {
				if v, ok := o[f]; ok {
					p[f] = v
				}
			}
			projected[i] = p
		}
		out = projected
	}
	if out == nil {
		out = []map[string]any{}
	}
	return out, total
}

// checkFields refuses a query naming a field the resource does not have,
// as ZStack does, instead of answering an empty list. The resource's
// shape is its inventory's Go type: JSON names of struct fields, lists
// and pointers followed into their elements; a map or an interface
// takes any field below it.
func (q query) checkFields(t reflect.Type) error {
	for _, c := range q.conds {
		if !hasField(t, c.path) {
			return fmt.Errorf("condition %q: the resource has no field %s", strings.Join(c.path, "."), strings.Join(c.path, "."))
		}
	}
	if q.sortField != "" && !hasField(t, strings.Split(q.sortField, ".")) {
		return fmt.Errorf("sort: the resource has no field %s", q.sortField)
	}
	for _, f := range q.fields {
		if !hasField(t, []string{f}) {
			return fmt.Errorf("fields: the resource has no field %s", f)
		}
	}
	if q.groupBy != "" && !hasField(t, []string{q.groupBy}) {
		return fmt.Errorf("groupBy: the resource has no field %s", q.groupBy)
	}
	return nil
}

// hasField reports whether a JSON path exists in values of type t.
func hasField(t reflect.Type, path []string) bool {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if len(path) == 0 {
		return true
	}
	switch t.Kind() {
	case reflect.Map, reflect.Interface:
		return true
	case reflect.Struct:
	default:
		return false
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			if hasField(f.Type, path) {
				return true
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == path[0] {
			return hasField(f.Type, path[1:])
		}
	}
	return false
}
