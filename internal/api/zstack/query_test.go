package zstack

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"
)

func inventories(t testing.TB, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

const testVMs = `[
 {"uuid":"a1","createDate":"Jan 1, 2017 1:00:00 AM","name":"web-1","state":"Running","cpuNum":2,"memorySize":1073741824,"vmNics":[{"ip":"10.0.0.5"},{"ip":"192.168.0.100"}]},
 {"uuid":"b2","createDate":"Mar 1, 2017 1:00:00 PM","name":"web-2","state":"Stopped","cpuNum":8,"memorySize":536870912,"vmNics":[{"ip":"10.0.0.6"}],"description":"db"},
 {"uuid":"c3","name":"IntelCoreI7","state":"Running","cpuNum":4,"memorySize":268435456,"vmNics":[]}
]`

func names(objs []map[string]any) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o["name"].(string))
	}
	return out
}

func TestQueryOperators(t *testing.T) {
	vms := inventories(t, testVMs)
	for _, tc := range []struct {
		q    []string
		want []string
	}{
		{[]string{"name=web-1"}, []string{"web-1"}},
		{[]string{"name=web-1", "state=Stopped"}, nil},
		{[]string{"name!=web-1"}, []string{"web-2", "IntelCoreI7"}},
		{[]string{"cpuNum>2"}, []string{"web-2", "IntelCoreI7"}},
		{[]string{"cpuNum<4"}, []string{"web-1"}},
		{[]string{"cpuNum>=4"}, []string{"web-2", "IntelCoreI7"}},
		{[]string{"cpuNum<=4"}, []string{"web-1", "IntelCoreI7"}},
		{[]string{"uuid?=a1,c3"}, []string{"web-1", "IntelCoreI7"}},
		{[]string{"name!?=web-1,web-2"}, []string{"IntelCoreI7"}},
		{[]string{"name~=web%"}, []string{"web-1", "web-2"}},
		{[]string{"name~=IntelCore_7"}, []string{"IntelCoreI7"}},
		{[]string{"name~=intelcore%"}, []string{"IntelCoreI7"}},
		{[]string{"createDate>Jan 2, 2017 3:04:05 PM"}, []string{"web-2"}},
		{[]string{"createDate<1483315200000"}, []string{"web-1"}},
		{[]string{"name!~=web%"}, []string{"IntelCoreI7"}},
		{[]string{"description is null"}, []string{"web-1", "IntelCoreI7"}},
		{[]string{"description not null"}, []string{"web-2"}},
		{[]string{"vmNics.ip=192.168.0.100"}, []string{"web-1"}},
		{[]string{"vmNics.ip~=10.0.0.%"}, []string{"web-1", "web-2"}},
		{[]string{"vmNics.ip is null"}, []string{"IntelCoreI7"}},
		{[]string{"vmNics.ip!=10.0.0.6"}, []string{"web-1", "IntelCoreI7"}},
	} {
		q, err := parseQuery(url.Values{"q": tc.q})
		if err != nil {
			t.Fatalf("%v: %v", tc.q, err)
		}
		got, total := q.apply(vms)
		if !slices.Equal(names(got), tc.want) || total != len(tc.want) {
			t.Errorf("%v = %v (total %d), want %v", tc.q, names(got), total, tc.want)
		}
	}
}

func TestQueryPagingSortFields(t *testing.T) {
	vms := inventories(t, testVMs)
	q, err := parseQuery(url.Values{"sort": {"-cpuNum"}, "start": {"1"}, "limit": {"1.0"}, "fields": {"name,cpuNum"}})
	if err != nil {
		t.Fatal(err)
	}
	got, total := q.apply(vms)
	if total != 3 || len(got) != 1 || got[0]["name"] != "IntelCoreI7" || len(got[0]) != 2 {
		t.Fatalf("got %v total %d", got, total)
	}
	q, _ = parseQuery(url.Values{"groupBy": {"state"}, "sortBy": {"name"}, "sortDirection": {"asc"}})
	got, _ = q.apply(vms)
	if !slices.Equal(names(got), []string{"web-1", "web-2"}) {
		t.Fatalf("groupBy state = %v", names(got))
	}
}

func TestQueryRejects(t *testing.T) {
	for _, v := range []url.Values{
		{"q": {"name = vm1"}}, {"q": {"=vm1"}}, {"q": {"name"}}, {"q": {"na me=1"}},
		{"limit": {"-1"}}, {"limit": {"1.5"}}, {"limit": {"NaN"}}, {"start": {"x"}}, {"count": {"maybe"}}, {"sort": {"name"}},
		{"fields": {"vmNics.ip"}}, {"sortDirection": {"up"}, "sortBy": {"name"}},
	} {
		if _, err := parseQuery(v); err == nil {
			t.Errorf("%v accepted", v)
		}
	}
}

// FuzzParseQuery checks the q= parser never panics, and that what it
// accepts evaluates without panicking on any inventory shape.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"name=vm1", "vmNics.ip=10.0.0.1", "uuid?=a,b", "name!?=x", "name~=a%_b",
		"name!~=%", "cpuNum>=2", "x is null", "x not null", "a.b.c<3", "=", "!?=", "name~=[", "q=="} {
		f.Add(s, "+name")
	}
	vms := inventories(f, testVMs)
	f.Fuzz(func(t *testing.T, cond, sort string) {
		q, err := parseQuery(url.Values{"q": {cond}, "sort": {sort}})
		if err != nil {
			return
		}
		if len(q.conds) != 1 || len(q.conds[0].path) == 0 || q.conds[0].op == "" {
			t.Fatalf("%q parsed to %+v", cond, q.conds)
		}
		q.apply(vms)
	})
}

// FuzzQueryString feeds whole query strings, as they come off the URL.
func FuzzQueryString(f *testing.F) {
	for _, s := range []string{"q=name=vm1&limit=2&start=1", "q=vmNics.ip?=1,2&sort=-name&fields=name,uuid",
		"count=true&q=cpuNum>2", "groupBy=state&replyWithCount=true", "sortBy=name&sortDirection=desc", "q=a%20is%20null"} {
		f.Add(s)
	}
	vms := inventories(f, testVMs)
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseQuery(v)
		if err != nil {
			return
		}
		out, total := q.apply(vms)
		if len(out) > total || len(out) > q.limit {
			t.Fatalf("%q: %d results of %d, limit %d", raw, len(out), total, q.limit)
		}
	})
}
