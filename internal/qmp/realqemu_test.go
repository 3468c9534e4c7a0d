package qmp

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// requireQEMU skips without QEMU, except in CI where QEMU is required.
func requireQEMU(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("qemu-system-x86_64 is required in CI: %v", err)
		}
		t.Skip("qemu-system-x86_64 not on PATH")
	}
	return bin
}

// TestRealQEMU talks to a machine-less QEMU: handshake, commands, an
// error reply, events, and the connection ending when QEMU quits.
func TestRealQEMU(t *testing.T) {
	bin := requireQEMU(t)
	sock := filepath.Join(t.TempDir(), "qmp.sock")
	cmd := exec.Command(bin, "-machine", "none", "-accel", "tcg", "-nodefaults", "-display", "none",
		"-qmp", "unix:"+sock+",server=on,wait=off")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var m *Monitor
	for {
		var err error
		if m, err = Dial(ctx, sock); err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("QEMU never answered on %s: %v", sock, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	defer m.Close()
	if m.Greeting().Version.QEMU.Major < 5 {
		t.Fatalf("greeting = %+v", m.Greeting())
	}

	if st, err := m.QueryStatus(ctx); err != nil || !st.Running || st.Status != "running" {
		t.Fatalf("query-status = %+v, %v", st, err)
	}
	var qerr *Error
	if err := m.Execute(ctx, "no-such-command", nil, nil); !errors.As(err, &qerr) || qerr.Class != "CommandNotFound" {
		t.Fatalf("unknown command: %v", err)
	}
	if err := m.Execute(ctx, "stop", nil, nil); err != nil {
		t.Fatal(err)
	}
	if st, err := m.QueryStatus(ctx); err != nil || st.Status != "paused" {
		t.Fatalf("query-status after stop = %+v, %v", st, err)
	}
	select {
	case ev := <-m.Events():
		if ev.Name != "STOP" || time.Since(ev.Timestamp) > time.Minute {
			t.Fatalf("event after stop = %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no STOP event")
	}

	// quit: QEMU answers, emits SHUTDOWN, and hangs up as it exits.
	if err := m.Execute(ctx, "quit", nil, nil); err != nil && !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	select {
	case <-m.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("monitor not done after quit")
	}
	if err := m.Execute(ctx, "query-status", nil, nil); !errors.Is(err, ErrClosed) || !errors.Is(err, io.EOF) {
		t.Fatalf("call after QEMU exited: %v", err)
	}
	if err := <-exited; err != nil {
		t.Fatalf("QEMU exit after quit: %v", err)
	}
	exited <- nil // for the cleanup
}
