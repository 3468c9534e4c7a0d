package dbc

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/internal/model"
)

// FuzzParseCustomPort checks that any custom port mapping either parses
// into forwards of valid ports or is refused, never anything else.
func FuzzParseCustomPort(f *testing.F) {
	for _, seed := range []string{"tcp,123", "udp,111:222", "tcp,333-444", "tcp/udp,555-666:777-888", "tcp,0", "x", "tcp,1-65535", "udp,5-3:1-2"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		fwds, err := parseCustomPort(spec)
		if err != nil {
			return
		}
		if len(fwds) == 0 || len(fwds) > 2*maxPortForwards {
			t.Fatalf("%q: %d forwards", spec, len(fwds))
		}
		for _, f := range fwds {
			if (f.Protocol != "tcp" && f.Protocol != "udp") || f.HostPort < 1 || f.HostPort > 65535 || f.GuestPort < 1 || f.GuestPort > 65535 {
				t.Fatalf("%q: bad forward %+v", spec, f)
			}
		}
	})
}

// FuzzDecodeBody checks that any request body decodes or is refused as
// a bad request.
func FuzzDecodeBody(f *testing.F) {
	for _, seed := range []string{`{"peer_nodes_list":["a"],"additional":{"image_name":"x"},"session_id":"s","session_id_sign":"00"}`,
		`{"peer_nodes_list": [`, `[]`, `{"additional": 5}`, ``, `{} {}`, `{"wallet": 1}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var req request
		err := decodeBody(httptest.NewRequest("POST", "/api/v1/tasks", strings.NewReader(body)), &req)
		if err != nil && model.CodeOf(err) != model.CodeInvalidArgument {
			t.Fatalf("%q: %v is not a bad request", body, err)
		}
		if err == nil {
			c := &call{body: req}
			var p createTaskParams
			if err := c.additional(&p); err != nil && model.CodeOf(err) != model.CodeInvalidArgument {
				t.Fatalf("additional of %q: %v is not a bad request", body, err)
			}
		}
	})
}
