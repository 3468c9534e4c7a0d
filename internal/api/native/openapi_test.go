package native

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenAPIDocument checks what clients and generators rely on: servers,
// the security schemes, and per operation an id of its own and a security
// requirement (the session, none for login, or a console ticket).
func TestOpenAPIDocument(t *testing.T) {
	routes := (&Server{}).routes()
	raw, err := openAPIDocument(routes)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Servers    []struct{ URL string } `json:"servers"`
		Security   []map[string][]string  `json:"security"`
		Components struct {
			SecuritySchemes map[string]map[string]any `json:"securitySchemes"`
			Schemas         map[string]struct {
				Properties map[string]map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
		Paths map[string]map[string]struct {
			OperationID string                `json:"operationId"`
			Security    []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Servers) == 0 || doc.Servers[0].URL == "" {
		t.Errorf("no servers: %+v", doc.Servers)
	}
	if s := doc.Components.SecuritySchemes[securityBearer]; s["type"] != "http" || s["scheme"] != "bearer" {
		t.Errorf("bearer scheme = %v", s)
	}
	if s := doc.Components.SecuritySchemes[securityTicket]; s["type"] != "apiKey" || s["in"] != "query" {
		t.Errorf("ticket scheme = %v", s)
	}
	if len(doc.Security) != 1 || doc.Security[0][securityBearer] == nil {
		t.Errorf("root security = %v, want the bearer token", doc.Security)
	}
	// Every field of every object says what it is and shows an example
	// (fields that are other objects show theirs).
	props := 0
	for name, schema := range doc.Components.Schemas {
		for pn, p := range schema.Properties {
			props++
			items, _ := p["items"].(map[string]any)
			if p["$ref"] != nil || items["$ref"] != nil {
				continue
			}
			if p["description"] == nil {
				t.Errorf("%s.%s has no description", name, pn)
			}
			if p["example"] == nil {
				t.Errorf("%s.%s has no example", name, pn)
			}
		}
	}
	if props < 150 {
		t.Errorf("only %d properties in the document", props)
	}
	seen := map[string]bool{}
	for _, rt := range routes {
		op, ok := doc.Paths[rt.path][strings.ToLower(rt.method)]
		if !ok {
			t.Errorf("%s %s is not in the document", rt.method, rt.path)
			continue
		}
		if op.OperationID != rt.op || seen[op.OperationID] {
			t.Errorf("%s %s: operationId %q (route says %q; seen before: %v)", rt.method, rt.path, op.OperationID, rt.op, seen[op.OperationID])
		}
		seen[op.OperationID] = true
		switch {
		case rt.public && (len(op.Security) != 1 || len(op.Security[0]) != 0):
			t.Errorf("%s %s is public but its security is %v", rt.method, rt.path, op.Security)
		case rt.ticket && len(op.Security) != 2:
			t.Errorf("%s %s takes a ticket but its security is %v", rt.method, rt.path, op.Security)
		case !rt.public && !rt.ticket && op.Security != nil:
			t.Errorf("%s %s needs the session but overrides security: %v", rt.method, rt.path, op.Security)
		}
	}
}

// TestOpenAPILint runs Redocly's linter (recommended rules) on the
// document: no errors allowed. $KUMO_REDOCLY names the redocly binary
// (scripts/test.sh sets it, and scripts/install-deps.sh installs it);
// without it the test is skipped.
func TestOpenAPILint(t *testing.T) {
	bin := os.Getenv("KUMO_REDOCLY")
	if bin == "" {
		t.Skip("KUMO_REDOCLY is not set (scripts/test.sh sets it)")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("KUMO_REDOCLY=%s: %v (scripts/install-deps.sh installs it)", bin, err)
	}
	raw, err := openAPIDocument((&Server{}).routes())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "lint", "--format=stylish", "--max-problems=200", path)
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redocly lint failed (%v):\n%s", err, out)
	}
	t.Logf("redocly lint:\n%s", out)
}
