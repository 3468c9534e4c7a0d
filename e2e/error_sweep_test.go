package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// The error sweep sends every endpoint of every API bad input and reads
// every error reply: each must be in its dialect's own form and free of
// what only the server should know (host paths, Go type names, command
// lines, stack traces). The endpoints come from testdata/endpoints.tsv
// (a copy of ../shared/spec/endpoints.tsv) and the native API's OpenAPI
// document; their fields from the documents' examples; so an endpoint
// added to either is swept without touching this file.

// leakPatterns are what no reply may contain.
var leakPatterns = []struct {
	what string
	re   *regexp.Regexp
}{
	{"a host path", regexp.MustCompile(`/tmp/|/var/lib/|/proc/|/home/|/root/|/usr/|[\w.-]*/[\w./-]*\.(qcow2|iso|img|raw|json|sock|pid|log)\b`)},
	{"a Go type name", regexp.MustCompile(`map\[|interface ?\{|struct ?\{|\[\]interface|\*model\.|\bmain\.|json: |Go struct field|Go value of type|` +
		`\bu?int(8|16|32|64)\b|\bfloat(32|64)\b|\[\][a-z*]|reflect\.|` +
		// exported names of Go packages, unexported camelCase ones of Kumo's
		`\b(model|service|api|nano|dbc|zstack|cloudtower|native|store|task|agent|hostlink|storage|qemu|hypervisor|console|directory|ipmi|json|time|net|http|os|big|url|strconv)\.[A-Z]\w*|` +
		`\b(model|service|api|nano|dbc|zstack|cloudtower|native|store|task|agent|hostlink|storage|qemu|hypervisor)\.[a-z]\w*[A-Z]\w*`)},
	{"a command line", regexp.MustCompile(`qemu-img|qemu-system|genisoimage|-drive\b|exec: |exit status \d`)},
	{"a stack trace or panic", regexp.MustCompile(`goroutine |\.go:\d|runtime error|nil pointer|panic`)},
	{"a database error", regexp.MustCompile(`(?i)sqlite|SQLSTATE|pq: |pgx|constraint failed|duplicate key value|sql: `)},
}

// leaks lists what of leakPatterns reply holds (and the server's data
// dir, wherever it is).
func leaks(reply, dataDir string) []string {
	var found []string
	if dataDir != "" && strings.Contains(reply, dataDir) {
		found = append(found, "the data dir")
	}
	for _, p := range leakPatterns {
		if m := p.re.FindString(reply); m != "" {
			found = append(found, fmt.Sprintf("%s (%q)", p.what, m))
		}
	}
	return found
}

// sweepEndpoint is one endpoint of one API.
type sweepEndpoint struct {
	dialect, method, path string // path as the spec writes it
	// example is the body of the document's example request (for DBC
	// the whole body around additional), nil when it shows none.
	example any
}

// loadSweepEndpoints reads the dialects' endpoints from testdata/endpoints.tsv
// with their examples. The copy must match the spec, when the spec is
// at hand, so a new endpoint cannot be missed.
func loadSweepEndpoints(t *testing.T) []sweepEndpoint {
	raw, err := os.ReadFile("testdata/endpoints.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if spec, err := os.ReadFile("../../shared/spec/endpoints.tsv"); err == nil && !bytes.Equal(spec, raw) {
		t.Fatal("e2e/testdata/endpoints.tsv differs from ../shared/spec/endpoints.tsv: copy it again")
	}
	examples := map[string]any{} // dialect+" "+method+" "+path
	readJSON := func(path string, v any) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	var nano []struct {
		Method, Path string
		Requests     []struct{ JSON any }
	}
	readJSON("../internal/api/nano/testdata/examples.json", &nano)
	for _, e := range nano {
		for _, rq := range e.Requests {
			body := rq.JSON
			if list, ok := body.([]any); ok && len(list) == 1 {
				body = list[0] // the document wraps bodies in an array
			}
			if body != nil {
				examples["nano "+e.Method+" /api/v1"+e.Path] = body
				break
			}
		}
	}
	var tower []struct {
		Path    string
		Request any
	}
	readJSON("../internal/api/cloudtower/testdata/examples.json", &tower)
	for _, e := range tower {
		examples["cloudtower POST "+e.Path] = e.Request
	}
	var zs []struct {
		Method, Path string
		Body         any
	}
	readJSON("../internal/api/zstack/testdata/examples.json", &zs)
	for _, e := range zs {
		if e.Body != nil {
			examples["zstack "+e.Method+" "+e.Path] = e.Body
		}
	}
	var dbc []struct {
		Path       string
		Additional any
	}
	readJSON("../internal/api/dbc/testdata/examples.json", &dbc)
	for _, e := range dbc {
		additional := e.Additional
		if additional == nil {
			additional = map[string]any{}
		}
		examples["dbc POST "+e.Path] = map[string]any{"peer_nodes_list": []any{"NODE"}, "additional": additional}
	}

	for key, ex := range examples {
		examples[key] = onLoopback(ex)
	}
	var eps []sweepEndpoint
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n")[1:] {
		f := strings.Split(line, "\t")
		if len(f) < 3 {
			t.Fatalf("endpoints.tsv: bad line %q", line)
		}
		path := f[2]
		if strings.HasPrefix(path, "/api (GraphQL") {
			path = "/api"
		}
		key := f[0] + " " + f[1] + " " + path
		if seen[key] {
			continue // the spec lists a few twice
		}
		seen[key] = true
		eps = append(eps, sweepEndpoint{dialect: f[0], method: f[1], path: path, example: examples[f[0]+" "+f[1]+" "+f[2]]})
	}
	return eps
}

// onLoopback points the addresses of an example at loopback: the sweep
// must not send a BMC command (or anything else) to a real network.
func onLoopback(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = onLoopback(e)
		}
	case []any:
		for i, e := range x {
			x[i] = onLoopback(e)
		}
	case string:
		if a, err := netip.ParseAddr(x); err == nil && !a.IsLoopback() {
			return "127.0.0.1"
		}
		if u, err := url.Parse(x); err == nil && u.Host != "" && u.Hostname() != "localhost" && u.Hostname() != "127.0.0.1" {
			u.Host = "127.0.0.1:9"
			return u.String()
		}
	}
	return v
}

// nativeEndpoints reads the native API's routes and their body schemas
// from its OpenAPI document.
func nativeEndpoints(t *testing.T, base string) []sweepEndpoint {
	resp, err := http.Get(base + "/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Paths      map[string]map[string]json.RawMessage
		Components struct {
			Schemas map[string]json.RawMessage
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	var eps []sweepEndpoint
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			var op struct {
				RequestBody struct {
					Content map[string]struct{ Schema json.RawMessage }
				}
				Responses map[string]struct {
					Content map[string]json.RawMessage
				}
			}
			json.Unmarshal(raw, &op)
			if _, ok := op.Responses["200"].Content["text/event-stream"]; ok {
				continue // a stream lasts until the client goes; its refusals are tested with it
			}
			var example any
			if c, ok := op.RequestBody.Content["application/json"]; ok {
				example = schemaExample(c.Schema, doc.Components.Schemas, 0)
			}
			eps = append(eps, sweepEndpoint{dialect: "native", method: strings.ToUpper(method), path: path, example: example})
		}
	}
	sort.Slice(eps, func(i, j int) bool { return eps[i].path+eps[i].method < eps[j].path+eps[j].method })
	return eps
}

// schemaExample makes a value of the shape an OpenAPI schema describes.
func schemaExample(raw json.RawMessage, schemas map[string]json.RawMessage, depth int) any {
	var s struct {
		Ref        string `json:"$ref"`
		Type       string
		Properties map[string]json.RawMessage
		Items      json.RawMessage
		Enum       []any
	}
	if json.Unmarshal(raw, &s) != nil || depth > 4 {
		return nil
	}
	if s.Ref != "" {
		return schemaExample(schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")], schemas, depth+1)
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	switch s.Type {
	case "object":
		m := map[string]any{}
		for k, p := range s.Properties {
			m[k] = schemaExample(p, schemas, depth+1)
		}
		return m
	case "array":
		if len(s.Items) == 0 {
			return []any{}
		}
		return []any{schemaExample(s.Items, schemas, depth+1)}
	case "integer", "number":
		return 1
	case "boolean":
		return false // no "start": true
	case "string":
		return "sweep"
	}
	if len(s.Properties) > 0 {
		s.Type = "object"
		b, _ := json.Marshal(s)
		return schemaExample(b, schemas, depth)
	}
	return nil
}

// sweepBody is one bad body and what it is.
type sweepBody struct {
	what string
	raw  []byte
}

// wholeBodies are bodies wrong as a whole.
var wholeBodies = []sweepBody{
	{"a string", []byte(`"a string"`)},
	{"an array", []byte(`[1, "two", {"three": 3}]`)},
	{"a huge number", []byte(`1e400`)},
	{"null", []byte(`null`)},
	{"nested garbage", []byte(`{"a": {"b": [{"c": [[[{"d": null}]]]}], "e": {"f": {"g": 1e400}}}}`)},
	{"truncated", []byte(`{"name": `)},
	{"two objects", []byte(`{} {}`)},
	{"not JSON", []byte("\x00\xff garbage <xml/>")},
}

// idLike says whether a key names an object.
var idLike = regexp.MustCompile(`(?i)(^id$|_id$|uuid$|^source$|^target$|^image$|^pool$|^name$|_name$|_filename$)`)

// badIDs are ids of the wrong shape or with hostile contents.
// They differ from pathVariants: a body may rename a fixture to one of
// them (names are free-form), and a later path must still name nothing.
var badIDs = []string{"5e1f0c2a-0000-4000-8000-000000000000", "../../etc/passwd", "x\x00y", "\u202eevil"}

// bodyVariants derives bad bodies from an example: each field in turn of
// the wrong JSON kind, numbers out of range, ids unknown or hostile,
// and the example cut in half.
func bodyVariants(example any) []sweepBody {
	var out []sweepBody
	if example == nil {
		return out
	}
	add := func(what string, v any) {
		b, err := json.Marshal(v)
		if err == nil {
			out = append(out, sweepBody{what, b})
		}
	}
	whole, _ := json.Marshal(example)
	out = append(out, sweepBody{"the example truncated", whole[:len(whole)/2]})
	leaves := 0
	var walk func(path string, v any, set func(any))
	walk = func(path string, v any, set func(any)) {
		if leaves >= 10 {
			return
		}
		key := path[strings.LastIndexAny(path, ".")+1:]
		switch x := v.(type) {
		case map[string]any:
			if path != "" {
				leaves++
				set("an object is expected here")
				add(path+" a string instead of an object", example)
				set(x)
			}
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				k := k
				walk(strings.TrimPrefix(path+"."+k, "."), x[k], func(n any) { x[k] = n })
			}
		case []any:
			leaves++
			set(map[string]any{"not": "a list"})
			add(path+" an object instead of a list", example)
			set(x)
			if len(x) > 0 {
				old := x[0]
				walk(path+"[0]", old, func(n any) { x[0] = n })
			}
		case string:
			leaves++
			set(12345)
			add(path+" a number instead of a string", example)
			if leaves == 1 {
				set(map[string]any{"nested": []any{"garbage", map[string]any{"x": []any{}}}})
				add(path+" an object instead of a string", example)
			}
			if idLike.MatchString(key) {
				for _, id := range badIDs {
					set(id)
					add(fmt.Sprintf("%s = %q", path, id), example)
				}
			}
			set(x)
		case float64:
			leaves++
			set("twelve")
			add(path+" a string instead of a number", example)
			for _, n := range []json.RawMessage{json.RawMessage("9000000000000000000"), json.RawMessage("1e400"),
				json.RawMessage("-1"), json.RawMessage("1.5")} {
				set(n)
				add(path+" = "+string(n), example)
			}
			set(x)
		case bool:
			leaves++
			set("yes")
			add(path+" a string instead of a boolean", example)
			set(x)
		case nil:
			leaves++
			set([]any{[]any{}})
			add(path+" a list of lists", example)
			set(nil)
		}
	}
	walk("", example, func(any) {})
	return out
}

// deepCopy copies a decoded JSON value.
func deepCopy(v any) any {
	b, _ := json.Marshal(v)
	var out any
	json.Unmarshal(b, &out)
	return out
}

// sweepDialect knows how to call one API and what its errors look like.
type sweepDialect struct {
	base string
	// authorize adds the admin's credentials to a request (for DBC, to
	// its body).
	authorize func(req *http.Request, body []byte) []byte
	// public says whether an endpoint needs no credentials.
	public func(method, path string) bool
	// errorForm checks an error reply; it returns what is wrong.
	errorForm func(status int, raw []byte) string
	// fill replaces a path's parameters by a value (or fixtures).
	params *regexp.Regexp
}

var (
	braceParam = regexp.MustCompile(`\{[^}]+\}`)
	angleParam = regexp.MustCompile(`<[^>]+>`)
)

func jsonObject(raw []byte) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

func nonEmptyString(raw json.RawMessage) bool {
	var s string
	return json.Unmarshal(raw, &s) == nil && s != ""
}

// envelopeForm checks the Nano and DBC envelope: a non-zero code equal to
// the HTTP status and a message.
func envelopeForm(codeKey string) func(int, []byte) string {
	return func(status int, raw []byte) string {
		m := jsonObject(raw)
		if m == nil {
			return "not a JSON object"
		}
		var code int
		if json.Unmarshal(m[codeKey], &code) != nil || code != status {
			return fmt.Sprintf("%s %s does not equal the HTTP status", codeKey, m[codeKey])
		}
		if !nonEmptyString(m["message"]) {
			return "no message"
		}
		return ""
	}
}

// nestedErrorForm checks {"error": {<keys>...}} with non-empty strings.
func nestedErrorForm(keys ...string) func(int, []byte) string {
	return func(status int, raw []byte) string {
		e := jsonObject(jsonObject(raw)["error"])
		if e == nil {
			return `no "error" object`
		}
		for _, k := range keys {
			if !nonEmptyString(e[k]) {
				return fmt.Sprintf("error.%s missing", k)
			}
		}
		return ""
	}
}

func towerErrorForm(status int, raw []byte) string {
	switch status {
	case 400, 404, 413, 500:
	default:
		return fmt.Sprintf("HTTP %d is not a status the SDK knows", status)
	}
	m := jsonObject(raw)
	if m == nil || !nonEmptyString(m["code"]) || !nonEmptyString(m["message"]) {
		return "not an ErrorBody"
	}
	return ""
}

// sweep is one run over one server.
type sweep struct {
	t       *testing.T
	k       *kumo
	client  *http.Client
	n       int // requests sent
	dataDir string
}

// send makes one request and judges its reply. For a ZStack job it
// follows the job to its end.
func (s *sweep) send(d sweepDialect, dialect, method, path string, body []byte, authed bool, what string) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		if authed && d.authorize != nil && dialect == "dbc" {
			body = d.authorize(nil, body)
		}
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, d.base+path, rd)
	if err != nil {
		s.t.Errorf("%s %s (%s): %v", method, path, what, err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	if authed && d.authorize != nil && dialect != "dbc" {
		d.authorize(req, nil)
	}
	status, raw := s.do(req)
	if status == 0 {
		s.t.Errorf("%s %s %s (%s): no reply: %s", dialect, method, path, what, raw)
		return
	}
	if dialect == "zstack" && status == http.StatusAccepted {
		status, raw = s.followJob(d, raw)
	}
	if dialect == "nano" {
		status = s.nanoStatus(fmt.Sprintf("nano %s %s (%s)", method, path, what), status, raw)
	}
	// KUMO_SWEEP_DUMP names a file that gets every request and reply,
	// to read what the APIs answer when a change to the sweep is made.
	if dump := os.Getenv("KUMO_SWEEP_DUMP"); dump != "" {
		f, _ := os.OpenFile(dump, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		var compact bytes.Buffer
		if json.Compact(&compact, raw) != nil {
			compact.Write(bytes.TrimSpace(raw))
		}
		fmt.Fprintf(f, "%s %s %s (%s) authed=%v -> %d %s\n", dialect, method, path, what, authed, status, compact.Bytes())
		f.Close()
	}
	s.judge(d, dialect, method, path, what, authed, status, raw)
}

// nanoStatus is the status a Nano reply means: Nano's FrontEnd answers
// failures with HTTP 200 and the failure in error_code (Kumo's is the
// status it would have elsewhere), so that code is judged. A failure
// with another HTTP status is an error.
func (s *sweep) nanoStatus(where string, status int, raw []byte) int {
	s.t.Helper()
	var r struct {
		ErrorCode int `json:"error_code"`
	}
	if json.Unmarshal(raw, &r) != nil || r.ErrorCode == 0 {
		return status // a success, or a file download
	}
	if status != http.StatusOK {
		s.t.Errorf("%s: HTTP %d with error_code %d: Nano answers failures with HTTP 200: %.300s", where, status, r.ErrorCode, raw)
	}
	return r.ErrorCode
}

func (s *sweep) do(req *http.Request) (int, []byte) {
	s.n++
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, raw
}

// followJob polls a ZStack job's location until it ends (bounded).
func (s *sweep) followJob(d sweepDialect, raw []byte) (int, []byte) {
	var loc struct{ Location string }
	if json.Unmarshal(raw, &loc) != nil || loc.Location == "" {
		return http.StatusAccepted, raw
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		req, _ := http.NewRequest("GET", loc.Location, nil)
		d.authorize(req, nil)
		status, body := s.do(req)
		if status != http.StatusAccepted || time.Now().After(deadline) {
			return status, body
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *sweep) judge(d sweepDialect, dialect, method, path, what string, authed bool, status int, raw []byte) {
	s.t.Helper()
	where := fmt.Sprintf("%s %s %s (%s)", dialect, method, path, what)
	if !authed && status < 300 && !d.public(method, path) {
		s.t.Errorf("%s without credentials: HTTP %d: %.300s", where, status, raw)
	}
	if status < 400 {
		return
	}
	if status == http.StatusInternalServerError {
		s.t.Errorf("%s: bad input answered as Kumo's own failure, HTTP 500: %.300s", where, raw)
	}
	if problem := d.errorForm(status, raw); problem != "" {
		s.t.Errorf("%s: HTTP %d not in the dialect's error form (%s): %.300s", where, status, problem, raw)
	}
	if found := leaks(string(raw), s.dataDir); len(found) > 0 {
		s.t.Errorf("%s: HTTP %d reply holds %s: %.400s", where, status, strings.Join(found, ", "), raw)
	}
}

// pathVariants are the values path parameters get: the fixtures, ids of
// the right and the wrong shape, and hostile ones.
var pathVariants = []string{"", "7b3c5d1e-0000-4000-8000-000000000000", "no-such-id", "..%2F..%2Fetc%2Fpasswd", "x%00y"}

// sweepQuery is a query string of bad values for list endpoints.
const sweepQuery = "?limit=-1&offset=1e400&start=9e18&count=x&replyWithCount=maybe&q=name%3D%00&q=uuid%3F%3D&sort=..%2F&flag=x&line_num=-9e18&timeout=9e18"

// TestErrorSweep sends every endpoint of every API bad input, as the
// admin and without credentials, and checks every error reply: in the
// dialect's form, not a 500, and holding no host path, Go type name,
// command line, stack trace or database error. Afterwards the errors
// of every task the sweep caused are checked the same way.
func TestErrorSweep(t *testing.T) {
	k := startKumo(t, withCloudTower, withZStack)
	k.uploadFile("sweep-image", tinyImage(t))
	vm := k.createVM(api.VMsPost{Name: "sweep-vm", Image: "sweep-image", MemoryMiB: 64})
	hosts := k.waitHosts(1)
	images, err := k.c.Images(ctxT(t))
	if err != nil || len(images) != 1 {
		t.Fatalf("images: %v %v", images, err)
	}
	tasks, err := k.c.Tasks(ctxT(t))
	if err != nil || len(tasks) == 0 {
		t.Fatalf("tasks: %v %v", tasks, err)
	}
	token := k.c.Token
	wallet := k.dbc(t)
	node := dbcNode(t, wallet)
	wallet.login(node)

	s := &sweep{t: t, k: k, dataDir: k.dataDir, client: &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	bearer := func(prefix string) func(*http.Request, []byte) []byte {
		return func(req *http.Request, _ []byte) []byte {
			req.Header.Set("Authorization", prefix+token)
			return nil
		}
	}
	dialects := map[string]sweepDialect{
		"native": {base: "http://" + k.srv.Addr(), authorize: bearer("Bearer "),
			public:    func(m, p string) bool { return p == "/v1/login" || p == "/v1/login/ldap" || p == "/v1/openapi.json" },
			errorForm: nestedErrorForm("code", "message"), params: braceParam},
		"nano": {base: "http://" + k.srv.NanoAddr(), authorize: func(req *http.Request, _ []byte) []byte {
			req.Header.Set("Nano-Session", token)
			return nil
		}, public: func(m, p string) bool { return (m == "POST" && p == "/api/v1/sessions/") || p == "/api/v1/system/" },
			errorForm: envelopeForm("error_code"), params: braceParam},
		"cloudtower": {base: "http://" + k.srv.CloudTowerAddr(), authorize: bearer(""),
			public:    func(m, p string) bool { return p == "/v2/api/login" },
			errorForm: towerErrorForm, params: braceParam},
		"zstack": {base: "http://" + k.srv.ZStackAddr(), authorize: bearer("OAuth "),
			public: func(m, p string) bool {
				return strings.HasSuffix(p, "/login") || strings.Contains(p, "/sessions/")
			},
			errorForm: nestedErrorForm("code", "description", "details"), params: braceParam},
		"dbc": {base: "http://" + k.srv.DBCAddr(), authorize: func(_ *http.Request, body []byte) []byte {
			var m map[string]any
			if json.Unmarshal(body, &m) != nil || m == nil {
				return body // not an object: sent as it is
			}
			m["session_id"], m["session_id_sign"] = wallet.session, wallet.sessionSign
			b, _ := json.Marshal(m)
			return b
		}, public: func(m, p string) bool {
			return p == "/api/v1/mining_nodes" || p == "/api/v1/images/servers" || p == "/api/v1/images"
		}, errorForm: envelopeForm("errcode"), params: angleParam},
	}

	// Fixtures by the words of a path, for the first path variant.
	fixture := func(dialect, path, param string) string {
		param = strings.Trim(param, "{}<>")
		id := vm.ID
		if dialect == "zstack" {
			id = zid(vm.ID)
		}
		switch {
		case param == "pool":
			return "default"
		case param == "cell":
			return hosts[0].Name
		case param == "session_id" || param == "sessionUuid":
			return token
		case param == "disk" || param == "index":
			return "0"
		case param == "type":
			return "internal"
		case param == "start":
			return "10.0.0.1"
		case param == "user_name" || param == "role_name" || param == "group_name":
			return "admin"
		case strings.Contains(path, "image"):
			return images[0].ID
		case strings.Contains(path, "/tasks/") && dialect == "native":
			return tasks[0].ID
		case strings.Contains(path, "/hosts/"):
			return hosts[0].ID
		case strings.Contains(path, "pools/"):
			return "default"
		}
		return id
	}

	// Native examples name the fixtures, so that a body with one bad
	// field gets as far as that field allows.
	native := nativeEndpoints(t, "http://"+k.srv.Addr())
	for _, ep := range native {
		if m, ok := ep.example.(map[string]any); ok {
			for key, value := range map[string]any{"image": images[0].Name, "pool": "default", "memory_mib": 64, "cores": 1, "disk_bytes": 0,
				"name": "sweep-new", "host": hosts[0].Name} {
				if _, has := m[key]; has {
					m[key] = value
				}
			}
		}
	}
	// Native first: the dialects' calls may take the host out of its
	// pool (Nano's cells), and the native create should still reach its
	// size checks.
	eps := append(append(native, loadSweepEndpoints(t)...), nanoPortalSweep()...)
	counts := map[string]int{}
	for _, ep := range eps {
		counts[ep.dialect]++
	}
	for dialect, want := range map[string]int{"nano": 136, "cloudtower": 37, "zstack": 79, "dbc": 37} {
		if counts[dialect] < want {
			t.Fatalf("%d %s endpoints, the spec lists %d", counts[dialect], dialect, want)
		}
	}
	if counts["native"] < 50 {
		t.Fatalf("%d native routes in the OpenAPI document", counts["native"])
	}
	// Destructive calls go last, and never at a fixture.
	sort.SliceStable(eps, func(i, j int) bool { return eps[i].method != "DELETE" && eps[j].method == "DELETE" })

	// Calls that would end the sweep's own session or start the fixture
	// VM get no fixture: starting a real VM would prove nothing here.
	noFixture := func(ep sweepEndpoint) bool {
		return ep.method == "DELETE" || ep.path == "/v1/logout" || ep.path == "/v1/vms/{id}/state" ||
			ep.path == "/api/v1/instances/{id}" || ep.path == "/v1/vms/{id}/migrate"
	}

	// What the sweep made fail is stored where users read it too: the
	// errors of tasks (jobs, creates that got through) and the operation
	// log every API writes (Nano's /logs/ lists it whole). Both are read
	// after each API's turn, before later failures push tasks out of the
	// newest 500.
	checkedTasks, checkedLogs := map[string]bool{}, map[string]bool{}
	checkStored := func() {
		failed, err := k.c.TasksWhere(ctxT(t), api.TasksFilter{State: "failed"})
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range failed {
			if checkedTasks[task.ID] {
				continue
			}
			checkedTasks[task.ID] = true
			if found := leaks(task.Error, s.dataDir); len(found) > 0 {
				t.Errorf("task %s (%s) error holds %s: %s", task.ID, task.Kind, strings.Join(found, ", "), task.Error)
			}
		}
		req, _ := http.NewRequest("GET", dialects["nano"].base+"/api/v1/logs/?limit=10000", nil)
		dialects["nano"].authorize(req, nil)
		status, raw := s.do(req)
		var logs struct {
			Data struct {
				Logs []struct{ ID, Content string }
			}
		}
		if status != 200 || json.Unmarshal(raw, &logs) != nil {
			t.Fatalf("operation log: HTTP %d %.300s", status, raw)
		}
		for _, l := range logs.Data.Logs {
			if checkedLogs[l.ID] {
				continue
			}
			checkedLogs[l.ID] = true
			if found := leaks(l.Content, s.dataDir); len(found) > 0 {
				t.Errorf("operation log entry holds %s: %s", strings.Join(found, ", "), l.Content)
			}
		}
	}

	start := time.Now()
	for i, ep := range eps {
		if i > 0 && ep.dialect != eps[i-1].dialect {
			t.Logf("%s: %d requests by %s", eps[i-1].dialect, s.n, time.Since(start).Round(time.Millisecond))
			checkStored()
		}
		d := dialects[ep.dialect]
		fill := func(variant string) string {
			return d.params.ReplaceAllStringFunc(ep.path, func(p string) string {
				if variant == "" {
					return fixture(ep.dialect, ep.path, p)
				}
				return variant
			})
		}
		example := ep.example
		if ep.dialect == "dbc" {
			example = deepCopy(example)
			example.(map[string]any)["peer_nodes_list"] = []any{node}
		}
		exampleRaw, _ := json.Marshal(example)
		if example == nil {
			exampleRaw = []byte(`{}`)
		}
		authed := ep.path != "/v1/logout"
		primary := fill(pathVariants[1])
		if !noFixture(ep) && d.params.MatchString(ep.path) {
			primary = fill("")
		}

		// Without credentials: the example at an unknown id, or a body cut
		// short at a malformed one, in turns (DBC reads the body first).
		if i%2 == 0 {
			s.send(d, ep.dialect, ep.method, fill(pathVariants[1]), exampleRaw, false, "no credentials")
		} else {
			s.send(d, ep.dialect, ep.method, fill(pathVariants[2]), []byte(`{"a":`), false, "no credentials, truncated body")
		}
		if !authed {
			continue
		}
		// Path parameters.
		if d.params.MatchString(ep.path) {
			for _, v := range pathVariants[1:] {
				s.send(d, ep.dialect, ep.method, fill(v), exampleRaw, true, "path "+v)
			}
		}
		if ep.method == "GET" {
			s.send(d, ep.dialect, ep.method, primary+sweepQuery, nil, true, "bad query")
			continue
		}
		for _, b := range wholeBodies {
			s.send(d, ep.dialect, ep.method, primary, b.raw, true, b.what)
		}
		for _, b := range bodyVariants(deepCopy(example)) {
			s.send(d, ep.dialect, ep.method, primary, b.raw, true, b.what)
		}
	}
	t.Logf("%d endpoints, %d requests in %s", len(eps), s.n, time.Since(start).Round(time.Millisecond))

	checkStored()
	t.Logf("%d failed tasks checked", len(checkedTasks))
	if _, err := k.c.VM(ctxT(t), vm.ID); err != nil {
		t.Errorf("the fixture VM: %v", err)
	}
}

// TestLeakPatterns checks the sweep's judge on replies that leak and
// replies that do not, so a pattern that matches nothing is noticed.
func TestLeakPatterns(t *testing.T) {
	for _, bad := range []string{
		`{"message":"qemu-img create -f qcow2 /tmp/x/vms/a/root.qcow2: exit status 1"}`,
		`request body is not valid JSON: json: cannot unmarshal string into Go struct field guestCreate.cores of type int`,
		`must be a map[string]interface {}, not a JSON string`,
		`must be a struct { AccountName string }`,
		`open vms/3f/root.qcow2: no such file`,
		`panic: runtime error: index out of range [goroutine 7]`,
		`UNIQUE constraint failed: vms.name (SQLITE_CONSTRAINT)`,
		`must be a nano.guestCreate, not a JSON array`,
		`cannot be a model.VM`,
		`must be a int64`,
		`must be a []string`,
	} {
		if len(leaks(bad, "")) == 0 {
			t.Errorf("not seen as a leak: %s", bad)
		}
	}
	for _, good := range []string{
		`field cores: expected a number`,
		`image "ubuntu.qcow2" not found`,
		`request body: expected a JSON object`,
		`no such endpoint: GET /api/v1/nothing`,
		`VM "../../etc/passwd" not found`,
		`domain.example.com is not reachable`,
		`request body is larger than 1 MiB`,
	} {
		if found := leaks(good, ""); len(found) > 0 {
			t.Errorf("seen as a leak (%v): %s", found, good)
		}
	}
}
