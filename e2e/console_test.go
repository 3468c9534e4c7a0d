package e2e

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/pkg/api"
	"github.com/kumo-cloud/kumo/pkg/client"
)

// TestConsoles opens a running guest's consoles through /v1: a command
// typed into the serial console runs in the guest and its answer comes
// back; the VNC console speaks RFB after a browser-style ticket; and
// nobody gets in without a session or a ticket, nor twice with a ticket.
func TestConsoles(t *testing.T) {
	guestDir(t)
	k := startKumo(t)
	k.uploadGuest("guest")
	vm := k.createVM(api.VMsPost{Name: "con1", Image: "guest", MemoryMiB: 256, Start: true})
	k.waitSerial(vm, "KUMO-GUEST-READY", 1)

	t.Run("serial: a typed command runs in the guest", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		conn, err := k.c.Console(ctx, vm.Name, "serial")
		if err != nil {
			t.Fatalf("open serial console: %v", err)
		}
		defer conn.Close()
		// The echo of the line holds "$((6*7))", never "42": only the
		// shell's answer does.
		if _, err := io.WriteString(conn, "\recho KUMO-ANSWER-$((6*7))-END\r"); err != nil {
			t.Fatal(err)
		}
		got := readUntil(t, conn, "KUMO-ANSWER-42-END")
		if !strings.Contains(got, "KUMO-ANSWER-$((6*7))-END") {
			t.Errorf("the typed line was not echoed: %q", lastBytes(got, 300))
		}
		// Output goes on to the serial log while a client is attached.
		k.waitSerial(vm, "KUMO-ANSWER-42-END", 1)
	})

	t.Run("vnc: a ticket opens RFB once, without the session", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		ticket, err := k.c.ConsoleTicket(ctx, vm.Name, "vnc")
		if err != nil {
			t.Fatalf("ticket: %v", err)
		}
		if ticket.Type != "vnc" || ticket.Ticket == "" || !strings.Contains(ticket.Path, vm.ID) || time.Until(ticket.ExpiresAt) <= 0 {
			t.Fatalf("ticket = %+v", ticket)
		}
		anon := client.New(k.c.BaseURL, "")
		conn, err := anon.ConsoleWithTicket(ctx, ticket)
		if err != nil {
			t.Fatalf("open VNC with ticket: %v", err)
		}
		banner := make([]byte, 12)
		if _, err := io.ReadFull(conn, banner); err != nil || !bytes.HasPrefix(banner, []byte("RFB 003.")) {
			t.Fatalf("VNC banner = %q, %v", banner, err)
		}
		conn.Close()
		_, err = anon.ConsoleWithTicket(ctx, ticket)
		wantAPIError(t, "second use of a ticket", err, http.StatusUnauthorized)
	})

	t.Run("refusals", func(t *testing.T) {
		ctx := ctxT(t)
		anon := client.New(k.c.BaseURL, "")
		_, err := anon.Console(ctx, vm.Name, "serial")
		wantAPIError(t, "no session", err, http.StatusUnauthorized)
		_, err = k.c.Console(ctx, vm.Name, "spice")
		wantAPIError(t, "unknown type", err, http.StatusBadRequest)
		_, err = k.c.Console(ctx, "no-such-vm", "serial")
		wantAPIError(t, "unknown VM", err, http.StatusNotFound)
		_, err = k.c.ConsoleTicket(ctx, vm.Name, "spice")
		wantAPIError(t, "ticket of unknown type", err, http.StatusBadRequest)
		// A plain GET is not a websocket.
		if resp := k.getV1("/v1/vms/" + vm.ID + "/console?type=serial"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain GET of the console: HTTP %d, want 400", resp.StatusCode)
		}
		// A ticket for the VNC console does not open the serial one.
		ticket, err := k.c.ConsoleTicket(ctx, vm.ID, "vnc")
		if err != nil {
			t.Fatal(err)
		}
		ticket.Path = strings.Replace(ticket.Path, "type=vnc", "type=serial", 1)
		_, err = anon.ConsoleWithTicket(ctx, ticket)
		wantAPIError(t, "VNC ticket used for serial", err, http.StatusUnauthorized)

		// A stopped VM has no console.
		k.mustTask(k.action(vm, "poweroff"))
		k.waitStatus(vm, "stopped")
		_, err = k.c.Console(ctx, vm.Name, "serial")
		wantAPIError(t, "stopped VM", err, http.StatusConflict)
		_, err = k.c.ConsoleTicket(ctx, vm.Name, "vnc")
		wantAPIError(t, "ticket for a stopped VM", err, http.StatusConflict)
	})
}

// readUntil reads r until want has been seen, and returns all it read.
func readUntil(t *testing.T, r io.Reader, want string) string {
	t.Helper()
	var got []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(got, []byte(want)) {
		n, err := r.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			t.Fatalf("console ended before %q (%v); last: %q", want, err, lastBytes(string(got), 300))
		}
	}
	return string(got)
}

func lastBytes(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func wantAPIError(t *testing.T, what string, err error, status int) {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Errorf("%s: error %v, want HTTP %d", what, err, status)
		return
	}
	if e.Status != status {
		t.Errorf("%s: HTTP %d (%s), want %d", what, e.Status, e.Message, status)
	}
	if strings.Contains(e.Message, "/") && strings.Contains(e.Message, ".sock") {
		t.Errorf("%s: message shows a host path: %s", what, e.Message)
	}
}
