package console

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kumo-cloud/kumo/internal/httpguard"
)

const banner = "RFB 003.008\n"

// shortDir returns a temp dir whose paths fit in sun_path (108 bytes);
// t.TempDir() can be too long with long test names.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "kc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// fakeVNC listens on a unix socket, writes the RFB banner to each client and
// then echoes whatever it receives. Received bytes are also sent on got.
func fakeVNC(t *testing.T) (sock string, got <-chan []byte) {
	t.Helper()
	sock = filepath.Join(shortDir(t), "vnc.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan []byte, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := io.WriteString(c, banner); err != nil {
					return
				}
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						ch <- bytes.Clone(buf[:n])
						if _, werr := c.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return sock, ch
}

func dial(t *testing.T, ctx context.Context, url string) *websocket.Conn {
	t.Helper()
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"binary"}})
	if err != nil {
		t.Fatalf("dial %s: %v (resp %v)", url, err, resp)
	}
	if ws.Subprotocol() != "binary" {
		t.Errorf("subprotocol = %q, want binary", ws.Subprotocol())
	}
	return ws
}

func readBinary(t *testing.T, ctx context.Context, ws *websocket.Conn) []byte {
	t.Helper()
	typ, data, err := ws.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageBinary {
		t.Fatalf("message type = %v, want binary", typ)
	}
	return data
}

func wsURL(srv *httptest.Server) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func TestProxyFakeVNC(t *testing.T) {
	sock, got := fakeVNC(t)
	b := NewBroker(time.Minute)
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	tok, exp := b.Issue(Target{VMID: "vm-1", Socket: sock})
	if len(tok) != 43 { // 32 bytes, unpadded base64url
		t.Errorf("token length = %d, want 43", len(tok))
	}
	if time.Until(exp) <= 0 || time.Until(exp) > time.Minute {
		t.Errorf("expires = %v, not within ttl", exp)
	}

	// Token in the last path segment (noVNC-style URL without query).
	ws := dial(t, ctx, wsURL(srv)+"/console/"+tok)
	defer ws.CloseNow()

	if data := readBinary(t, ctx, ws); string(data) != banner {
		t.Fatalf("banner = %q, want %q", data, banner)
	}

	msg := []byte("RFB 003.008\n\x01hello")
	if err := ws.Write(ctx, websocket.MessageBinary, msg); err != nil {
		t.Fatal(err)
	}
	select {
	case data := <-got:
		if !bytes.Equal(data, msg) {
			t.Fatalf("server got %q, want %q", data, msg)
		}
	case <-ctx.Done():
		t.Fatal("server never received data")
	}
	if data := readBinary(t, ctx, ws); !bytes.Equal(data, msg) {
		t.Fatalf("echo = %q, want %q", data, msg)
	}
	if err := ws.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatalf("close: %v", err)
	}
}

// When the VNC server hangs up, the client must see a normal websocket close.
func TestProxyServerClose(t *testing.T) {
	sock := filepath.Join(shortDir(t), "vnc.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.WriteString(c, banner)
			c.Close()
		}
	}()

	b := NewBroker(0)
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	tok, _ := b.Issue(Target{Socket: sock})
	ws := dial(t, ctx, wsURL(srv)+"/?token="+tok)
	defer ws.CloseNow()
	if data := readBinary(t, ctx, ws); string(data) != banner {
		t.Fatalf("banner = %q", data)
	}
	_, _, err = ws.Read(ctx)
	if s := websocket.CloseStatus(err); s != websocket.StatusNormalClosure {
		t.Fatalf("read after server close: %v (status %v), want normal closure", err, s)
	}
}

func expect403(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, url, nil)
	if err == nil {
		ws.CloseNow()
		t.Fatalf("dial %s succeeded, want 403", url)
	}
	if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("dial %s: resp %v err %v, want 403", url, resp, err)
	}
}

func TestTokenRefused(t *testing.T) {
	sock, _ := fakeVNC(t)
	b := NewBroker(50 * time.Millisecond)
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	t.Run("reuse", func(t *testing.T) {
		tok, _ := b.Issue(Target{Socket: sock})
		ws := dial(t, ctx, wsURL(srv)+"/?token="+tok)
		ws.Close(websocket.StatusNormalClosure, "")
		expect403(t, wsURL(srv)+"/?token="+tok)
	})
	t.Run("unknown", func(t *testing.T) {
		expect403(t, wsURL(srv)+"/?token=bogus")
		expect403(t, wsURL(srv)+"/")
	})
	t.Run("expired", func(t *testing.T) {
		tok, _ := b.Issue(Target{Socket: sock})
		time.Sleep(100 * time.Millisecond)
		expect403(t, wsURL(srv)+"/console/"+tok)
	})

	// Plain HTTP (no upgrade) gets the same refusal with a text body.
	resp, err := http.Get(srv.URL + "/?token=nope")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "token") {
		t.Fatalf("GET: %d %q, want 403 with text body", resp.StatusCode, body)
	}
}

func TestBrokerRedeem(t *testing.T) {
	b := NewBroker(50 * time.Millisecond)
	want := Target{VMID: "vm-1", Socket: "/x"}
	tok, _ := b.Issue(want)
	if got, err := b.Redeem(tok); err != nil || got.VMID != want.VMID || got.Socket != want.Socket {
		t.Fatalf("Redeem = %v, %v", got, err)
	}
	if _, err := b.Redeem(tok); !errors.Is(err, ErrUnknownToken) {
		t.Fatalf("second Redeem err = %v, want ErrUnknownToken", err)
	}
	tok, _ = b.Issue(want)
	time.Sleep(60 * time.Millisecond)
	if _, err := b.Redeem(tok); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired Redeem err = %v, want ErrExpired", err)
	}
	if a, c := b.Issue(want); a == tok || c.IsZero() {
		t.Fatal("tokens must be unique")
	}
}

// Unredeemed expired tokens must be purged so the map cannot grow forever.
func TestBrokerPurge(t *testing.T) {
	b := NewBroker(20 * time.Millisecond)
	for range 100 {
		b.Issue(Target{})
	}
	time.Sleep(50 * time.Millisecond)
	b.Issue(Target{})
	b.mu.Lock()
	n := len(b.grants)
	b.mu.Unlock()
	if n != 1 {
		t.Fatalf("grants = %d after expiry, want 1", n)
	}
}

func TestProxyQEMU(t *testing.T) {
	qemu, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("qemu-system-x86_64 is required in CI")
		}
		t.Skip("qemu-system-x86_64 not on PATH")
	}
	dir := shortDir(t)
	sock := filepath.Join(dir, "vnc.sock")
	var stderr bytes.Buffer
	cmd := exec.Command(qemu, "-machine", "q35", "-accel", "tcg", "-m", "64",
		"-nodefaults", "-display", "none", "-device", "VGA",
		"-vnc", "unix:"+sock, "-S")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	// Wait for QEMU to accept on the socket: the file appears at bind,
	// a moment before QEMU listens.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("qemu exited: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no VNC socket after 20s\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	b := NewBroker(time.Minute)
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	tok, _ := b.Issue(Target{VMID: "qemu", Socket: sock})
	ws := dial(t, ctx, wsURL(srv)+"/?token="+tok)
	defer ws.CloseNow()
	// The websocket carries a byte stream, so the banner could in principle
	// be split across messages; collect until we have 12 bytes.
	var got []byte
	for len(got) < len(banner) {
		got = append(got, readBinary(t, ctx, ws)...)
	}
	if string(got) != banner {
		t.Fatalf("banner = %q, want %q", got, banner)
	}
	ws.Close(websocket.StatusNormalClosure, "")
}

// A Target with Dial reaches its VNC server through that function (as the
// control plane does through a host's agent), not through Socket; a Dial
// that fails is a 502 before any websocket exists.
func TestProxyDialFunc(t *testing.T) {
	sock, _ := fakeVNC(t)
	b := NewBroker(time.Minute)
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	dialled := make(chan struct{}, 1)
	tok, _ := b.Issue(Target{VMID: "vm-1", Socket: "/nonexistent/vnc.sock", Dial: func(ctx context.Context) (net.Conn, error) {
		dialled <- struct{}{}
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}})
	ws := dial(t, ctx, wsURL(srv)+"/console/"+tok)
	defer ws.CloseNow()
	if data := readBinary(t, ctx, ws); string(data) != banner {
		t.Fatalf("banner = %q, want %q", data, banner)
	}
	select {
	case <-dialled:
	default:
		t.Fatal("Target.Dial was not used")
	}

	bad, _ := b.Issue(Target{Dial: func(context.Context) (net.Conn, error) { return nil, io.ErrUnexpectedEOF }})
	resp, err := http.Get(srv.URL + "/console/" + bad)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("failing Dial: HTTP %d, want 502", resp.StatusCode)
	}
}

// Behind a listener with short timeouts a quiet console lives on (the
// deadlines are the session's own), and a session quiet for the
// broker's idle time is ended.
func TestConsoleOutlivesListenerTimeoutsAndEndsWhenIdle(t *testing.T) {
	sock, _ := fakeVNC(t)
	limits := httpguard.Limits{ReadHeader: 100 * time.Millisecond, Read: 200 * time.Millisecond, Write: 200 * time.Millisecond, PerSource: -1}
	session := func(idle time.Duration) (*Broker, *httptest.Server) {
		b := NewBroker(time.Minute)
		b.SetIdle(idle)
		srv := httptest.NewUnstartedServer(nil)
		srv.Config = httpguard.NewServer(b.Handler(), limits, nil)
		srv.Start()
		t.Cleanup(srv.Close)
		return b, srv
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	b, srv := session(0)
	tok, _ := b.Issue(Target{VMID: "vm-1", Socket: sock})
	ws := dial(t, ctx, wsURL(srv)+"/console/"+tok)
	defer ws.CloseNow()
	if data := readBinary(t, ctx, ws); string(data) != banner {
		t.Fatalf("banner = %q", data)
	}
	time.Sleep(700 * time.Millisecond) // over every listener timeout
	if err := ws.Write(ctx, websocket.MessageBinary, []byte("still-there")); err != nil {
		t.Fatal(err)
	}
	if data := readBinary(t, ctx, ws); string(data) != "still-there" {
		t.Fatalf("echo after a quiet spell = %q", data)
	}

	b, srv = session(300 * time.Millisecond)
	tok, _ = b.Issue(Target{VMID: "vm-1", Socket: sock})
	idle := dial(t, ctx, wsURL(srv)+"/console/"+tok)
	defer idle.CloseNow()
	readBinary(t, ctx, idle)
	start := time.Now()
	_, _, err := idle.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("an idle session ended with %v, want a normal closure", err)
	}
	if waited := time.Since(start); waited > 3*time.Second {
		t.Fatalf("an idle session was ended after %s", waited)
	}
}

// Revoke drops the VM's unused tokens and no other VM's.
func TestBrokerRevoke(t *testing.T) {
	b := NewBroker(0)
	a1, _ := b.Issue(Target{VMID: "a"})
	a2, _ := b.Issue(Target{VMID: "a"})
	other, _ := b.Issue(Target{VMID: "b"})
	if n := b.Revoke("a"); n != 2 {
		t.Fatalf("revoked %d tokens, want 2", n)
	}
	for _, tok := range []string{a1, a2} {
		if _, err := b.Redeem(tok); err != ErrUnknownToken {
			t.Fatalf("a revoked token redeemed: %v", err)
		}
	}
	if got, err := b.Redeem(other); err != nil || got.VMID != "b" {
		t.Fatalf("another VM's token: %+v %v", got, err)
	}
}

// A serial console client such as xterm.js sends keystrokes as text
// messages: their bytes reach the stream like binary ones, in order, and
// a message larger than the websocket library's default read limit is
// not refused.
func TestServeTakesTextAndBinaryMessages(t *testing.T) {
	sock, got := fakeVNC(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stream, err := net.Dial("unix", sock)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		Serve(w, r, stream, 0)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws := dial(t, ctx, wsURL(srv))
	defer ws.CloseNow()
	if data := readBinary(t, ctx, ws); string(data) != banner {
		t.Fatalf("banner = %q, want %q", data, banner)
	}
	big := bytes.Repeat([]byte("x"), 100<<10)
	sent := [][]byte{[]byte("echo hi\r"), []byte{0x1b, '[', 'A'}, big}
	for i, m := range sent {
		typ := websocket.MessageText
		if i == 1 {
			typ = websocket.MessageBinary
		}
		if err := ws.Write(ctx, typ, m); err != nil {
			t.Fatal(err)
		}
	}
	want := bytes.Join(sent, nil)
	var all []byte
	for len(all) < len(want) {
		select {
		case data := <-got:
			all = append(all, data...)
		case <-ctx.Done():
			t.Fatalf("stream got %d of %d bytes", len(all), len(want))
		}
	}
	if !bytes.Equal(all, want) {
		t.Fatalf("stream got %q..., want %q...", all[:min(len(all), 20)], want[:20])
	}
}
