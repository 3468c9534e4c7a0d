package qmp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fakeQEMU serves one QMP connection with handle answering each command.
func fakeQEMU(t *testing.T, handle func(w *json.Encoder, cmd map[string]any)) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "qmp.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		w := json.NewEncoder(conn)
		w.Encode(map[string]any{"QMP": map[string]any{"version": map[string]any{}, "capabilities": []string{}}})
		sc := bufio.NewScanner(conn)
		for sc.Scan() {
			var cmd map[string]any
			if json.Unmarshal(sc.Bytes(), &cmd) != nil {
				return
			}
			if cmd["execute"] == "qmp_capabilities" {
				w.Encode(map[string]any{"return": map[string]any{}, "id": cmd["id"]})
				continue
			}
			handle(w, cmd)
		}
	}()
	return sock
}

func TestExecute(t *testing.T) {
	ctx := context.Background()
	sock := fakeQEMU(t, func(w *json.Encoder, cmd map[string]any) {
		switch cmd["execute"] {
		case "query-status":
			// An event may arrive before the reply.
			w.Encode(map[string]any{"event": "RESUME", "timestamp": map[string]any{"seconds": 1, "microseconds": 2}})
			w.Encode(map[string]any{"return": map[string]any{"running": true, "status": "running"}, "id": cmd["id"]})
		case "bad":
			w.Encode(map[string]any{"error": map[string]any{"class": "CommandNotFound", "desc": "The command bad has not been found"}, "id": cmd["id"]})
		case "hang":
		}
	})
	m, err := Dial(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	st, err := m.QueryStatus(ctx)
	if err != nil || !st.Running || st.Status != "running" {
		t.Fatalf("QueryStatus = %+v, %v", st, err)
	}
	select {
	case ev := <-m.Events():
		if ev.Name != "RESUME" || ev.Timestamp.Unix() != 1 {
			t.Fatalf("event = %+v", ev)
		}
	case <-time.After(time.Second):
		t.Fatal("no event delivered")
	}

	var qerr *Error
	if err := m.Execute(ctx, "bad", nil, nil); !errors.As(err, &qerr) || qerr.Class != "CommandNotFound" {
		t.Fatalf("error reply: %v", err)
	}

	// Concurrent calls get their own replies.
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if st, err := m.QueryStatus(ctx); err != nil || st.Status != "running" {
				t.Errorf("concurrent QueryStatus = %+v, %v", st, err)
			}
		}()
	}
	wg.Wait()

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := m.Execute(short, "hang", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("unanswered command: %v", err)
	}
}

func TestPeerClose(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "qmp.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, _ := ln.Accept()
		w := json.NewEncoder(conn)
		w.Encode(map[string]any{"QMP": map[string]any{}})
		sc := bufio.NewScanner(conn)
		sc.Scan()
		var cmd map[string]any
		json.Unmarshal(sc.Bytes(), &cmd)
		w.Encode(map[string]any{"return": map[string]any{}, "id": cmd["id"]})
		sc.Scan() // the next command: hang up instead of answering
		conn.Close()
	}()
	m, err := Dial(context.Background(), sock)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Execute(context.Background(), "query-status", nil, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("call when QEMU hangs up: %v", err)
	}
	select {
	case <-m.Done():
	case <-time.After(time.Second):
		t.Fatal("Done not closed")
	}
	if err := m.Execute(context.Background(), "query-status", nil, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("call after close: %v", err)
	}
}

// TestRealQEMU talks to a real QEMU process.
func TestRealQEMU(t *testing.T) {
	bin, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("qemu-system-x86_64 is required in CI")
		}
		t.Skip("qemu-system-x86_64 not installed")
	}
	sock := filepath.Join(t.TempDir(), "qmp.sock")
	cmd := exec.Command(bin, "-machine", "none", "-accel", "tcg", "-display", "none", "-nodefaults", "-S",
		"-qmp", "unix:"+sock+",server=on,wait=off")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var m *Monitor
	for m == nil {
		if m, err = Dial(ctx, sock); err != nil {
			if ctx.Err() != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	st, err := m.QueryStatus(ctx)
	if err != nil || st.Running || st.Status != "prelaunch" {
		t.Fatalf("QueryStatus of a -S QEMU = %+v, %v", st, err)
	}
	var version struct {
		QEMU struct{ Major int } `json:"qemu"`
	}
	if err := m.Execute(ctx, "query-version", nil, &version); err != nil || version.QEMU.Major < 5 {
		t.Fatalf("query-version = %+v, %v", version, err)
	}
	if err := m.Execute(ctx, "quit", nil, nil); err != nil && !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	select {
	case <-m.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("monitor not closed after quit")
	}
}

func FuzzDecodeMessage(f *testing.F) {
	for _, seed := range []string{
		`{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": []}}`,
		`{"return": {}, "id": 1}`,
		`{"error": {"class": "GenericError", "desc": "x"}, "id": 2}`,
		`{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 2}}`,
		`{"id": -1}`, `[]`, `{`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMessage(b)
		if err == nil && m.Error != nil && m.Error.Error() == "" {
			t.Fatal("error message without text")
		}
	})
}
