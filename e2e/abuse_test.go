package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/httpguard"
	"github.com/kumo-cloud/kumo/internal/server"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Short login limits: three free guesses per name, then 200 ms doubling
// to 400 ms, locked out for 4 s after six.
func withShortLoginLimits(c *server.Config) {
	c.Service.Logins = service.LoginThrottleConfig{
		PerName: service.LoginLimits{FreeFailures: 3, Delay: 200 * time.Millisecond, MaxDelay: 400 * time.Millisecond,
			LockoutFailures: 6, Lockout: loginLockout},
		PerAddress: service.LoginLimits{FreeFailures: 1000, LockoutFailures: 1000},
	}
}

const loginLockout = 4 * time.Second

// loginReply is what a flood saw of one reply.
type loginReply struct {
	status     int
	body       string
	retryAfter string
}

// flood sends n login requests, 8 at a time, and returns the replies.
func flood(t *testing.T, n int, send func() (*http.Response, error)) []loginReply {
	t.Helper()
	var mu sync.Mutex
	var out []loginReply
	work := make(chan struct{}, n)
	for i := 0; i < n; i++ {
		work <- struct{}{}
	}
	close(work)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				resp, err := send()
				if err != nil {
					t.Errorf("login request: %v", err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				out = append(out, loginReply{resp.StatusCode, string(b), resp.Header.Get("Retry-After")})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return out
}

func postJSON(method, url string, body any) func() (*http.Response, error) {
	raw, _ := json.Marshal(body)
	return func() (*http.Response, error) {
		req, err := http.NewRequest(method, url, bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		// A client's own claim of where it is must not move the throttle.
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", time.Now().UnixNano()%250))
		return http.DefaultClient.Do(req)
	}
}

// failedLogins returns the operation log's entries about failed logins
// as name.
func (k *kumo) failedLogins(name string) []string {
	k.t.Helper()
	logs, _, err := k.srv.Service().ListOperationLogs(service.AsControlPlane(context.Background()), store.LogFilter{})
	if err != nil {
		k.t.Fatal(err)
	}
	var out []string
	for _, l := range logs {
		if strings.Contains(l.Content, fmt.Sprintf(" login as %q from ", name)) {
			if l.Address != "127.0.0.1" {
				k.t.Fatalf("failed login logged with address %q: %+v", l.Address, l)
			}
			out = append(out, l.Content)
		}
	}
	return out
}

// TestLoginFloodEveryAPI sends 200 wrong passwords to the login of each
// API on its real listener: only the first few are evaluated, the rest
// are refused in the dialect's own form, and every one is in the
// operation log with its source address. The throttle is one: a name
// locked out through /v1 is locked out in Nano too, with the right
// password, until the lockout ends.
func TestLoginFloodEveryAPI(t *testing.T) {
	k := startKumo(t, withoutLocalAgent, withZStack, withCloudTower, withShortLoginLimits)
	pub, _, _ := ed25519.GenerateKey(nil)
	wallet := service.SS58Address(pub)
	_, stranger, _ := ed25519.GenerateKey(nil)
	badSign := hex.EncodeToString(ed25519.Sign(stranger, []byte("nonce")))

	type dialect struct {
		name, user string
		send       func() (*http.Response, error)
		// wrong and refused tell a wrong-password reply and a refusal
		// in the dialect's own form.
		wrong, refused func(r loginReply) bool
	}
	jsonHas := func(r loginReply, path ...string) bool {
		var v any
		if json.Unmarshal([]byte(r.body), &v) != nil {
			return false
		}
		for i := 0; i < len(path)-1; i++ {
			m, ok := v.(map[string]any)
			if !ok {
				return false
			}
			v = m[path[i]]
		}
		return fmt.Sprint(v) == path[len(path)-1]
	}
	tooMany := func(r loginReply) bool {
		return strings.Contains(r.body, "too many failed logins") && r.retryAfter != ""
	}
	dialects := []dialect{
		{name: "v1", user: "flood-v1",
			send:  postJSON("POST", "http://"+k.srv.Addr()+"/v1/login", map[string]string{"username": "flood-v1", "password": "guess"}),
			wrong: func(r loginReply) bool { return r.status == 401 && jsonHas(r, "error", "code", "unauthenticated") },
			refused: func(r loginReply) bool {
				return r.status == 429 && jsonHas(r, "error", "code", "too_many_requests") && tooMany(r)
			}},
		{name: "Nano", user: "flood-nano",
			send: postJSON("POST", "http://"+k.srv.NanoAddr()+"/api/v1/sessions/", map[string]string{"user": "flood-nano", "password": "guess"}),
			// Nano answers failures with HTTP 200, the failure in error_code.
			wrong:   func(r loginReply) bool { return r.status == 200 && jsonHas(r, "error_code", "401") },
			refused: func(r loginReply) bool { return r.status == 200 && jsonHas(r, "error_code", "429") && tooMany(r) }},
		{name: "CloudTower", user: "flood-tower",
			send: postJSON("POST", "http://"+k.srv.CloudTowerAddr()+"/v2/api/login",
				map[string]string{"username": "flood-tower", "password": "guess", "source": "LOCAL"}),
			wrong: func(r loginReply) bool { return r.status == 400 && jsonHas(r, "code", "UNAUTHENTICATED") },
			refused: func(r loginReply) bool {
				return r.status == 400 && jsonHas(r, "code", "TOO_MANY_REQUESTS") && tooMany(r)
			}},
		{name: "ZStack", user: "flood-zstack",
			send: postJSON("PUT", "http://"+k.srv.ZStackAddr()+"/zstack/v1/accounts/login",
				map[string]any{"logInByAccount": map[string]string{"accountName": "flood-zstack", "password": "guess"}}),
			wrong: func(r loginReply) bool { return r.status == 503 && jsonHas(r, "error", "code", "ID.1000") },
			refused: func(r loginReply) bool {
				return r.status == 429 && jsonHas(r, "error", "code", "ID.1000") && tooMany(r)
			}},
		{name: "DBC", user: service.DBCOwner(wallet),
			send: postJSON("POST", "http://"+k.srv.DBCAddr()+"/api/v1/mining_nodes/session_id",
				map[string]string{"wallet": wallet, "nonce": "nonce", "sign": badSign}),
			wrong:   func(r loginReply) bool { return r.status == 401 && jsonHas(r, "errcode", "401") },
			refused: func(r loginReply) bool { return r.status == 429 && jsonHas(r, "errcode", "429") && tooMany(r) }},
	}
	const n = 200
	for _, d := range dialects {
		start := time.Now()
		replies := flood(t, n, d.send)
		took := time.Since(start)
		evaluated, refused := 0, 0
		for _, r := range replies {
			switch {
			case d.wrong(r):
				evaluated++
			case d.refused(r):
				refused++
			default:
				t.Fatalf("%s: a reply that is neither a wrong password nor a refusal: %d %s", d.name, r.status, r.body)
			}
		}
		t.Logf("%s: %d logins in %s: %d evaluated, %d refused", d.name, n, took.Round(time.Millisecond), evaluated, refused)
		// Three free, then one after 200 ms, 400 ms and 400 ms at most
		// (the sixth locks the name out), and one more each time a
		// lockout ends while the flood goes on.
		most := 6 + int(took/loginLockout)
		if evaluated < 3 || evaluated > most || evaluated+refused != n {
			t.Fatalf("%s: %d of %d guesses evaluated in %s, %d refused; want 3 to %d evaluated", d.name, evaluated, n, took, refused, most)
		}
		if logged := k.failedLogins(d.user); len(logged) != n {
			t.Fatalf("%s: %d failed logins in the operation log, want %d", d.name, len(logged), n)
		}
	}

	// One throttle for all: the admin locked out through /v1 (six wrong
	// passwords, waiting out the delays between them) ...
	guess := postJSON("POST", "http://"+k.srv.Addr()+"/v1/login", map[string]string{"username": "admin", "password": "guess"})
	for wrong := 0; wrong < 6; {
		resp, err := guess()
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case 401:
			wrong++
		case 429:
			time.Sleep(100 * time.Millisecond)
		default:
			t.Fatalf("a wrong admin password: %s", resp.Status)
		}
	}
	// ... is refused by Nano with the right password ...
	right := postJSON("POST", "http://"+k.srv.NanoAddr()+"/api/v1/sessions/", map[string]string{"user": "admin", "password": adminPassword})
	// (Nano answers with HTTP 200 and the outcome in error_code.)
	nanoLogin := func() (int, string) {
		resp, err := right()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return nanoOutcome(t, resp.StatusCode, raw), string(raw)
	}
	if got, raw := nanoLogin(); got != 429 {
		t.Fatalf("the admin's right password during the lockout: %d %s", got, raw)
	}
	// ... and logs in once the lockout is over.
	eventually(t, 10*time.Second, "the admin's lockout to end", func() (bool, string) {
		got, raw := nanoLogin()
		return got == 200, raw
	})
}

// slowBodyRequest sends a request's headers, promising a body that never
// comes.
func slowBodyRequest(c net.Conn, path string) {
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: kumo\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{", path)
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(ents)
}

// TestSlowBodiesAreClosed opens 300 connections to /v1 and 50 to Nano
// that send headers and never their body: the server closes every one
// within its read timeout, and its descriptors are given back.
func TestSlowBodiesAreClosed(t *testing.T) {
	k := startKumo(t, withoutLocalAgent, func(c *server.Config) {
		c.Limits = httpguard.Limits{ReadHeader: 500 * time.Millisecond, Read: time.Second, PerSource: 1000}
	})
	before := openFDs(t)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 350; i++ {
		addr, path := k.srv.Addr(), "/v1/login"
		if i >= 300 {
			addr, path = k.srv.NanoAddr(), "/api/v1/sessions/"
		}
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		slowBodyRequest(c, path)
	}
	held := openFDs(t)
	start := time.Now()
	for i, c := range conns {
		// Every connection is closed by the server within the read
		// timeout (1 s) and some slack; the bound is for all at once.
		c.SetReadDeadline(start.Add(5 * time.Second))
		if _, err := io.Copy(io.Discard, c); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("connection %d still open %s after its headers", i, time.Since(start).Round(time.Millisecond))
			}
		}
	}
	closedAfter := time.Since(start)
	serverGone := openFDs(t)
	t.Logf("fds: %d before, %d with 350 slow bodies, %d once the server closed them (%s)", before, held, serverGone, closedAfter.Round(time.Millisecond))
	if held < before+350 {
		t.Fatalf("the connections were not held at all (%d fds, %d before)", held, before)
	}
	// Only the test's own ends remain.
	if serverGone > before+350+10 {
		t.Fatalf("%d fds after the server closed the slow bodies, %d before 350 connections", serverGone, before)
	}
}

// TestConnectionsPerSourceCapped: connections of one address beyond the
// cap are closed at once; a place given back is free again.
func TestConnectionsPerSourceCapped(t *testing.T) {
	k := startKumo(t, withoutLocalAgent, func(c *server.Config) { c.Limits = httpguard.Limits{PerSource: 8} })
	addr := k.srv.NanoAddr() // the harness's client uses /v1 only
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := 0; i < 8; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c) // headers not even begun
	}
	time.Sleep(200 * time.Millisecond) // accepted
	for i := 0; i < 20; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			continue
		}
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		fmt.Fprintf(c, "GET /api/v1/sessions/x HTTP/1.1\r\nHost: kumo\r\n\r\n")
		n, err := c.Read(make([]byte, 1))
		c.Close()
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("connection %d over the cap was left open", 9+i)
		}
		if n > 0 {
			t.Fatalf("connection %d over the cap was served", 9+i)
		}
	}
	held[0].Close()
	held = held[1:]
	eventually(t, 5*time.Second, "a connection within the cap", func() (bool, string) {
		resp, err := http.Get("http://" + addr + "/api/v1/sessions/x")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return true, resp.Status
	})
}

// throttledReader yields chunk bytes of r every gap.
type throttledReader struct {
	r     io.Reader
	chunk int
	gap   time.Duration
}

func (s *throttledReader) Read(p []byte) (int, error) {
	time.Sleep(s.gap)
	return s.r.Read(p[:min(len(p), s.chunk)])
}

// TestSlowUploadOutlivesTheReadTimeout uploads a real image through /v1
// over three times the read timeout, flowing all along: it succeeds.
func TestSlowUploadOutlivesTheReadTimeout(t *testing.T) {
	k := startKumo(t, withoutLocalAgent, func(c *server.Config) {
		c.Limits = httpguard.Limits{ReadHeader: 300 * time.Millisecond, Read: 600 * time.Millisecond, Write: 600 * time.Millisecond}
	})
	path := filepath.Join(t.TempDir(), "small.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-f", "qcow2", path, "16M").CombinedOutput(); err != nil {
		t.Fatalf("qemu-img create: %v: %s", err, out)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// 8 KiB every 100 ms: about 2.4 s for the ~196 KiB file.
	body := &throttledReader{r: bytes.NewReader(raw), chunk: 8 << 10, gap: 100 * time.Millisecond}
	start := time.Now()
	img, err := k.c.UploadImage(ctxT(t), "slow-upload", "", body, int64(len(raw)))
	took := time.Since(start)
	if err != nil {
		t.Fatalf("slow upload after %s: %v", took, err)
	}
	if took < 3*600*time.Millisecond {
		t.Fatalf("the upload took %s: not slower than the read timeout, proves nothing", took)
	}
	if img.State != "ready" || img.SizeBytes != int64(len(raw)) {
		t.Fatalf("uploaded image: %+v", img)
	}
	t.Logf("uploaded %d bytes in %s behind a 600 ms read timeout", len(raw), took.Round(time.Millisecond))
}
