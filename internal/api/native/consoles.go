package native

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/api/httpstatus"
	"github.com/kumo-cloud/kumo/internal/console"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// A VM's console is a websocket at GET /v1/vms/{id}/console?type=vnc|serial.
// Clients that can send the Authorization header (kumo vm console, scripts)
// open it with their session; browsers cannot, so they first get a
// single-use ticket from POST /v1/vms/{id}/console (authorised like the
// websocket itself) and put it in the URL. The path from here to QEMU:
// openConsole -> service.DialConsole -> hostlink.AgentClient.DialConsole ->
// agent.serveConsole -> the VM's vnc.sock or serial.sock.

// createConsoleTicket answers POST /v1/vms/{id}/console.
func (s *Server) createConsoleTicket(r *http.Request) (any, error) {
	var req api.ConsoleTicketsPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	kind, err := model.ParseConsoleKind(req.Type)
	if err != nil {
		return nil, err
	}
	vm, err := s.svc.AuthorizeConsole(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	ticket, expires := s.consoles.Issue(console.Target{VMID: vm.ID, VMName: vm.Name, Kind: kind})
	q := url.Values{"type": {string(kind)}, "ticket": {ticket}}
	return api.ConsoleTicket{Type: string(kind), Ticket: ticket, ExpiresAt: expires.UTC().Truncate(time.Second),
		Path: "/v1/vms/" + url.PathEscape(vm.ID) + "/console?" + q.Encode()}, nil
}

// openConsole answers GET /v1/vms/{id}/console: the caller is authorised
// by its session (wrap) or by a ticket, the console is dialled, and only
// then is the request upgraded, so every refusal is a plain JSON error.
func (s *Server) openConsole(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		writeError(w, model.Errorf(model.CodeInvalidArgument, "the console is a websocket: send the request as a websocket upgrade"))
		return
	}
	q := r.URL.Query()
	kind, err := model.ParseConsoleKind(q.Get("type"))
	if err != nil {
		writeError(w, err)
		return
	}
	id := r.PathValue("id")
	var vmID string
	if ticket := q.Get("ticket"); ticket != "" {
		// Redeemed whatever follows: a ticket is good for one try.
		target, err := s.consoles.Redeem(ticket)
		if err != nil || target.Kind != kind || (id != target.VMID && id != target.VMName) {
			writeError(w, model.Errorf(model.CodeUnauthenticated, "the console ticket is unknown, used, expired or for another console"))
			return
		}
		vmID = target.VMID
	} else {
		vm, err := s.svc.AuthorizeConsole(ctx(r), id)
		if err != nil {
			writeError(w, err)
			return
		}
		vmID = vm.ID
	}
	stream, err := s.svc.DialConsole(ctx(r), vmID, kind)
	if err != nil {
		httpstatus.LogFailure(s.log, "console failed", err, "vm", vmID, "type", kind)
		writeError(w, err)
		return
	}
	console.Serve(w, r, stream, 0)
}
