package agent

import (
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/hypervisor/qemu"
	"github.com/kumo-cloud/kumo/internal/model"
)

// serveVNC tunnels the caller's connection to the VM's VNC server: QEMU
// listens on a unix socket in the VM's directory, reachable only on this
// host, so the controller's console proxy comes through here (mutual TLS,
// controller certificates only, like every agent call). The request is an
// HTTP Upgrade; after the 101 the connection carries VNC both ways.
func (a *Agent) serveVNC(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validID.MatchString(id) {
		hostlink.WriteError(w, model.FieldError("id", "%q is not a valid VM id", id))
		return
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), hostlink.VNCUpgrade) {
		hostlink.WriteError(w, model.Errorf(model.CodeInvalidArgument, "the VNC tunnel needs Upgrade: %s", hostlink.VNCUpgrade))
		return
	}
	unlock := a.lock(id)
	err := a.requireRunning(r.Context(), id, "open the console of")
	unlock()
	if err != nil {
		hostlink.WriteError(w, err)
		return
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	vnc, err := d.DialContext(r.Context(), "unix", qemu.Sockets(a.dir(id)).VNC)
	if err != nil {
		hostlink.WriteError(w, &model.Error{Code: model.CodeUnavailable, Message: "VNC server of VM " + id + " does not answer", Err: err})
		return
	}
	defer vnc.Close()
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		hostlink.WriteError(w, err)
		return
	}
	defer conn.Close()
	// The server's read and write timeouts would end a console session
	// that is quiet for a while.
	conn.SetDeadline(time.Time{})
	buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + hostlink.VNCUpgrade + "\r\n\r\n")
	if err := buf.Flush(); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() {
		// Bytes the client sent after its request may sit in buf.
		io.Copy(vnc, buf)
		done <- struct{}{}
	}()
	go func() {
		io.Copy(conn, vnc)
		done <- struct{}{}
	}()
	<-done
	conn.Close()
	vnc.Close()
	<-done
}
