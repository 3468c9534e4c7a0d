package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/internal/server"
)

// dbcEndpoint is one row of the DBC document's endpoint list.
type dbcEndpoint struct{ Method, Path, Title string }

func loadDBCEndpoints(t *testing.T) []dbcEndpoint {
	raw, err := os.ReadFile("../internal/api/dbc/testdata/endpoints.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var eps []dbcEndpoint
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n")[1:] {
		f := strings.Split(line, "\t")
		if len(f) == 4 && f[0] == "dbc" {
			eps = append(eps, dbcEndpoint{f[1], f[2], f[3]})
		}
	}
	if len(eps) != 37 {
		t.Fatalf("%d endpoints, the document has 37", len(eps))
	}
	return eps
}

// dbcPublic are the calls the document makes without credentials.
var dbcPublic = map[string]bool{"/api/v1/mining_nodes": true, "/api/v1/images/servers": true}

// dbcCredentialsOptional are the calls the document shows both with and
// without credentials.
var dbcCredentialsOptional = map[string]bool{"/api/v1/images": true}

// TestDBCContract runs every endpoint of the DBC document against a real
// server: without credentials, with an unissued session, with a malformed
// body, with an unknown task, and with a valid session and an empty
// additional. Every reply must be DBC's envelope with agreeing HTTP status
// and errcode, and none may be a 500; a refusal (501) must say what is
// missing.
func TestDBCContract(t *testing.T) {
	k := startKumo(t)
	d := k.dbc(t)
	node := dbcNode(t, d)
	eps := loadDBCEndpoints(t)
	path := func(ep dbcEndpoint, task string) string {
		p := strings.TrimPrefix(ep.Path, "/api/v1")
		return strings.NewReplacer("<task_id>", task, "<snapshot_name>", "snap1", "<network_name>", "testnet1").Replace(p)
	}
	for _, ep := range eps {
		t.Run(strings.TrimPrefix(ep.Path, "/api/v1/"), func(t *testing.T) {
			d := *d
			d.t = t
			d.session, d.sessionSign = "", ""

			// No credentials.
			r := d.call(path(ep, "no-such-task"), []string{node}, map[string]any{})
			switch {
			case dbcPublic[ep.Path] || dbcCredentialsOptional[ep.Path]:
				if r.Status == 401 || r.Status >= 500 && r.Status != 501 {
					t.Errorf("without credentials: HTTP %d %s", r.Status, r.text())
				}
			case r.Status != 401:
				t.Errorf("without credentials: HTTP %d %s, want 401", r.Status, r.text())
			}

			// A session this node never issued.
			if !dbcPublic[ep.Path] {
				d.session, d.sessionSign = "not-issued", d.sign("not-issued")
				if r := d.call(path(ep, "no-such-task"), []string{node}, map[string]any{}); r.Status != 401 {
					t.Errorf("unissued session: HTTP %d %s, want 401", r.Status, r.text())
				}
			}

			d.login(node)
			if ep.Path == "/api/v1/mining_nodes/session_id" {
				// Issued to a wallet signature only.
				if r := d.call(path(ep, ""), []string{node}, map[string]any{}); r.Status != 401 {
					t.Errorf("session credentials: HTTP %d %s, want 401", r.Status, r.text())
				}
				b, _ := json.Marshal(d.walletBody([]string{node}, map[string]any{"no_such_field": 1}))
				if r := d.post(path(ep, ""), b); r.Status != 400 {
					t.Errorf("unknown field: HTTP %d %s, want 400", r.Status, r.text())
				}
				return
			}
			// A body that is not JSON.
			if r := d.post(path(ep, "no-such-task"), []byte(`{"peer_nodes_list": [`)); r.Status != 400 {
				t.Errorf("malformed body: HTTP %d %s, want 400", r.Status, r.text())
			}
			// An unknown field in additional.
			if r := d.call(path(ep, "no-such-task"), []string{node}, map[string]any{"no_such_field": 1}); r.Status != 400 {
				t.Errorf("unknown field: HTTP %d %s, want 400", r.Status, r.text())
			}
			// An unknown task.
			if strings.Contains(ep.Path, "<task_id>") {
				if r := d.call(path(ep, "no-such-task"), []string{node}, map[string]any{}); r.Status != 404 {
					t.Errorf("unknown task: HTTP %d %s, want 404", r.Status, r.text())
				}
			}
			// With a valid session and nothing more: never a 500, and a
			// refusal names what is missing.
			r = d.call(path(ep, "no-such-task"), []string{node}, map[string]any{})
			if r.Status >= 500 && r.Status != 501 {
				t.Errorf("empty call: HTTP %d %s", r.Status, r.text())
			}
			if r.Status == 501 && !strings.Contains(r.text(), "not implemented") && !strings.Contains(r.text(), "not supported") {
				t.Errorf("refusal does not say what is missing: %s", r.text())
			}
			if r.Status == 200 {
				var v any
				if json.Unmarshal(r.Message, &v) != nil {
					t.Errorf("message is not JSON: %s", r.Message)
				}
			}
		})
	}
}

// TestDBCWalletAllowlist checks that with --dbc-wallet only the listed
// wallets may use the node.
func TestDBCWalletAllowlist(t *testing.T) {
	renter := newDBCWallet(t)
	k := startKumo(t, func(c *server.Config) { c.DBCWallets = []string{renter.wallet} })
	renter.base = "http://" + k.srv.DBCAddr() + "/api/v1"
	node := dbcNode(t, renter)
	renter.login(node)
	renter.must("/tasks", []string{node}, map[string]any{}, nil)
	stranger := k.dbc(t)
	b, _ := json.Marshal(stranger.walletBody([]string{node}, map[string]any{}))
	if r := stranger.post("/mining_nodes/session_id", b); r.Status != 403 || !strings.Contains(r.text(), "renter") {
		t.Errorf("unlisted wallet: HTTP %d %s, want 403", r.Status, r.text())
	}
}
