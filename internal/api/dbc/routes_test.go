package dbc

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// documentedEndpoints reads the DBC rows of the spec's endpoint list
// (a copy in testdata): method and path, with <name> parameters.
func documentedEndpoints(t *testing.T) [][2]string {
	raw, err := os.ReadFile("testdata/endpoints.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n")[1:] {
		f := strings.Split(line, "\t")
		if len(f) >= 3 && f[0] == "dbc" {
			out = append(out, [2]string{f[1], f[2]})
		}
	}
	return out
}

// TestEveryEndpointRouted checks the route table against the document:
// every documented endpoint has a route, and there is no other.
func TestEveryEndpointRouted(t *testing.T) {
	eps := documentedEndpoints(t)
	if len(eps) != 37 {
		t.Fatalf("%d DBC endpoints in testdata, the document has 37", len(eps))
	}
	routed := map[string]bool{}
	for _, rt := range (&Server{}).routes() {
		routed[rt.path] = true
	}
	for _, ep := range eps {
		path := strings.NewReplacer("<", "{", ">", "}").Replace(strings.TrimPrefix(ep[1], Prefix))
		if ep[0] != "POST" {
			t.Errorf("%s %s: every DBC call is a POST", ep[0], ep[1])
		}
		if !routed[path] {
			t.Errorf("%s %s has no route", ep[0], ep[1])
		}
		delete(routed, path)
	}
	for path := range routed {
		t.Errorf("route %s is not in the document", path)
	}
}

// TestUnknownCallsAnswerTheEnvelope checks that what no route serves is
// answered in DBC's envelope too.
func TestUnknownCallsAnswerTheEnvelope(t *testing.T) {
	s := New(nil, nil, Options{})
	for _, c := range []struct{ method, path string }{{"GET", "/api/v1/tasks"}, {"POST", "/api/v1/nothing"}, {"PUT", "/"}} {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(c.method, c.path, nil))
		var env struct {
			ErrCode int    `json:"errcode"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || w.Code != 404 || env.ErrCode != 404 || env.Message == "" {
			t.Errorf("%s %s: HTTP %d %s", c.method, c.path, w.Code, w.Body)
		}
	}
}
