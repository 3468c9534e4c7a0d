package agent

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/hypervisor/qemu"
	"github.com/kumo-cloud/kumo/internal/model"
)

// serveConsole tunnels the caller's connection to one of the VM's
// consoles: QEMU's VNC server or the guest's serial port, both unix
// sockets in the VM's directory, reachable only on this host, so the
// controller's console proxy comes through here (mutual TLS, controller
// certificates only, like every agent call). The request is an HTTP
// Upgrade; after the 101 the connection carries the console both ways.
func (a *Agent) serveConsole(kind model.ConsoleKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if !validID.MatchString(id) {
			hostlink.WriteError(w, model.FieldError("id", "%q is not a valid VM id", id))
			return
		}
		if !strings.EqualFold(r.Header.Get("Upgrade"), hostlink.ConsoleUpgrade) {
			hostlink.WriteError(w, model.Errorf(model.CodeInvalidArgument, "the console tunnel needs Upgrade: %s", hostlink.ConsoleUpgrade))
			return
		}
		unlock := a.lock(id)
		err := a.requireRunning(r.Context(), id, "open the console of")
		unlock()
		if err != nil {
			hostlink.WriteError(w, err)
			return
		}
		socks := qemu.Sockets(a.dir(id))
		path, what := socks.VNC, "VNC server"
		if kind == model.ConsoleSerial {
			path, what = socks.Serial, "serial console"
		}
		d := net.Dialer{Timeout: 5 * time.Second}
		stream, err := d.DialContext(r.Context(), "unix", path)
		if err != nil {
			if _, serr := os.Stat(path); kind == model.ConsoleSerial && errors.Is(serr, fs.ErrNotExist) {
				// Started by a Kumo whose serial port was only a log.
				hostlink.WriteError(w, model.Errorf(model.CodeConflict, "VM %s was started without a serial console: stop and start it to get one", id))
				return
			}
			hostlink.WriteError(w, &model.Error{Code: model.CodeUnavailable, Message: what + " of VM " + id + " does not answer", Err: err})
			return
		}
		defer stream.Close()
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			hostlink.WriteError(w, err)
			return
		}
		defer conn.Close()
		// The server's read and write timeouts would end a console session
		// that is quiet for a while.
		conn.SetDeadline(time.Time{})
		buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + hostlink.ConsoleUpgrade + "\r\n\r\n")
		if err := buf.Flush(); err != nil {
			return
		}
		done := make(chan struct{}, 2)
		go func() {
			// Bytes the client sent after its request may sit in buf.
			io.Copy(stream, buf)
			done <- struct{}{}
		}()
		go func() {
			io.Copy(conn, stream)
			done <- struct{}{}
		}()
		<-done
		conn.Close()
		stream.Close()
		<-done
	}
}
