package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/internal/api/jsonbody"
	"github.com/kumo-cloud/kumo/internal/server"
)

// jsonOfSize is a JSON object of exactly n bytes: {"name":"aaa...a"}.
func jsonOfSize(n int) []byte {
	const frame = len(`{"name":""}`)
	return []byte(`{"name":"` + strings.Repeat("a", n-frame) + `"}`)
}

// postRaw sends body to url with the headers and returns the status and
// the reply.
func postRaw(t *testing.T, method, url string, body []byte, headers map[string]string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// TestOversizedBodies sends every API a JSON body one byte over the
// limit, which must be refused with 413 in the API's own error form
// (not "not valid JSON", which a cut-off read would say), and one of
// exactly the limit, which must be read and judged on its content.
// Uploads have their own limit, the service's: a file larger than a
// JSON body is taken, one over the upload limit is a 413 too.
func TestOversizedBodies(t *testing.T) {
	const uploadLimit = 3 << 20
	k := startKumo(t, withCloudTower, withZStack, func(c *server.Config) { c.Service.MaxImageBytes = uploadLimit })
	token := k.c.Token
	over, atLimit := jsonOfSize(jsonbody.Limit+1), jsonOfSize(jsonbody.Limit)

	dbc := k.dbc(t)
	node := dbcNode(t, dbc)
	dbc.login(node)
	dbcBody := func(size int) []byte {
		head, _ := json.Marshal(map[string]any{"peer_nodes_list": []string{node}, "session_id": dbc.session, "session_id_sign": dbc.sessionSign})
		// {"peer_nodes_list":..., "additional":{"name":"aaa"}}: additional
		// is filled up to the size.
		head = head[:len(head)-1]
		frame := len(head) + len(`,"additional":{"name":""}}`)
		return []byte(string(head) + `,"additional":{"name":"` + strings.Repeat("a", size-frame) + `"}}`)
	}

	type call struct {
		api, method, url string
		headers          map[string]string
		body             func(size int) []byte
		// form checks a reply is in the API's error form and returns
		// its message.
		form func(t *testing.T, status int, raw []byte) string
	}
	nested := func(key string) func(*testing.T, int, []byte) string {
		return func(t *testing.T, status int, raw []byte) string {
			var r struct{ Error map[string]any }
			if json.Unmarshal(raw, &r) != nil || r.Error == nil {
				t.Fatalf("HTTP %d: not {\"error\": {...}}: %.300s", status, raw)
			}
			msg, _ := r.Error[key].(string)
			return msg
		}
	}
	envelope := func(codeKey string) func(*testing.T, int, []byte) string {
		return func(t *testing.T, status int, raw []byte) string {
			var r map[string]json.RawMessage
			var code int
			var msg string
			if json.Unmarshal(raw, &r) != nil || json.Unmarshal(r[codeKey], &code) != nil || json.Unmarshal(r["message"], &msg) != nil {
				t.Fatalf("HTTP %d: not the envelope: %.300s", status, raw)
			}
			if code != status {
				t.Fatalf("HTTP %d with %s %d", status, codeKey, code)
			}
			return msg
		}
	}
	sized := func(size int) []byte { return jsonOfSize(size) }
	calls := []call{
		{"native", "POST", "http://" + k.srv.Addr() + "/v1/pools", map[string]string{"Authorization": "Bearer " + token}, sized, nested("message")},
		{"nano", "POST", "http://" + k.srv.NanoAddr() + "/api/v1/templates/", map[string]string{"Nano-Session": token}, sized, envelope("error_code")},
		{"nano login", "POST", "http://" + k.srv.NanoAddr() + "/api/v1/sessions/", nil, sized, envelope("error_code")},
		{"cloudtower", "POST", "http://" + k.srv.CloudTowerAddr() + "/v2/api/create-vm-vlan", map[string]string{"Authorization": token}, sized,
			func(t *testing.T, status int, raw []byte) string {
				var r struct{ Code, Message string }
				if json.Unmarshal(raw, &r) != nil || r.Code == "" {
					t.Fatalf("HTTP %d: not an ErrorBody: %.300s", status, raw)
				}
				return r.Message
			}},
		{"zstack", "POST", "http://" + k.srv.ZStackAddr() + "/zstack/v1/accounts", map[string]string{"Authorization": "OAuth " + token}, sized, nested("details")},
		{"zstack login", "PUT", "http://" + k.srv.ZStackAddr() + "/zstack/v1/accounts/login", nil, sized, nested("details")},
		{"dbc", "POST", "http://" + k.srv.DBCAddr() + "/api/v1/lan/create", nil, dbcBody, envelope("errcode")},
	}
	for _, c := range calls {
		t.Run(c.api, func(t *testing.T) {
			// Nano answers failures with HTTP 200, the status in error_code.
			post := func(body []byte) (int, []byte) {
				status, raw := postRaw(t, c.method, c.url, body, c.headers)
				if strings.HasPrefix(c.api, "nano") {
					status = nanoOutcome(t, status, raw)
				}
				return status, raw
			}
			status, raw := post(c.body(jsonbody.Limit + 1))
			msg := c.form(t, status, raw)
			if status != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "larger than the limit of 1 MiB") {
				t.Errorf("%d bytes: HTTP %d %q, want 413 naming the limit", jsonbody.Limit+1, status, msg)
			}
			status, raw = post(c.body(jsonbody.Limit))
			if status >= 300 {
				if msg := c.form(t, status, raw); status == http.StatusRequestEntityTooLarge || strings.Contains(msg, "JSON") {
					t.Errorf("%d bytes: HTTP %d %q: a body of the limit is read whole and judged on its content", jsonbody.Limit, status, msg)
				}
			}
		})
	}
	if len(over) != jsonbody.Limit+1 || len(atLimit) != jsonbody.Limit {
		t.Fatalf("bodies of %d and %d bytes", len(over), len(atLimit))
	}

	// Uploads: larger than a JSON body is fine, over the upload limit not.
	t.Run("native upload", func(t *testing.T) {
		url := "http://" + k.srv.Addr() + "/v1/images?name="
		auth := map[string]string{"Authorization": "Bearer " + token}
		// Not whole sectors: no raw disk.
		status, raw := postRaw(t, "POST", url+"big-enough", bytes.Repeat([]byte{'x'}, 2<<20+1), auth)
		if status != http.StatusBadRequest || !strings.Contains(string(raw), "not a usable disk image") {
			t.Errorf("2 MiB of garbage: HTTP %d %s, want 400 (read, then probed)", status, raw)
		}
		status, raw = postRaw(t, "POST", url+"too-big", bytes.Repeat([]byte{0}, uploadLimit+1), auth)
		if status != http.StatusRequestEntityTooLarge {
			t.Errorf("an image over the upload limit: HTTP %d %s, want 413", status, raw)
		}
	})
	t.Run("nano upload", func(t *testing.T) {
		n := k.nano(t)
		n.session = token
		upload := func(name string, size int) nanoReply {
			var img struct{ ID string }
			n.must(202, "POST", "/disk_images/", map[string]any{"name": name}, &img)
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			part, _ := mw.CreateFormFile("image", "disk.img")
			part.Write(bytes.Repeat([]byte{0}, size)) // a raw disk of zeros
			mw.Close()
			return n.send("POST", "/disk_image_files/"+img.ID, mw.FormDataContentType(), &buf)
		}
		if r := upload("above-json-limit", 2<<20); r.Status != http.StatusOK {
			t.Errorf("a 2 MiB image: HTTP %d %s, want 200", r.Status, r.Message)
		}
		if r := upload("above-upload-limit", uploadLimit+512); r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("an image over the upload limit: HTTP %d %s, want 413", r.Status, r.Message)
		}
	})
}
