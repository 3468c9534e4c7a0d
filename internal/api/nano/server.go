// Package nano serves the Project Nano FrontEnd API 1.3.1 (see
// ../shared/spec/nano-frontend-api-v1.3.1.txt) on Kumo's services, under
// /api/v1 on its own listener (default port 5870).
//
// Conventions of the dialect, as Nano's web portal relies on them:
//   - every reply is {"error_code", "message", "data"}; error_code 0 is
//     success.
//   - a failure is answered with HTTP 200, as Nano's FrontEnd and Core
//     answer every failure (the portal reads error_code and shows the
//     message; a 4xx makes it show "Request failed with status code
//     409" instead). Its error_code is the status it would have in
//     Kumo's other APIs (400 bad request, 401 no or bad session, 403 not
//     allowed, 404 unknown object, 409 conflict with the current state,
//     413 a body over its limit, 429 too many attempts, 501 not
//     implemented yet, 503 a host is unreachable, 500 anything else),
//     where Nano always says 500; Retry-After is still set.
//   - the session token goes in the Nano-Session header.
//
// The document's examples wrap replies in a JSON array; its schemas (and
// Nano itself) use a bare object, which is what is served.
package nano

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/kumo-cloud/kumo/internal/api/httpstatus"
	"github.com/kumo-cloud/kumo/internal/api/jsonbody"
	"github.com/kumo-cloud/kumo/internal/console"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// Server is the Nano API.
type Server struct {
	svc *service.Service
	log *slog.Logger
	mux *http.ServeMux
	// consoles issues and redeems monitor channels.
	consoles *console.Broker
}

// reply is what a handler returns on success: the HTTP status and the
// envelope's data (nil for none).
type reply struct {
	status int
	data   any
}

// rawResponse, as a reply's data, writes the whole response instead of an
// envelope: file downloads are raw bytes, not JSON.
type rawResponse func(w http.ResponseWriter, r *http.Request)

func ok(data any) (reply, error) { return reply{http.StatusOK, data}, nil }

type route struct {
	method, path string // path as written in the document, under Prefix
	public       bool
	handle       func(r *http.Request) (reply, error)
	pending      string // what Kumo lacks, for endpoints answering 501
	// perm is the permission the caller must hold (see routes).
	perm model.Permission
	// upload routes take a file, bounded by the service's upload limit
	// instead of jsonbody.Limit.
	upload bool
}

// New returns the Nano API server.
func New(svc *service.Service, log *slog.Logger) *Server {
	s := &Server{svc: svc, log: log, mux: http.NewServeMux(), consoles: console.NewBroker(0)}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.method+" "+pattern(rt.path), s.wrap(rt))
	}
	// Monitor channel websockets: where the document puts them, and
	// under the API prefix for clients that keep to it. The channel id
	// in the path is the credential; no session is needed.
	s.mux.Handle("GET "+channelPath+"{id}", s.consoles.Handler())
	s.mux.Handle("GET "+Prefix+channelPath+"{id}", s.consoles.Handler())
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, model.Errorf(model.CodeNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return s
}

// pattern turns a documented path into a ServeMux pattern: a trailing
// slash in the document means exactly that path, not a subtree.
func pattern(path string) string {
	p := Prefix + path
	if strings.HasSuffix(p, "/") {
		p += "{$}"
	}
	return p
}

// ServeHTTP implements http.Handler. The caller's address is the connection's, for the login throttle and
// the audit log; headers such as X-Forwarded-For are the caller's to
// write and are not trusted.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, s.slashed(r).WithContext(service.WithSource(r.Context(), r.RemoteAddr)))
}

// slashed answers a path with or without its trailing slash directly,
// as Nano's FrontEnd does (the portal writes /guests/{id}/qos/cpu where
// the document writes /guests/{id}/qos/cpu/), instead of ServeMux's 307
// redirect or 404: when the path as given matches no route, or only
// through that redirect, the other spelling is served if it matches one.
// A path that matches a route as given is never rewritten.
func (s *Server) slashed(r *http.Request) *http.Request {
	_, pat := s.mux.Handler(r)
	path := r.URL.Path
	redirect := !strings.HasSuffix(path, "/") && strings.HasSuffix(pat, "/{$}")
	if pat != "/" && !redirect {
		return r
	}
	other := strings.TrimSuffix(path, "/")
	if other == path {
		other += "/"
	}
	if other == "" {
		return r
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = other, ""
	if raw := r.URL.RawPath; raw != "" {
		if strings.HasSuffix(raw, "/") {
			r2.URL.RawPath = strings.TrimSuffix(raw, "/")
		} else {
			r2.URL.RawPath = raw + "/"
		}
	}
	if _, p := s.mux.Handler(r2); p == "/" || (!strings.HasSuffix(other, "/") && strings.HasSuffix(p, "/{$}")) {
		return r
	}
	return r2
}

func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !rt.upload {
			jsonbody.LimitBody(w, r, jsonbody.Limit)
		}
		if !rt.public {
			p, _, err := s.svc.Authenticate(r.Context(), r.Header.Get("Nano-Session"))
			if err != nil {
				writeError(w, err)
				return
			}
			r = r.WithContext(service.WithPrincipal(r.Context(), p))
			if err := authorizeRoute(r.Context(), rt.perm); err != nil {
				s.record(r, rt, err)
				writeError(w, err)
				return
			}
		}
		out, err := rt.handle(r)
		s.record(r, rt, err)
		if err != nil {
			httpstatus.LogFailure(s.log, "nano request failed", err, "method", r.Method, "path", r.URL.Path)
			writeError(w, err)
			return
		}
		if serve, isRaw := out.data.(rawResponse); isRaw {
			serve(w, r)
			return
		}
		writeEnvelope(w, out.status, 0, "", out.data)
	})
}

// record writes a change made through the API, or refused to a logged-in
// caller, to the operation log: who, what, and how it ended. Reads are
// not changes, whatever their method (POST /search/guests/ takes its
// query as a body); session keep-alives and log entries written by the
// caller are left out, as are logins (createSession records those itself).
func (s *Server) record(r *http.Request, rt route, err error) {
	if r.Method == http.MethodGet || rt.public || rt.path == "/sessions/{session_id}" ||
		(r.Method == http.MethodPost && rt.path == "/logs/") || strings.HasPrefix(rt.path, "/search/") {
		return
	}
	p, ok := service.PrincipalFrom(r.Context())
	if !ok {
		return
	}
	verb := map[string]string{http.MethodPost: "create", http.MethodPut: "modify", http.MethodDelete: "delete",
		http.MethodPatch: "synchronize"}[r.Method]
	content := p.Name + " " + verb + " " + strings.Trim(strings.TrimPrefix(r.URL.Path, Prefix), "/")
	if err != nil {
		content += fmt.Sprintf(" (failed with %d: %s)", httpstatus.Of(model.CodeOf(err)), model.PublicMessage(err))
	}
	if err := s.svc.RecordOperation(context.WithoutCancel(r.Context()), clientAddress(r), content); err != nil {
		s.log.Warn("record operation log", "content", content, "err", err)
	}
}

type envelope struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
	Data      any    `json:"data,omitempty"`
}

func writeEnvelope(w http.ResponseWriter, status, code int, msg string, data any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(envelope{ErrorCode: code, Message: msg, Data: data})
}

// errNotImplemented marks endpoints whose feature Kumo does not have yet.
func errNotImplemented(what string) error {
	return &model.Error{Code: codeNotImplemented, Message: what + " is not implemented in Kumo yet"}
}

const codeNotImplemented = model.CodeNotImplemented

// writeError answers a failure the FrontEnd's way: HTTP 200, the
// failure in error_code and message.
func writeError(w http.ResponseWriter, err error) {
	status, msg := httpstatus.Of(model.CodeOf(err)), httpstatus.Message(err)
	httpstatus.SetRetryAfter(w, err)
	writeEnvelope(w, http.StatusOK, status, msg, nil)
}

// decode reads a JSON body strictly (jsonbody.Decode). The document
// shows some request bodies wrapped in a one-element array; that form is
// accepted too.
func decode(r *http.Request, v any) error {
	raw, err := jsonbody.Read(r.Body)
	if err != nil {
		return err
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return model.Errorf(model.CodeInvalidArgument, "request body is empty; a JSON object is required")
	}
	if trimmed[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(trimmed, &list); err != nil || len(list) != 1 {
			return model.Errorf(model.CodeInvalidArgument, "request body must be a JSON object (or a list of one)")
		}
		trimmed = list[0]
	}
	return jsonbody.Decode(trimmed, v)
}

// decodeOptional is decode for bodies that may be absent.
func decodeOptional(r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decode(r, v)
}

func ctx(r *http.Request) context.Context { return r.Context() }

// timeFormat is how the document writes times.
const timeFormat = "2006-01-02 15:04:05"

// done is the reply of an operation without data: success unless err.
func done(err error) (reply, error) { return reply{http.StatusOK, nil}, err }

// authorizeRoute asks the service whether the caller holds a route's
// permission, before the request is parsed, so a refusal comes first.
func authorizeRoute(ctx context.Context, perm model.Permission) error {
	return service.Authorize(ctx, perm)
}
