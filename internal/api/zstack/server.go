// Package zstack serves the ZStack 2.3.1 REST API (see
// ../shared/spec/zstack-2.3.1-platform-management-api.txt) on Kumo's
// services, under /zstack/v1 on its own listener (default port 5872).
//
// Conventions of the dialect:
//   - the session goes in "Authorization: OAuth <session uuid>"; logins
//     and session checks answer at once.
//   - GET is synchronous and answers {"inventory": ...} or
//     {"inventories": [...]}, filtered by the q= language (query.go).
//   - every other call is an API job: 202 with {"location": <poll URL>},
//     polled at /zstack/v1/api-jobs/<uuid> (202 while running, 200 with
//     the result, 503 with {"error": ...}); X-Job-UUID picks the job's
//     uuid and X-Web-Hook gets the result POSTed with X-Job-Success.
//   - a failure is {"error": {"code", "description", "details", ...}}
//     with 400 (bad input), 404 (no such URL), 405 (wrong method), 500
//     (Kumo's fault) or 503 (the operation failed), as the document says.
package zstack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/api/httpstatus"
	"github.com/kumo-cloud/kumo/internal/api/jsonbody"
	"github.com/kumo-cloud/kumo/internal/console"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Prefix is where the API lives.
const Prefix = "/zstack/v1"

// Server is the ZStack API.
type Server struct {
	svc      *service.Service
	log      *slog.Logger
	mux      *http.ServeMux
	consoles *console.Broker
	// hookClient posts job results to X-Web-Hook URLs.
	hookClient *http.Client

	// literal are the paths of routes without wildcards: a {uuid}
	// route does not take them (DELETE /accounts/login is not
	// DeleteAccount of an account "login").
	literal map[string]bool

	consoleMu  sync.Mutex
	consoleLns map[string]consoleListener // by VM id

	stop     chan struct{}
	stopOnce sync.Once
	// closing ends with Close, cancelling the API jobs still running.
	closing       context.Context
	cancelClosing context.CancelFunc
	wg            sync.WaitGroup
}

// handler serves one endpoint. A synchronous endpoint returns its reply
// body. An asynchronous one returns either the body of a job already
// finished, or a pendingJob: the Kumo task its API job waits for.
type handler func(r *http.Request) (any, error)

type route struct {
	method, path string
	// api names the ZStack API (CreateVmInstance); policies refer to it
	// as APICreateVmInstanceMsg.
	api    string
	handle handler
	// public endpoints need no session (logins).
	public bool
	// perm is the permission the API needs (apiPermissions): the
	// service asks for the same one whichever API is used; none means
	// any logged-in caller (the service decides per object).
	perm model.Permission
	// pending names what Kumo lacks, for endpoints that refuse.
	pending string
	// sync non-GET endpoints answer directly instead of through a job
	// (logins and session checks, as the document says).
	sync bool
}

// New returns the ZStack API server. Close stops its scheduler.
func New(svc *service.Service, log *slog.Logger) *Server {
	s := &Server{svc: svc, log: log, mux: http.NewServeMux(), consoles: console.NewBroker(0),
		hookClient: &http.Client{Timeout: 10 * time.Second}, stop: make(chan struct{}),
		consoleLns: map[string]consoleListener{}, literal: map[string]bool{}}
	s.closing, s.cancelClosing = context.WithCancel(context.Background())
	if svc != nil { // the endpoint table test builds routes only
		svc.OnTaskFinished(s.pushWebHook)
	}
	for _, rt := range s.routes() {
		if !strings.Contains(rt.path, "{") {
			s.literal[Prefix+rt.path] = true
		}
	}
	for _, rt := range s.routes() {
		// Every API names its permission; a route whose API does not
		// stops the server from starting (permissionOf panics).
		if rt.api != "" {
			rt.perm = permissionOf(rt.api)
		}
		if rt.pending != "" && rt.handle == nil {
			why := rt.pending
			rt.handle = func(*http.Request) (any, error) { return nil, errNotSupported("%s", why) }
		}
		s.mux.Handle(rt.method+" "+Prefix+rt.path, s.wrap(rt))
	}
	s.mux.Handle("GET "+Prefix+"/api-jobs/{uuid}", s.wrap(route{method: "GET", path: "/api-jobs/{uuid}", api: "QueryApiJob", perm: permissionOf("QueryApiJob"), handle: s.pollJob}))
	s.mux.Handle("GET "+consolePath+"{id}", s.consoles.Handler())
	s.mux.HandleFunc("/", s.noRoute)
	return s
}

// noRoute answers what no endpoint serves: 405 when the path exists
// with other methods, as the document says, else 404.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && !(s.literal[r.URL.Path] && strings.Contains(pattern, "{")) {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeErrorStatus(w, http.StatusMethodNotAllowed, model.Errorf(model.CodeInvalidArgument,
			"%s is not a method of %s: use %s", r.Method, r.URL.Path, strings.Join(allowed, " or ")))
		return
	}
	writeErrorStatus(w, http.StatusNotFound, model.Errorf(model.CodeNotFound, "no such API: %s %s", r.Method, r.URL.Path))
}

// ServeHTTP implements http.Handler. The caller's address is the connection's, for the login throttle and
// the audit log; headers such as X-Forwarded-For are the caller's to
// write and are not trusted.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r.WithContext(service.WithSource(r.Context(), r.RemoteAddr)))
}

// Start is kept for the server's lifecycle; the scheduler and the billing
// sampler are core services that run whatever APIs are on.
func (s *Server) Start() {}

// Close ends the API jobs still running and the console ports, and waits
// for them.
func (s *Server) Close() {
	s.stopOnce.Do(func() {
		close(s.stop)
		s.cancelClosing()
	})
	s.consoleMu.Lock()
	for id, cl := range s.consoleLns {
		cl.ln.Close()
		delete(s.consoleLns, id)
	}
	s.consoleMu.Unlock()
	s.wg.Wait()
}

type callerKey struct{}

// caller is who makes a call, in ZStack's terms.
type caller struct {
	service.Principal
	accountUUID string
	userUUID    string
	// subUser is true for users created under an account (LogInByUser).
	subUser bool
}

func (c caller) admin() bool { return c.FullAccess() }

func callerOf(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey{}).(caller)
	return c
}

// sessionOf reads "Authorization: OAuth <session>".
func sessionOf(r *http.Request) string {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if tok, ok := strings.CutPrefix(h, "OAuth "); ok {
		return strings.TrimSpace(tok)
	}
	return ""
}

var jobUUIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// jobUUIDv4 is what the document requires of X-Job-UUID: a random
// (version 4, RFC 4122 variant) UUID without its hyphens.
var jobUUIDv4 = regexp.MustCompile(`^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$`)

func (s *Server) wrap(rt route) http.Handler {
	wildcard := strings.Contains(rt.path, "{")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wildcard && s.literal[r.URL.Path] {
			s.noRoute(w, r)
			return
		}
		jsonbody.LimitBody(w, r, jsonbody.Limit)
		ctx := r.Context()
		if !rt.public {
			p, _, err := s.svc.Authenticate(ctx, sessionOf(r))
			if err != nil {
				writeError(w, errInvalidSession(err))
				return
			}
			ctx = service.WithPrincipal(ctx, p)
			c := callerFor(p)
			ctx = context.WithValue(ctx, callerKey{}, c)
			// Endpoints serving several APIs (PUT .../actions) check
			// the one named in their body themselves.
			if err := authorizeAPI(ctx, rt.api, rt.perm); err != nil {
				writeError(w, err)
				return
			}
			r = r.WithContext(ctx)
		}
		async := r.Method != http.MethodGet && !rt.sync
		var jobID, hook string
		if async {
			jobID = strings.ToLower(r.Header.Get("X-Job-UUID"))
			if jobID == "" {
				jobID = newUUID()
			} else if !jobUUIDv4.MatchString(jobID) {
				writeError(w, model.Errorf(model.CodeInvalidArgument,
					"X-Job-UUID %q is not a version 4 (random) UUID without hyphens", r.Header.Get("X-Job-UUID")))
				return
			}
			hook = r.Header.Get("X-Web-Hook")
			if hook != "" && !strings.HasPrefix(hook, "http://") && !strings.HasPrefix(hook, "https://") {
				writeError(w, model.Errorf(model.CodeInvalidArgument, "X-Web-Hook %q is not an http(s) URL", hook))
				return
			}
			if _, err := s.svc.GetTask(ctx, kumoID(jobID)); err == nil {
				writeError(w, errJobUUIDUsed(jobID))
				return
			}
		}
		out, err := rt.handle(r)
		record := s.recorder(r, rt, jobID)
		if !async {
			record(err)
			if err != nil {
				s.logFailure(r, err)
				writeError(w, err)
				return
			}
			if pr, ok := out.(pollReply); ok {
				writeJSON(w, pr.status, pr.body)
				return
			}
			writeJSON(w, http.StatusOK, out)
			return
		}
		if code := model.CodeOf(err); err != nil && (code == model.CodeInvalidArgument || code == model.CodePayloadTooLarge) {
			// Bad input is refused at once, as the document's 400 says
			// (413 for a body over the limit).
			record(err)
			writeError(w, err)
			return
		}
		record(err)
		s.logFailure(r, err)
		if err := s.submitJob(ctx, jobID, rt.api, hook, out, err); err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]string{"location": jobLocation(r, jobID)})
	})
}

// recorder returns what writes a call's outcome to Kumo's operation log
// (shared with the other dialects): changes only, by logged-in callers.
func (s *Server) recorder(r *http.Request, rt route, jobID string) func(error) {
	p, ok := service.PrincipalFrom(r.Context())
	if r.Method == http.MethodGet || rt.public || !ok {
		return func(error) {}
	}
	api := rt.api
	if api == "" {
		api = r.Method + " " + r.URL.Path
	}
	address := r.RemoteAddr
	if host, _, err := net.SplitHostPort(address); err == nil {
		address = host
	}
	ctx := context.WithoutCancel(r.Context())
	return func(err error) {
		content := fmt.Sprintf("%s called ZStack %s on %s", p.Name, api, strings.TrimPrefix(r.URL.Path, Prefix))
		if jobID != "" {
			content += " (job " + jobID + ")"
		}
		if err != nil {
			_, e := zstackError(err)
			content += fmt.Sprintf(": failed with %s: %s", e.Code, e.Details)
		}
		if err := s.svc.RecordOperation(ctx, address, content); err != nil {
			s.log.Warn("record operation log", "content", content, "err", err)
		}
	}
}

func (s *Server) logFailure(r *http.Request, err error) {
	if err != nil {
		httpstatus.LogFailure(s.log, "zstack request failed", err, "method", r.Method, "path", r.URL.Path)
	}
}

// jobLocation is the poll URL of a job, on the address the caller used.
func jobLocation(r *http.Request, id string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + Prefix + "/api-jobs/" + id
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if body == nil {
		body = struct{}{}
	}
	json.NewEncoder(w).Encode(body)
}

// errorCode is ZStack's error object.
type errorCode struct {
	Code        string         `json:"code"`
	Description string         `json:"description"`
	Details     string         `json:"details"`
	Elaboration *string        `json:"elaboration"`
	Opaque      map[string]any `json:"opaque"`
	Cause       *errorCode     `json:"cause"`
}

// codeNotSupported marks endpoints or options Kumo does not offer.
const codeNotSupported model.ErrorCode = "not_supported"

// errNotSupported refuses what Kumo lacks, naming it.
func errNotSupported(format string, args ...any) error {
	e := model.Errorf(codeNotSupported, format, args...)
	return e
}

// errInvalidSession is the document's ID.1001 for a bad session.
func errInvalidSession(err error) error {
	return &model.Error{Code: codeInvalidSession, Message: err.Error()}
}

const codeInvalidSession model.ErrorCode = "invalid_session"

// zstackError maps a Kumo error to ZStack's status, code and description.
// Codes follow ZStack's own: SYS.* for the system, ID.* for identity.
func zstackError(err error) (int, errorCode) {
	e := errorCode{Details: clientIDs(model.PublicMessage(err))}
	status := http.StatusServiceUnavailable
	switch model.CodeOf(err) {
	case model.CodeInvalidArgument:
		status, e.Code, e.Description = http.StatusBadRequest, "SYS.1007", "One or more API argument is invalid"
	case model.CodePayloadTooLarge:
		status, e.Code, e.Description = http.StatusRequestEntityTooLarge, "SYS.1007", "One or more API argument is invalid"
	case model.CodeNotFound:
		e.Code, e.Description = "SYS.1006", "Resource not found"
	case model.CodeUnauthenticated:
		e.Code, e.Description = "ID.1000", "Authentication failed"
	case model.CodeTooManyRequests:
		// ZStack has no code of its own for it: an authentication
		// failure, with the status saying why.
		status, e.Code, e.Description = http.StatusTooManyRequests, "ID.1000", "Authentication failed"
	case codeInvalidSession:
		e.Code, e.Description = "ID.1001", "Session expired or invalid"
	case model.CodePermissionDenied:
		e.Code, e.Description = "ID.1002", "Permission denied"
	case model.CodeQuotaExceeded:
		e.Code, e.Description = "ID.1003", "Quota exceeding"
	case model.CodeConflict, model.CodeInsufficientCapacity, model.CodeUnavailable:
		e.Code, e.Description = "SYS.1001", "A message or a operation timeout or failure"
	case codeNotSupported:
		e.Code, e.Description = "SYS.1010", "Operation not supported by Kumo"
	default:
		status, e.Code, e.Description = http.StatusInternalServerError, "SYS.1000", "An internal error happened in system"
	}
	return status, e
}

// kumoIDPattern matches a Kumo id (a hyphenated UUID) in a message.
var kumoIDPattern = regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)

// clientIDs writes the Kumo ids a message names as the ZStack uuids
// clients know them by (32 hex digits, no hyphens), so an error echoes
// the uuid the client sent.
func clientIDs(msg string) string {
	return kumoIDPattern.ReplaceAllStringFunc(msg, zid)
}

func writeError(w http.ResponseWriter, err error) {
	status, e := zstackError(err)
	httpstatus.SetRetryAfter(w, err)
	writeJSON(w, status, map[string]any{"error": e})
}

func writeErrorStatus(w http.ResponseWriter, status int, err error) {
	_, e := zstackError(err)
	httpstatus.SetRetryAfter(w, err)
	writeJSON(w, status, map[string]any{"error": e})
}

// body reads the request body: {"<key>": {...}, "systemTags": [...],
// "userTags": [...]}; the value at key is decoded into v. Unknown fields
// are allowed, as ZStack's SDKs send fields of newer versions.
func body(r *http.Request, key string, v any) error {
	raw, err := jsonbody.Read(r.Body)
	if err != nil {
		return err
	}
	// Others may read the body again (systemTags at the top level).
	r.Body = io.NopCloser(bytes.NewReader(raw))
	if len(bytes.TrimSpace(raw)) == 0 {
		return model.Errorf(model.CodeInvalidArgument, "request body is empty; a JSON object with %q is required", key)
	}
	top, err := topObject(raw)
	if err != nil {
		return err
	}
	inner, ok := top[key]
	if !ok {
		return model.Errorf(model.CodeInvalidArgument, "request body has no %q object", key)
	}
	return jsonbody.Rules{Part: key, AllowUnknown: true}.Decode(inner, v)
}

// topObject decodes the top level of a body, which must be an object.
func topObject(raw []byte) (map[string]json.RawMessage, error) {
	var top map[string]json.RawMessage
	if err := (jsonbody.Rules{AllowUnknown: true}).Decode(raw, &top); err != nil {
		return nil, err
	}
	if top == nil {
		return nil, model.Errorf(model.CodeInvalidArgument, "request body: expected an object, not null")
	}
	return top, nil
}

// actionOf returns the name of the action object of a PUT .../actions
// body, such as "startVmInstance", and the raw body for body().
func actionOf(r *http.Request) (string, error) {
	raw, err := jsonbody.Read(r.Body)
	if err != nil {
		return "", err
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	top, err := topObject(raw)
	if err != nil {
		return "", err
	}
	for k := range top {
		if k != "systemTags" && k != "userTags" {
			return k, nil
		}
	}
	return "", model.Errorf(model.CodeInvalidArgument, "request body names no action")
}

// newUUID is a ZStack uuid: a random UUID without hyphens.
func newUUID() string { return strings.ReplaceAll(uuid.NewString(), "-", "") }

// zid is the ZStack form of a Kumo id (Kumo ids are hyphenated UUIDs).
func zid(id string) string { return strings.ReplaceAll(id, "-", "") }

// kumoID turns a ZStack uuid back into a Kumo id.
func kumoID(z string) string {
	if len(z) == 32 && jobUUIDPattern.MatchString(strings.ToLower(z)) {
		z = strings.ToLower(z)
		return z[:8] + "-" + z[8:12] + "-" + z[12:16] + "-" + z[16:20] + "-" + z[20:]
	}
	return z
}

// dateFormat is how ZStack writes timestamps ("Jan 6, 2017 3:51:16 AM").
const dateFormat = "Jan 2, 2006 3:04:05 PM"

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(dateFormat)
}

// inventory and inventories are the reply shapes of the document.
func inventory(v any) map[string]any { return map[string]any{"inventory": v} }

// toMaps turns typed inventories into the generic form queries filter.
func toMaps[T any](items []T) ([]map[string]any, error) {
	raw, err := json.Marshal(items)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	err = json.Unmarshal(raw, &out)
	return out, err
}

// queryReply answers a Query API: one inventory by uuid when the path
// has one, else the inventories matching the query string.
func queryReply[T any](r *http.Request, items []T, uuidOf func(T) string) (any, error) {
	if id := r.PathValue("uuid"); id != "" {
		var match []T
		for _, it := range items {
			if uuidOf(it) == id || uuidOf(it) == zid(id) {
				match = append(match, it)
			}
		}
		items = match
	}
	q, err := parseQuery(r.URL.Query())
	if err == nil {
		err = q.checkFields(reflect.TypeFor[T]())
	}
	if err != nil {
		return nil, model.FieldError("q", "%v", err)
	}
	objs, err := toMaps(items)
	if err != nil {
		return nil, err
	}
	out, total := q.apply(objs)
	if q.count {
		return map[string]any{"total": total}, nil
	}
	reply := map[string]any{"inventories": out}
	if q.replyWithCount {
		reply["total"] = total
	}
	return reply, nil
}
