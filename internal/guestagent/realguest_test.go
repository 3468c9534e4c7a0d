package guestagent

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestRealGuest boots the test guest (scripts/build-test-guest.sh) and
// talks to its qemu-ga.
func TestRealGuest(t *testing.T) {
	guest, err := filepath.Abs("../../build/guest")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(guest, "vmlinuz")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the test guest is required in CI: run scripts/build-test-guest.sh (%v)", err)
		}
		t.Skip("no test guest: run scripts/build-test-guest.sh")
	}
	dir := t.TempDir()
	sock, serial := filepath.Join(dir, "qga.sock"), filepath.Join(dir, "serial.log")
	var stderr bytes.Buffer
	cmd := exec.Command("qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-m", "128",
		"-nodefaults", "-display", "none",
		"-kernel", filepath.Join(guest, "vmlinuz"), "-initrd", filepath.Join(guest, "initrd.img"),
		"-append", "console=ttyS0 quiet",
		"-chardev", "file,id=s0,path="+serial, "-serial", "chardev:s0",
		"-device", "virtio-serial-pci,id=vser0",
		"-chardev", "socket,id=qga0,path="+sock+",server=on,wait=off",
		"-device", "virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			log, _ := os.ReadFile(serial)
			t.Logf("QEMU stderr:\n%s\nserial.log:\n%s", stderr.Bytes(), log)
		}
	})

	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	// poll waits for cond, failing early if QEMU exits.
	poll := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			select {
			case <-exited:
				t.Fatalf("QEMU exited while waiting for %s", what)
			case <-ctx.Done():
				t.Fatalf("timed out waiting for %s", what)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	waitFor := func(marker string) {
		t.Helper()
		poll(marker, func() bool {
			b, _ := os.ReadFile(serial)
			return bytes.Contains(b, []byte(marker))
		})
	}

	// Dial as soon as the socket exists, while the guest is still booting:
	// synchronisation has to wait for the agent.
	poll("the agent socket", func() bool { _, err := os.Stat(sock); return err == nil })
	dialed := make(chan error, 1)
	var c *Client
	go func() {
		var err error
		c, err = Dial(ctx, sock)
		dialed <- err
	}()
	waitFor("KUMO-GUEST-AGENT started")
	if err := <-dialed; err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil || info.Version == "" {
		t.Fatalf("Info = %+v, %v", info, err)
	}
	if err := c.SetUserPassword(ctx, "root", "n3w-pass", false); err != nil {
		t.Fatal(err)
	}
	waitFor("KUMO-GUEST-PASSWORD-SET root")
	if s, err := c.FSFreezeStatus(ctx); err != nil || s != "thawed" {
		t.Fatalf("FSFreezeStatus = %q, %v", s, err)
	}
	err = c.SetUserPassword(ctx, "nosuchuser", "x", false)
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("SetUserPassword for an unknown user = %v, want *Error", err)
	}
	t.Logf("qemu-ga %s; unknown user: %v", info.Version, err)
}
