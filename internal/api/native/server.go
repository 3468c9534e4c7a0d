// Package native serves Kumo's own REST API under /v1, used by the CLI and
// the web UI. Every route is declared once in a table (routes) with its
// request and response types; the same table drives the router and the
// OpenAPI document at /v1/openapi.json, so the two cannot drift apart.
//
// A VM's start path: PUT /v1/vms/{id}/state (vms.go, putVMState) ->
// service.ChangeVMState -> task vm.start (service/vm_tasks.go, startVM) ->
// hostlink.AgentClient.StartVM -> agent.start (agent/vms.go) ->
// qemu.Driver.Start -> qmp.Monitor.Execute("query-status").
package native

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/kumo-cloud/kumo/internal/api/httpstatus"
	"github.com/kumo-cloud/kumo/internal/api/jsonbody"
	"github.com/kumo-cloud/kumo/internal/console"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// Server is the native API.
type Server struct {
	svc     *service.Service
	log     *slog.Logger
	mux     *http.ServeMux
	openapi []byte
	// consoles holds console tickets (POST /v1/vms/{id}/console).
	consoles *console.Broker
	// events fans finished tasks out to GET /v1/events.
	events eventHub
}

// route declares one endpoint.
type route struct {
	method, path string
	// op is the OpenAPI operationId: the handler's name, unique.
	op      string
	summary string
	public  bool // no session needed
	// perm is the permission the caller must hold; every route but the
	// public ones names one (model.PermSession: any caller, the service
	// decides per object).
	perm   model.Permission
	params any // path and query parameters (for the OpenAPI document)
	body   any // request body type, nil for none
	reply  any // response type, nil for none
	status int // success status
	// upload routes take a file as the body, bounded by the service's
	// upload limit instead of jsonbody.Limit.
	upload bool
	handle func(r *http.Request) (any, error)
	// stream, instead of handle, takes the connection over (a
	// websocket); it writes its own errors.
	stream func(w http.ResponseWriter, r *http.Request)
	// ticket routes may be authorised by a ?ticket= that the stream
	// redeems, instead of a session (browsers cannot send headers on a
	// websocket).
	ticket bool
	// eventStream routes answer a text/event-stream whose data are
	// reply objects (for the OpenAPI document).
	eventStream bool
}

// New returns the native API server.
func New(svc *service.Service, log *slog.Logger) (*Server, error) {
	s := &Server{svc: svc, log: log, mux: http.NewServeMux(), consoles: console.NewBroker(0)}
	rs := s.routes()
	ops := map[string]bool{}
	for _, rt := range rs {
		if !rt.public && rt.perm == "" {
			return nil, fmt.Errorf("route %s %s names no permission", rt.method, rt.path)
		}
		if rt.op == "" || ops[rt.op] {
			return nil, fmt.Errorf("route %s %s needs an operation id of its own (%q)", rt.method, rt.path, rt.op)
		}
		ops[rt.op] = true
		s.mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
	}
	doc, err := openAPIDocument(rs)
	if err != nil {
		return nil, fmt.Errorf("build OpenAPI document: %w", err)
	}
	s.openapi = doc
	s.mux.HandleFunc("GET /v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(s.openapi)
	})
	s.mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, model.Errorf(model.CodeNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return s, nil
}

// ServeHTTP implements http.Handler. The caller's address is the connection's, for the login throttle and
// the audit log; headers such as X-Forwarded-For are the caller's to
// write and are not trusted.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r.WithContext(service.WithSource(r.Context(), r.RemoteAddr)))
}

func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !rt.upload {
			jsonbody.LimitBody(w, r, jsonbody.Limit)
		}
		if !rt.public && !(rt.ticket && r.URL.Query().Has("ticket")) {
			p, _, err := s.svc.Authenticate(r.Context(), bearerToken(r))
			if err != nil {
				writeError(w, err)
				return
			}
			r = r.WithContext(service.WithPrincipal(r.Context(), p))
			if err := service.Authorize(r.Context(), rt.perm); err != nil {
				writeError(w, err)
				return
			}
		}
		if rt.stream != nil {
			rt.stream(w, r)
			return
		}
		out, err := rt.handle(r)
		s.audit(rt, r, err)
		if err != nil {
			httpstatus.LogFailure(s.log, "request failed", err, "method", r.Method, "path", r.URL.Path)
			writeError(w, err)
			return
		}
		if t, ok := out.(api.Task); ok && rt.status == http.StatusAccepted {
			w.Header().Set("Location", "/v1/tasks/"+t.ID)
		}
		if out == nil {
			w.WriteHeader(rt.status)
			return
		}
		if p, ok := out.(listPage); ok {
			p.writeHeaders(w)
			out = p.items
		}
		writeJSON(w, rt.status, out)
	})
}

func bearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	detail := api.ErrorDetail{Code: string(model.CodeOf(err)), Message: model.PublicMessage(err)}
	var me *model.Error
	if errors.As(err, &me) {
		detail.Field = me.Field
	}
	httpstatus.SetRetryAfter(w, err)
	writeJSON(w, httpstatus.Of(model.ErrorCode(detail.Code)), api.Error{Error: detail})
}

// decode reads a JSON body strictly (jsonbody.Decode): unknown fields,
// wrong types, trailing data and bodies over jsonbody.Limit are refused,
// naming the field and the JSON kind it needs.
func decode(r *http.Request, v any) error {
	raw, err := jsonbody.Read(r.Body)
	if err != nil {
		return err
	}
	return jsonbody.Decode(raw, v)
}

// ctx is a shorthand used by handlers.
func ctx(r *http.Request) context.Context { return r.Context() }

// audit records a change a caller asked for in the operation log, as the
// dialects do: who, which operation on which path, and how it failed if
// it did. Reads are not changes and are not recorded.
func (s *Server) audit(rt route, r *http.Request, err error) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return
	}
	p, ok := service.PrincipalFrom(r.Context())
	if !ok {
		return
	}
	content := p.Name + " " + rt.op + " " + r.URL.Path
	if err != nil {
		content += fmt.Sprintf(" (failed with %d: %s)", httpstatus.Of(model.CodeOf(err)), model.PublicMessage(err))
	}
	addr, _, splitErr := net.SplitHostPort(r.RemoteAddr)
	if splitErr != nil {
		addr = r.RemoteAddr
	}
	if err := s.svc.RecordOperation(context.WithoutCancel(r.Context()), addr, content); err != nil {
		s.log.Warn("record operation log", "content", content, "err", err)
	}
}
