// Package cloudtower serves the SmartX CloudTower API v2 (see
// ../shared/spec/cloudtower-api-v2-guide.txt) on Kumo's services, under
// /v2/api on its own listener (default 127.0.0.1:5871).
//
// Conventions of the dialect, as the guide and CloudTower's Go SDK rely
// on them:
//   - every operation is POST /v2/api/<op> with a JSON body; every call
//     but /login needs the header `Authorization: <token>`, the token
//     being a Kumo session from /login.
//   - lists answer a bare JSON array, filtered by `where` and paged by
//     first/skip/after/before/last, ordered by orderBy (where.go,
//     query.go); a where naming one id still answers an array.
//   - changes answer an array of {"task_id", "data"}, one per resource,
//     data being the resource as it is when the task starts (deletes: its
//     {"id"}); /get-tasks follows the task (PENDING, EXECUTING,
//     SUCCESSED, FAILED with error_message).
//   - the SDK accepts only HTTP 200, 400, 404 and 500, so only those are
//     used: 200 success; 404 an id that names nothing (a where of a change
//     that selects nothing, a cluster_id, template_id, host_id... that
//     does not exist); 400 everything the caller can fix: bad or
//     malformed input, no or an expired token, no permission, a conflict
//     with the resource's state, no capacity left, and operations Kumo
//     refuses (code NOT_SUPPORTED, with the reason); 500 Kumo's own
//     failures, a host that cannot be reached included. A body over
//     jsonbody.Limit is the one exception: 413 (PAYLOAD_TOO_LARGE), which
//     no SDK call comes near.
//   - an error is the SDK's ErrorBody: {"code", "message",
//     "operationName", "path", "status"}; the guide shows none.
//   - replies carry every field the SDK's models require, even those
//     Kumo has no value for (then false, 0, "" or []): the SDK's
//     validation is the ground truth of the wire format
//     (e2e/cloudtower_sdk_test.go drives Kumo with the SDK itself).
//
// Where the guide slips (update-vm-basic-info and add-vm-volume show
// data inside where), the obvious intent is accepted too; see the
// handlers.
package cloudtower

import (
	"context"
	"encoding/json"
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
)

// Prefix is where the API lives.
const Prefix = "/v2/api"

// Server is the CloudTower API.
type Server struct {
	svc      *service.Service
	log      *slog.Logger
	mux      *http.ServeMux
	consoles *console.Broker
}

// operation is one POST /v2/api/<name>.
type operation struct {
	name   string
	public bool
	handle func(r *http.Request, body []byte) (any, error)
	// refused, when set, is why Kumo does not do this operation; it
	// answers 400 NOT_SUPPORTED after the token is checked.
	refused string
	// perm is the permission the caller must hold, the same the other
	// APIs ask for the same operation (docs/iam.md).
	perm model.Permission
	// note says where Kumo's answer differs from CloudTower's, for
	// docs/cloudtower-endpoints.md.
	note string
	// stream operations read their own (multipart) body, which may be
	// as large as an upload may be: handle gets no body.
	stream bool
}

// New returns the CloudTower API server.
func New(svc *service.Service, log *slog.Logger) *Server {
	s := &Server{svc: svc, log: log, mux: http.NewServeMux(), consoles: console.NewBroker(0)}
	// Patterns carry no method: ServeMux would answer other methods 405,
	// a status the SDK does not know; wrap answers them 404.
	ops := s.operations()
	for _, op := range s.sdkOperations() {
		ops = append(ops, op.operation)
	}
	for _, op := range ops {
		if !op.public && op.perm == "" {
			panic("cloudtower: operation " + op.name + " names no permission")
		}
		s.mux.Handle(Prefix+"/"+op.name, s.wrap(op))
	}
	s.mux.Handle("/api", s.wrap(s.vncOperation()))
	s.mux.Handle("GET /websockify/", s.consoles.Handler())
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, "", model.Errorf(model.CodeNotFound, "no such operation: %s %s (CloudTower operations are POST %s/<operation>)", r.Method, r.URL.Path, Prefix))
	})
	return s
}

// ServeHTTP implements http.Handler. The caller's address is the connection's, for the login throttle and
// the audit log; headers such as X-Forwarded-For are the caller's to
// write and are not trusted.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r.WithContext(service.WithSource(r.Context(), r.RemoteAddr)))
}

func (s *Server) wrap(op operation) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !op.stream {
			jsonbody.LimitBody(w, r, jsonbody.Limit)
		}
		if r.Method != http.MethodPost {
			writeError(w, r, op.name, model.Errorf(model.CodeNotFound, "no such operation: %s %s (CloudTower operations are POST)", r.Method, r.URL.Path))
			return
		}
		if !op.public {
			// The guide sends the bare token; a "Bearer " prefix, which
			// some HTTP clients add, is taken too.
			token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			p, _, err := s.svc.Authenticate(r.Context(), token)
			if err != nil {
				writeError(w, r, op.name, err)
				return
			}
			r = r.WithContext(service.WithPrincipal(r.Context(), p))
			if err := authorizeOperation(r.Context(), op.perm); err != nil {
				s.record(r, op, err)
				writeError(w, r, op.name, err)
				return
			}
		}
		if op.refused != "" {
			writeError(w, r, op.name, errRefused(op.refused))
			return
		}
		var body []byte
		if !op.stream {
			var err error
			if body, err = jsonbody.Read(r.Body); err != nil {
				writeError(w, r, op.name, err)
				return
			}
		}
		out, err := op.handle(r, body)
		s.record(r, op, err)
		if err != nil {
			httpstatus.LogFailure(s.log, "cloudtower request failed", err, "operation", op.name)
			writeError(w, r, op.name, err)
			return
		}
		s.groupBatch(r, op, out)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		json.NewEncoder(w).Encode(out)
	})
}

// record writes a change asked through the API to the operation log
// (what /get-user-audit-logs lists): who, which operation, and how it
// ended. Reads and logins are not changes.
func (s *Server) record(r *http.Request, op operation, err error) {
	if op.public || op.name == "vnc" || strings.HasPrefix(op.name, "get-") {
		return
	}
	p, ok := service.PrincipalFrom(r.Context())
	if !ok {
		return
	}
	content := p.Name + " " + op.name
	if err != nil {
		content += fmt.Sprintf(" (failed with %d: %s)", status(err), model.PublicMessage(err))
	}
	addr, _, splitErr := net.SplitHostPort(r.RemoteAddr)
	if splitErr != nil {
		addr = r.RemoteAddr
	}
	if err := s.svc.RecordOperation(context.WithoutCancel(r.Context()), addr, content); err != nil {
		s.log.Warn("record operation log", "content", content, "err", err)
	}
}

const codeNotSupported model.ErrorCode = "not_supported"

func errRefused(why string) error {
	return &model.Error{Code: codeNotSupported, Message: why}
}

// status maps an error to one of the four statuses the SDK knows, but
// for a body over the limit (413), which no SDK call sends.
func status(err error) int {
	switch model.CodeOf(err) {
	case model.CodePayloadTooLarge:
		return http.StatusRequestEntityTooLarge
	case model.CodeNotFound:
		return http.StatusNotFound
	case model.CodeInvalidArgument, model.CodeUnauthenticated, model.CodePermissionDenied, model.CodeConflict,
		model.CodeQuotaExceeded, model.CodeInsufficientCapacity, codeNotSupported, model.CodeTooManyRequests:
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// errorBody is the SDK's ErrorBody; its schema requires message, path
// (the request's) and status (the reply's HTTP status).
type errorBody struct {
	Code          string `json:"code"`
	Message       string `json:"message"`
	OperationName string `json:"operationName,omitempty"`
	Path          string `json:"path"`
	Status        int    `json:"status"`
}

func writeError(w http.ResponseWriter, r *http.Request, op string, err error) {
	w.Header().Set("Content-Type", "application/json")
	httpstatus.SetRetryAfter(w, err)
	st := status(err)
	w.WriteHeader(st)
	json.NewEncoder(w).Encode(errorBody{Code: strings.ToUpper(string(model.CodeOf(err))), Message: model.PublicMessage(err), OperationName: op,
		Path: r.URL.Path, Status: st})
}

// decodeStrict reads a JSON body into v, refusing unknown fields
// (jsonbody.Decode).
func decodeStrict(raw []byte, v any) error {
	return jsonbody.Decode(raw, v)
}

// decodeList reads the body of a list call: an object, or nothing for
// the whole list.
func decodeList(raw []byte) (map[string]any, error) {
	if len(strings.TrimSpace(string(raw))) == 0 {
		return map[string]any{}, nil
	}
	var m map[string]any
	if err := decodeStrict(raw, &m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// withTask is an element of a change's reply.
type withTask[T any] struct {
	TaskID *string `json:"task_id"`
	Data   T       `json:"data"`
}

// batch is the reply of a change: one element per object changed.
type batch[T any] []withTask[T]

// groupItems lists the tasks of a reply, for its parent task.
func (b batch[T]) groupItems() []service.GroupItem {
	var items []service.GroupItem
	for _, e := range b {
		if e.TaskID != nil {
			items = append(items, service.GroupItem{TaskID: *e.TaskID})
		}
	}
	return items
}

// grouped is a reply whose tasks make one parent task.
type grouped interface{ groupItems() []service.GroupItem }

// groupBatch makes a call that started several tasks (a where matching
// many VMs, an array of creations) one parent task over them, of kind
// "cloudtower.<operation>", so GET /v1/tasks shows the call as one and
// its end survives a restart. The reply still names each child task,
// which is what the SDK follows.
func (s *Server) groupBatch(r *http.Request, op operation, out any) {
	b, ok := out.(grouped)
	if !ok {
		return
	}
	items := b.groupItems()
	if len(items) < 2 {
		return
	}
	if _, err := s.svc.SubmitGroup(context.WithoutCancel(r.Context()), service.GroupRequest{Kind: "cloudtower." + op.name, Items: items}); err != nil {
		// The children run and are followed by their ids whatever
		// happens to the parent: say so, do not fail the call.
		s.log.Warn("cloudtower: group a batch call's tasks", "operation", op.name, "err", err)
	}
}

func taskOf(t model.Task) *string {
	if t.ID == "" {
		return nil
	}
	return &t.ID
}

// deleted is the data of a delete's reply.
type deleted struct {
	ID string `json:"id"`
}

// authorizeOperation asks the service whether the caller holds an
// operation's permission, before its body is read.
func authorizeOperation(ctx context.Context, perm model.Permission) error {
	return service.Authorize(ctx, perm)
}
