package cloudtower

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/internal/model"
)

type testCluster struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type testVM struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	Vcpu      int           `json:"vcpu"`
	HA        bool          `json:"ha"`
	Cluster   *testCluster  `json:"cluster"`
	Snapshots []testCluster `json:"snapshots"`
	Tags      []string      `json:"tags"`
}

var testVMs = []testVM{
	{ID: "a1", Name: "web-1", Vcpu: 1, HA: true, Cluster: &testCluster{"c1", "one"}, Snapshots: []testCluster{{"s1", "before"}}},
	{ID: "a2", Name: "web-2", Vcpu: 2, Cluster: &testCluster{"c1", "one"}},
	{ID: "b3", Name: "db-1", Vcpu: 4, HA: true, Cluster: &testCluster{"c2", "two"}, Snapshots: []testCluster{{"s2", "x"}, {"s3", "before"}}},
	{ID: "b4", Name: "db-2", Vcpu: 8},
}

func ids(vms []testVM) string {
	var s []string
	for _, v := range vms {
		s = append(s, v.ID)
	}
	return strings.Join(s, ",")
}

func body(t *testing.T, js string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatalf("bad test body %s: %v", js, err)
	}
	return m
}

func TestWhere(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{}`, "a1,a2,b3,b4"},
		{`{"where": {"id": "a2"}}`, "a2"},
		{`{"where": {"id_not": "a2"}}`, "a1,b3,b4"},
		{`{"where": {"id_in": ["a2", "b4", "zz"]}}`, "a2,b4"},
		{`{"where": {"id_not_in": ["a2", "b4"]}}`, "a1,b3"},
		{`{"where": {"id_lt": "b3"}}`, "a1,a2"},
		{`{"where": {"id_lte": "b3"}}`, "a1,a2,b3"},
		{`{"where": {"id_gt": "b3"}}`, "b4"},
		{`{"where": {"id_gte": "b3"}}`, "b3,b4"},
		{`{"where": {"name_contains": "eb"}}`, "a1,a2"},
		{`{"where": {"name_not_contains": "eb"}}`, "b3,b4"},
		{`{"where": {"name_starts_with": "db"}}`, "b3,b4"},
		{`{"where": {"name_not_starts_with": "db"}}`, "a1,a2"},
		{`{"where": {"name_ends_with": "-1"}}`, "a1,b3"},
		{`{"where": {"name_not_ends_with": "-1"}}`, "a2,b4"},
		{`{"where": {"vcpu_gt": 1, "vcpu_lte": 4}}`, "a2,b3"},
		{`{"where": {"ha": true}}`, "a1,b3"},
		{`{"where": {"cluster": {"id": "c1"}}}`, "a1,a2"},
		{`{"where": {"cluster": {"name_in": ["two"]}}}`, "b3"},
		{`{"where": {"cluster": null}}`, "b4"},
		{`{"where": {"snapshots_some": {"name": "before"}}}`, "a1,b3"},
		{`{"where": {"snapshots_every": {"name": "before"}}}`, "a1,a2,b4"},
		{`{"where": {"snapshots_none": {"name": "x"}}}`, "a1,a2,b4"},
		{`{"where": {"OR": [{"id": "a1"}, {"vcpu": 8}]}}`, "a1,b4"},
		{`{"where": {"AND": [{"ha": true}, {"name_starts_with": "db"}]}}`, "b3"},
		{`{"where": {"NOT": [{"ha": true}]}}`, "a2,b4"},
		{`{"where": {"NOT": {"cluster": {"id": "c1"}}}}`, "b3,b4"},
		// the guide's /start-vm example: id and id_in together
		{`{"where": {"id": "a1", "id_in": ["a1", "a2"]}}`, "a1"},
		{`{"orderBy": "vcpu_DESC"}`, "b4,b3,a2,a1"},
		{`{"orderBy": "name_ASC"}`, "b3,b4,a1,a2"},
		// the guide's pagination examples
		{`{"first": 3}`, "a1,a2,b3"},
		{`{"skip": 1, "first": 2}`, "a2,b3"},
		{`{"last": 3}`, "a2,b3,b4"},
		{`{"last": 2, "skip": 1}`, "a2,b3"},
		{`{"after": "a1", "first": 2}`, "a2,b3"},
		{`{"after": "a1", "skip": 1, "first": 5}`, "b3,b4"},
		{`{"last": 5, "before": "b3"}`, "a1,a2"},
		{`{"last": 1, "before": "b4", "skip": 1}`, "a2"},
		{`{"after": "b4"}`, ""},
		{`{"where": {"ha": true}, "orderBy": "id_DESC", "first": 1}`, "b3"},
	} {
		got, err := list(body(t, tc.body), testVMs)
		if err != nil {
			t.Errorf("%s: %v", tc.body, err)
			continue
		}
		if ids(got) != tc.want {
			t.Errorf("%s: got %q, want %q", tc.body, ids(got), tc.want)
		}
	}
}

func TestWhereRejects(t *testing.T) {
	for _, tc := range []struct{ body, field string }{
		{`{"where": {"nmae": "x"}}`, "where.nmae"},
		{`{"where": {"name_gtx": "x"}}`, "where.name_gtx"},
		{`{"where": {"vcpu": "2"}}`, "where.vcpu"},
		{`{"where": {"id_in": "a1"}}`, "where.id_in"},
		{`{"where": {"id_in": [1]}}`, "where.id_in[0]"},
		{`{"where": {"vcpu_contains": "1"}}`, "where.vcpu_contains"},
		{`{"where": {"ha_gt": true}}`, "where.ha_gt"},
		{`{"where": {"cluster": {"nope": 1}}}`, "where.cluster.nope"},
		{`{"where": {"cluster_in": ["c1"]}}`, "where.cluster_in"},
		{`{"where": {"snapshots": {"id": "s1"}}}`, "where.snapshots"},
		{`{"where": {"tags_some": {"id": "s1"}}}`, "where.tags_some"},
		{`{"where": {"OR": 1}}`, "where.OR"},
		{`{"where": {"OR": [{"x": 1}]}}`, "where.OR[0].x"},
		{`{"where": []}`, "where"},
		{`{"orderBy": "name"}`, "orderBy"},
		{`{"orderBy": "cluster_ASC"}`, "orderBy"},
		{`{"first": -1}`, "first"},
		{`{"first": 1.5}`, "first"},
		{`{"after": "nope"}`, "after"},
		{`{"limit": 1}`, "limit"},
	} {
		_, err := list(body(t, tc.body), testVMs)
		var me *model.Error
		if err == nil || !asModelError(err, &me) || me.Code != model.CodeInvalidArgument || me.Field != tc.field {
			t.Errorf("%s: got %v, want invalid %s", tc.body, err, tc.field)
		}
	}
}

func asModelError(err error, me **model.Error) bool {
	e, ok := err.(*model.Error)
	*me = e
	return ok
}

// FuzzWhere feeds arbitrary list bodies to the filter: it must never
// panic, and a body it accepts must select a subset of the input in the
// input's order unless an orderBy is given.
func FuzzWhere(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"where": {"id": "a2"}}`, `{"where": {"OR": [{"id": "a1"}, {"vcpu_gte": 8}]}}`,
		`{"where": {"cluster": {"id_in": ["c1"]}}}`, `{"where": {"snapshots_some": {"name_contains": "b"}}}`,
		`{"first": 2, "skip": 1, "after": "a1"}`, `{"last": 3, "before": "b4", "skip": 1}`,
		`{"orderBy": "name_DESC"}`, `{"where": {"NOT": {"ha": false}}}`, `{"where": {"AND": []}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, js string) {
		var m map[string]any
		if json.Unmarshal([]byte(js), &m) != nil {
			return
		}
		got, err := list(m, testVMs)
		if err != nil {
			if model.CodeOf(err) != model.CodeInvalidArgument {
				t.Fatalf("%s: error %v is not invalid_argument", js, err)
			}
			return
		}
		if len(got) > len(testVMs) {
			t.Fatalf("%s: %d results from %d", js, len(got), len(testVMs))
		}
		if _, ordered := m["orderBy"]; !ordered {
			pos := -1
			for _, g := range got {
				i := strings.Index("a1,a2,b3,b4", g.ID)
				if i <= pos {
					t.Fatalf("%s: results out of order: %s", js, ids(got))
				}
				pos = i
			}
		}
	})
}
