package nano

import (
	"net/http/httptest"
	"testing"

	"github.com/kumo-cloud/kumo/internal/model"
)

func TestLogFilter(t *testing.T) {
	tests := []struct {
		query string
		limit int
		start int
		field string // the field at fault, "" for a valid query
	}{
		{"", defaultLogLimit, 0, ""},
		{"limit=&start=&after=&before=", defaultLogLimit, 0, ""}, // the document's example
		{"limit=5&start=10", 5, 10, ""},
		{"limit=5&after=2018-12-01+14:57:39&before=2018-12-02", 5, 0, ""},
		{"after=2018-12-01T14:57:39Z", defaultLogLimit, 0, ""},
		{"limit=0", 0, 0, "limit"},
		{"limit=-1", 0, 0, "limit"},
		{"limit=10001", 0, 0, "limit"},
		{"limit=ten", 0, 0, "limit"},
		{"start=-3", 0, 0, "start"},
		{"after=yesterday", 0, 0, "after"},
		{"before=2018-13-01", 0, 0, "before"},
	}
	for _, tc := range tests {
		f, err := logFilter(httptest.NewRequest("GET", "/api/v1/logs/?"+tc.query, nil))
		if tc.field != "" {
			var me *model.Error
			if me, _ = err.(*model.Error); me == nil || me.Field != tc.field || me.Code != model.CodeInvalidArgument {
				t.Errorf("%q: %v, want an invalid %s", tc.query, err, tc.field)
			}
			continue
		}
		if err != nil || f.Limit != tc.limit || f.Offset != tc.start {
			t.Errorf("%q: %+v, %v; want limit %d start %d", tc.query, f, err, tc.limit, tc.start)
		}
	}
}

// FuzzLogFilter checks that any query either fails as bad input or gives
// a filter within bounds.
func FuzzLogFilter(f *testing.F) {
	for _, seed := range []string{"", "limit=5&start=2", "after=2018-12-01+14:57:39", "before=2018-12-01", "limit=%zz", "after=2018-12-01T00:00:00%2B08:00"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		req := httptest.NewRequest("GET", "/api/v1/logs/", nil)
		req.URL.RawQuery = query
		filter, err := logFilter(req)
		if err != nil {
			if !model.IsCode(err, model.CodeInvalidArgument) {
				t.Fatalf("%q: %v is not a bad-input error", query, err)
			}
			return
		}
		if filter.Limit < 1 || filter.Limit > maxLogLimit || filter.Offset < 0 {
			t.Fatalf("%q: filter out of bounds: %+v", query, filter)
		}
	})
}
