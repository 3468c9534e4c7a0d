package httpguard

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// serve runs handler behind NewServer and LimitPerSource on a loopback
// listener and returns its address.
func serve(t *testing.T, l Limits, handler http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(handler, l, nil)
	go srv.Serve(LimitPerSource(ln, l.WithDefaults().PerSource, nil))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(ents)
}

// readsClosed reports whether the server ends the connection (an answer
// then EOF, or a reset) before the deadline.
func readsClosed(c net.Conn, within time.Duration) error {
	c.SetReadDeadline(time.Now().Add(within))
	_, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return fmt.Errorf("still open after %s", within)
	}
	return nil
}

func TestBodyNeverSentIsClosed(t *testing.T) {
	addr := serve(t, Limits{ReadHeader: 200 * time.Millisecond, Read: 300 * time.Millisecond, PerSource: -1},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := io.ReadAll(r.Body); err != nil {
				http.Error(w, "body too slow", http.StatusRequestTimeout)
			}
		}))
	before := openFDs(t)
	const n = 100
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
	}
	for i, c := range conns {
		if err := readsClosed(c, 3*time.Second); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
	}
	// The server's ends are gone: only the test's own remain.
	if got := openFDs(t); got > before+n+5 {
		t.Fatalf("%d descriptors open, %d before %d connections: the server kept its ends", got, before, n)
	}
}

func TestConnectionsOverThePerSourceCapAreClosed(t *testing.T) {
	release := make(chan struct{})
	addr := serve(t, Limits{PerSource: 4}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := 0; i < 4; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	time.Sleep(100 * time.Millisecond) // the server accepts the four
	for i := 0; i < 10; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			continue // refused outright is fine too
		}
		if err := readsClosed(c, time.Second); err != nil {
			t.Fatalf("connection %d over the cap: %v", i, err)
		}
		c.Close()
	}
	// A place given back is free again.
	held[0].Close()
	held = held[1:]
	close(release)
	time.Sleep(100 * time.Millisecond)
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("a connection within the cap again: %v", err)
	}
	resp.Body.Close()
}

// slowReader yields chunk bytes every gap.
type slowReader struct {
	left, chunk int
	gap         time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	time.Sleep(s.gap)
	n := min(len(p), s.chunk, s.left)
	for i := range p[:n] {
		p[i] = 'k'
	}
	s.left -= n
	return n, nil
}

func TestStreamingBodyOutlivesTheReadTimeout(t *testing.T) {
	l := Limits{ReadHeader: 200 * time.Millisecond, Read: 300 * time.Millisecond, Write: 300 * time.Millisecond, PerSource: -1}
	handler := func(stream bool) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if stream {
				Stream(r.Context())
			}
			n, err := io.Copy(io.Discard, r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusRequestTimeout)
				return
			}
			fmt.Fprintf(w, "%d", n)
		})
	}
	upload := func(addr string) (string, error) {
		// 12 chunks 100 ms apart: 1.2 s, four read timeouts.
		req, _ := http.NewRequest("PUT", "http://"+addr+"/", &slowReader{left: 12 * 1024, chunk: 1024, gap: 100 * time.Millisecond})
		req.ContentLength = 12 * 1024
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Status + " " + string(b), nil
	}
	if got, err := upload(serve(t, l, handler(true))); err != nil || got != "200 OK 12288" {
		t.Fatalf("streamed upload: %q, %v", got, err)
	}
	// Without Stream the same upload is cut off: the timeout is real.
	if got, err := upload(serve(t, l, handler(false))); err == nil && strings.HasPrefix(got, "200") {
		t.Fatalf("an upload longer than the read timeout went through without streaming: %q", got)
	}
}

func TestLongHandlerKeepsItsContext(t *testing.T) {
	l := Limits{ReadHeader: 100 * time.Millisecond, Read: 200 * time.Millisecond, Write: 200 * time.Millisecond, PerSource: -1}
	addr := serve(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		// A wait of 4 read timeouts (like /v1/tasks/{id}/wait).
		ExtendWrite(r.Context(), time.Second)
		select {
		case <-time.After(800 * time.Millisecond):
			fmt.Fprint(w, "waited")
		case <-r.Context().Done():
			t.Errorf("the handler's context ended after the read timeout: %v", r.Context().Err())
		}
	}))
	for _, body := range []io.Reader{nil, strings.NewReader(`{"a":1}`)} {
		req, _ := http.NewRequest("POST", "http://"+addr+"/", body)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "waited" {
			t.Fatalf("reply %q", b)
		}
	}
}

func TestStreamWriterOutlivesTheWriteTimeout(t *testing.T) {
	l := Limits{ReadHeader: 100 * time.Millisecond, Read: 200 * time.Millisecond, Write: 300 * time.Millisecond, PerSource: -1}
	addr := serve(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := StreamWriter(r.Context(), w)
		for i := 0; i < 10; i++ {
			out.Write(bytes.Repeat([]byte("x"), 1000))
			http.NewResponseController(out).Flush()
			time.Sleep(100 * time.Millisecond)
		}
	}))
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != 10000 {
		t.Fatalf("downloaded %d bytes over three write timeouts: %v", n, err)
	}
}

// net/http clears a hijacked connection's deadlines: an upgraded stream
// (consoles, the agent's VNC tunnel) is not cut by the listener's.
func TestUpgradedStreamOutlivesTheTimeouts(t *testing.T) {
	l := Limits{ReadHeader: 100 * time.Millisecond, Read: 200 * time.Millisecond, Write: 200 * time.Millisecond, PerSource: -1}
	addr := serve(t, l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		buf.Flush()
		io.Copy(c, buf) // echo until the client closes
	}))
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	// Quiet for longer than every timeout, then still echoing.
	time.Sleep(600 * time.Millisecond)
	conn.Write([]byte("ping"))
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	got := make([]byte, 4)
	if _, err := io.ReadFull(r, got); err != nil || string(got) != "ping" {
		t.Fatalf("the upgraded stream after a quiet spell: %q, %v", got, err)
	}
}
