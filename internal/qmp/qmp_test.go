package qmp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// peer is the fake QEMU end of a connection.
type peer struct {
	t    *testing.T
	conn net.Conn
	in   *bufio.Scanner
}

const greeting = `{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian"}, "capabilities": ["oob"]}}`

// send writes raw lines the way QEMU does, ending them with "\r\n".
func (p *peer) send(lines ...string) {
	for _, l := range lines {
		if _, err := io.WriteString(p.conn, l+"\r\n"); err != nil {
			p.t.Errorf("fake QEMU: write: %v", err)
		}
	}
}

// recv reads one command; ok is false once the client has gone.
func (p *peer) recv() (cmd struct {
	Execute   string          `json:"execute"`
	Arguments json.RawMessage `json:"arguments"`
	ID        json.RawMessage `json:"id"`
}, ok bool) {
	if !p.in.Scan() {
		return cmd, false
	}
	if err := json.Unmarshal(p.in.Bytes(), &cmd); err != nil {
		p.t.Errorf("fake QEMU: malformed command %q: %v", p.in.Bytes(), err)
		return cmd, false
	}
	return cmd, true
}

// handshake greets and accepts qmp_capabilities.
func (p *peer) handshake() bool {
	p.send(greeting)
	cmd, ok := p.recv()
	if !ok || cmd.Execute != "qmp_capabilities" {
		p.t.Errorf("fake QEMU: expected qmp_capabilities, got %+v", cmd)
		return false
	}
	p.send(fmt.Sprintf(`{"return": {}, "id": %s}`, cmd.ID))
	return true
}

// socketpair returns the two ends of a connected unix stream socket.
func socketpair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]net.Conn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), fmt.Sprintf("socketpair-%d", i))
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns[i] = c
	}
	return conns[0], conns[1]
}

// startFake runs serve as the QEMU side of a socketpair and returns the
// client end. The test waits for serve to return.
func startFake(t *testing.T, serve func(p *peer)) net.Conn {
	client, server := socketpair(t)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer server.Close()
		serve(&peer{t: t, conn: server, in: bufio.NewScanner(server)})
	})
	t.Cleanup(wg.Wait)
	return client
}

func dialFake(t *testing.T, serve func(p *peer)) *Monitor {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	m, err := NewMonitor(ctx, startFake(t, serve))
	if err != nil {
		t.Fatalf("handshake with fake QEMU: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// serveUntilClosed answers commands with reply until the client leaves.
func serveUntilClosed(reply func(p *peer, execute, id string, args json.RawMessage)) func(p *peer) {
	return func(p *peer) {
		if !p.handshake() {
			return
		}
		for {
			cmd, ok := p.recv()
			if !ok {
				return
			}
			reply(p, cmd.Execute, string(cmd.ID), cmd.Arguments)
		}
	}
}

func TestHandshake(t *testing.T) {
	for _, tc := range []struct {
		name    string
		serve   func(p *peer)
		wantErr string // "" for success
	}{
		{"greeting and capabilities", func(p *peer) { p.handshake(); p.recv() }, ""},
		{"not a greeting", func(p *peer) { p.send(`{"return": {}}`) }, "did not greet"},
		{"garbage", func(p *peer) { p.send(`SSH-2.0-OpenSSH`) }, "malformed message"},
		{"hang up before greeting", func(p *peer) {}, "EOF"},
		{"capabilities refused", func(p *peer) {
			p.send(greeting)
			cmd, _ := p.recv()
			p.send(fmt.Sprintf(`{"error": {"class": "GenericError", "desc": "no"}, "id": %s}`, cmd.ID))
		}, "qmp qmp_capabilities: GenericError: no"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			m, err := NewMonitor(ctx, startFake(t, tc.serve))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				defer m.Close()
				if v := m.Greeting().Version; v.QEMU.Major != 7 || v.QEMU.Minor != 2 || v.Package != "Debian" {
					t.Fatalf("greeting version = %+v", v)
				}
				return
			}
			if err == nil {
				m.Close()
				t.Fatalf("handshake succeeded, want error containing %q", tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("handshake error %q does not contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestGreetingHonoursContext(t *testing.T) {
	// A second client of a real QEMU waits like this: accepted, no greeting.
	release := make(chan struct{})
	conn := startFake(t, func(p *peer) { <-release })
	defer close(release)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := NewMonitor(ctx, conn)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("silent peer: %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("gave up after %v", d)
	}
}

func TestExecute(t *testing.T) {
	type runState struct {
		Status string `json:"status"`
	}
	for _, tc := range []struct {
		name  string
		reply func(p *peer, execute, id string, args json.RawMessage)
		check func(t *testing.T, m *Monitor)
	}{{
		name: "success decodes return",
		reply: func(p *peer, _, id string, _ json.RawMessage) {
			p.send(`{"return": {"running": true, "singlestep": false, "status": "running"}, "id": ` + id + `}`)
		},
		check: func(t *testing.T, m *Monitor) {
			st, err := m.QueryStatus(t.Context())
			if err != nil || !st.Running || st.Status != "running" {
				t.Fatalf("QueryStatus = %+v, %v", st, err)
			}
			if err := m.Execute(t.Context(), "query-status", nil, nil); err != nil {
				t.Fatalf("nil result: %v", err)
			}
		},
	}, {
		name: "arguments are sent",
		reply: func(p *peer, _, id string, args json.RawMessage) {
			p.send(`{"return": ` + string(args) + `, "id": ` + id + `}`)
		},
		check: func(t *testing.T, m *Monitor) {
			var got map[string]string
			if err := m.Execute(t.Context(), "echo", map[string]string{"device": "cd0"}, &got); err != nil || got["device"] != "cd0" {
				t.Fatalf("echo = %v, %v", got, err)
			}
		},
	}, {
		name: "error reply is *Error",
		reply: func(p *peer, execute, id string, _ json.RawMessage) {
			p.send(`{"error": {"class": "CommandNotFound", "desc": "The command ` + execute + ` has not been found"}, "id": ` + id + `}`)
		},
		check: func(t *testing.T, m *Monitor) {
			err := m.Execute(t.Context(), "bogus", nil, nil)
			var qerr *Error
			if !errors.As(err, &qerr) || qerr.Class != "CommandNotFound" || qerr.Command != "bogus" {
				t.Fatalf("error reply: %#v", err)
			}
			if want := "qmp bogus: CommandNotFound: The command bogus has not been found"; err.Error() != want {
				t.Fatalf("error text %q, want %q", err, want)
			}
		},
	}, {
		name: "event interleaved before the reply",
		reply: func(p *peer, _, id string, _ json.RawMessage) {
			p.send(`{"timestamp": {"seconds": 1700000000, "microseconds": 250000}, "event": "STOP"}`,
				`{"event": "BLOCK_IO_ERROR", "data": {"device": "disk0"}, "timestamp": {"seconds": 1700000001, "microseconds": 0}}`,
				`{"return": {"status": "paused"}, "id": `+id+`}`)
		},
		check: func(t *testing.T, m *Monitor) {
			var st runState
			if err := m.Execute(t.Context(), "stop", nil, &st); err != nil || st.Status != "paused" {
				t.Fatalf("stop = %+v, %v", st, err)
			}
			ev := <-m.Events()
			if ev.Name != "STOP" || !ev.Timestamp.Equal(time.Unix(1700000000, 250000000)) || ev.Data != nil {
				t.Fatalf("first event = %+v", ev)
			}
			ev = <-m.Events()
			if ev.Name != "BLOCK_IO_ERROR" || string(ev.Data) != `{"device": "disk0"}` {
				t.Fatalf("second event = %+v (data %s)", ev, ev.Data)
			}
		},
	}, {
		name: "reply without our id is ignored",
		reply: func(p *peer, _, id string, _ json.RawMessage) {
			p.send(`{"error": {"class": "GenericError", "desc": "JSON parse error"}}`,
				`{"return": {}, "id": "someone-else"}`,
				`{"return": {"status": "running"}, "id": `+id+`}`)
		},
		check: func(t *testing.T, m *Monitor) {
			var st runState
			if err := m.Execute(t.Context(), "query-status", nil, &st); err != nil || st.Status != "running" {
				t.Fatalf("query-status = %+v, %v", st, err)
			}
		},
	}, {
		name: "result of the wrong shape",
		reply: func(p *peer, _, id string, _ json.RawMessage) {
			p.send(`{"return": [1, 2], "id": ` + id + `}`)
		},
		check: func(t *testing.T, m *Monitor) {
			var st runState
			if err := m.Execute(t.Context(), "query-status", nil, &st); err == nil || !strings.Contains(err.Error(), "decode reply") {
				t.Fatalf("mismatched result: %v", err)
			}
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, dialFake(t, serveUntilClosed(tc.reply)))
		})
	}
}

// TestConcurrentCalls answers a batch of calls in reverse order: each
// caller must still get its own reply.
func TestConcurrentCalls(t *testing.T) {
	const n = 32
	m := dialFake(t, func(p *peer) {
		if !p.handshake() {
			return
		}
		type call struct{ id, args string }
		var batch []call
		for len(batch) < n {
			cmd, ok := p.recv()
			if !ok {
				return
			}
			batch = append(batch, call{string(cmd.ID), string(cmd.Arguments)})
		}
		for i := len(batch) - 1; i >= 0; i-- {
			p.send(`{"return": ` + batch[i].args + `, "id": ` + batch[i].id + `}`)
		}
		p.recv() // until the client closes
	})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var got struct{ N int }
			if err := m.Execute(t.Context(), "echo", map[string]int{"n": i}, &got); err != nil || got.N != i {
				t.Errorf("call %d got %d, %v", i, got.N, err)
			}
		})
	}
	wg.Wait()
}

func TestContextEndsCall(t *testing.T) {
	answer := make(chan struct{})
	m := dialFake(t, serveUntilClosed(func(p *peer, execute, id string, _ json.RawMessage) {
		if execute == "hang" {
			<-answer // answer late, after the caller gave up
		}
		p.send(`{"return": {"late": ` + fmt.Sprint(execute == "hang") + `}, "id": ` + id + `}`)
	}))

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	if err := m.Execute(ctx, "hang", nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
	close(answer)
	// The late reply must not be taken for the next call's.
	var got struct{ Late bool }
	if err := m.Execute(t.Context(), "next", nil, &got); err != nil || got.Late {
		t.Fatalf("call after a cancelled one: %+v, %v", got, err)
	}

	expired, cancel2 := context.WithTimeout(t.Context(), -time.Second)
	defer cancel2()
	if err := m.Execute(expired, "next", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call with an expired context: %v", err)
	}
}

func TestPeerClose(t *testing.T) {
	m := dialFake(t, func(p *peer) {
		if !p.handshake() {
			return
		}
		p.send(`{"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}, "timestamp": {"seconds": 1, "microseconds": 0}}`)
		p.recv() // hang up instead of answering, as an exiting QEMU does
	})
	err := m.Execute(t.Context(), "quit", nil, nil)
	if !errors.Is(err, ErrClosed) || !errors.Is(err, io.EOF) {
		t.Fatalf("pending call when QEMU hangs up: %v", err)
	}
	select {
	case <-m.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done not closed after the peer hung up")
	}
	if err := m.Execute(t.Context(), "query-status", nil, nil); !errors.Is(err, ErrClosed) || !errors.Is(err, io.EOF) {
		t.Fatalf("call after the peer hung up: %v", err)
	}
	// Events sent before the hang-up are still there, then the channel ends.
	var names []string
	for ev := range m.Events() {
		names = append(names, ev.Name)
	}
	if len(names) != 1 || names[0] != "SHUTDOWN" {
		t.Fatalf("events = %v", names)
	}
}

func TestLocalClose(t *testing.T) {
	m := dialFake(t, serveUntilClosed(func(*peer, string, string, json.RawMessage) {}))
	errc := make(chan error, 1)
	go func() { errc <- m.Execute(t.Context(), "hang", nil, nil) }()
	time.Sleep(20 * time.Millisecond)
	m.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("pending call at Close: %v", err)
	}
	if err := m.Execute(t.Context(), "query-status", nil, nil); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("call after Close: %v", err)
	}
	if _, open := <-m.Events(); open {
		t.Fatal("events channel open after Close")
	}
	m.Close() // twice is fine
}

func TestMalformedMessageEndsConnection(t *testing.T) {
	m := dialFake(t, serveUntilClosed(func(p *peer, _, _ string, _ json.RawMessage) {
		p.send(`{"return": {}, "id": 2`) // cut short, then more output
	}))
	err := m.Execute(t.Context(), "query-status", nil, nil)
	if !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "malformed message") {
		t.Fatalf("call answered with garbage: %v", err)
	}
}

func TestEventsDropOldest(t *testing.T) {
	const sent = EventBuffer + 10
	m := dialFake(t, serveUntilClosed(func(p *peer, _, id string, _ json.RawMessage) {
		for i := range sent {
			p.send(fmt.Sprintf(`{"event": "TICK", "data": {"n": %d}, "timestamp": {"seconds": 1, "microseconds": 0}}`, i))
		}
		p.send(`{"return": {}, "id": ` + id + `}`)
	}))
	// Nobody reads events while the reply comes: it must not be held up.
	if err := m.Execute(t.Context(), "go", nil, nil); err != nil {
		t.Fatal(err)
	}
	if d := m.DroppedEvents(); d != sent-EventBuffer {
		t.Fatalf("dropped %d events, want %d", d, sent-EventBuffer)
	}
	var first struct{ N int }
	json.Unmarshal((<-m.Events()).Data, &first)
	if first.N != sent-EventBuffer {
		t.Fatalf("oldest kept event is %d, want %d", first.N, sent-EventBuffer)
	}
}

func TestDialUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "qmp.sock")
	if _, err := Dial(t.Context(), sock); err == nil || !strings.Contains(err.Error(), sock) {
		t.Fatalf("dial of a missing socket: %v", err)
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		serveUntilClosed(func(p *peer, _, id string, _ json.RawMessage) {
			p.send(`{"return": {"status": "running", "running": true}, "id": ` + id + `}`)
		})(&peer{t: t, conn: conn, in: bufio.NewScanner(conn)})
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	m, err := Dial(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := m.QueryStatus(ctx); err != nil || st.Status != "running" {
		t.Fatalf("QueryStatus = %+v, %v", st, err)
	}
	m.Close()
	<-done
}
