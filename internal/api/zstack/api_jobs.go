package zstack

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// API jobs are parent tasks of the core (service.SubmitGroup): an
// asynchronous call's job is persisted with the Kumo task it waits for,
// or with its result when it finished at once, so its poll URL answers
// after a controller restart, and GET /v1/tasks lists it (kind
// zstack.<API>). The job's uuid is the task's id without hyphens.

// jobKindPrefix begins the group kind of every API job.
const jobKindPrefix = "zstack."

// pendingJob is what an asynchronous handler returns when its job waits
// for a Kumo task; vm, if set, is the VM whose inventory the job answers
// once the task succeeded (else an empty object).
type pendingJob struct {
	task model.Task
	vm   string
	// snapshot, with vm, is the snapshot whose inventory the job answers.
	snapshot string
}

// jobReply is how a finished job answers, kept with its parent task.
type jobReply struct {
	// Body is the answer of a job that finished at once.
	Body json.RawMessage `json:"body,omitempty"`
	// VM is the VM whose inventory a job answers when its task is done.
	VM string `json:"vm,omitempty"`
	// Snapshot is the VM's snapshot whose inventory it answers instead.
	Snapshot string `json:"snapshot,omitempty"`
}

func errJobUUIDUsed(id string) error {
	return model.Errorf(model.CodeInvalidArgument, "X-Job-UUID %s is already used by another API job", id)
}

// submitJob records the API job of a call: a parent over the task it
// waits for, or one finished with its result or failure.
func (s *Server) submitJob(ctx context.Context, id, api, hook string, out any, err error) error {
	req := service.GroupRequest{ID: kumoID(id), Kind: jobKindPrefix + api, WebHook: hook, Failure: err}
	if api == "" {
		req.Kind = jobKindPrefix + "call"
	}
	var reply jobReply
	switch o := out.(type) {
	case pendingJob:
		req.Items = []service.GroupItem{{Object: o.task.TargetID, TaskID: o.task.ID}}
		reply.VM, reply.Snapshot = o.vm, o.snapshot
	default:
		if err == nil {
			if out == nil {
				out = struct{}{}
			}
			body, merr := json.Marshal(out)
			if merr != nil {
				return merr
			}
			reply.Body = body
		}
	}
	raw, _ := json.Marshal(reply)
	req.Reply = raw
	_, serr := s.svc.SubmitGroup(ctx, req)
	if model.IsCode(serr, model.CodeConflict) {
		return errJobUUIDUsed(id)
	}
	return serr
}

// jobResult is what a finished job answers: its status and body.
func (s *Server) jobResult(ctx context.Context, g service.Group) (int, any) {
	t := g.Task
	if t.State != model.TaskSucceeded {
		code := t.ErrorCode
		if code == "" {
			code = model.CodeUnavailable
		}
		msg := t.Error
		if msg == "" {
			msg = string(t.State)
		}
		_, e := zstackError(&model.Error{Code: code, Message: msg})
		return http.StatusServiceUnavailable, map[string]any{"error": e}
	}
	var reply jobReply
	json.Unmarshal(g.Reply, &reply)
	if reply.Snapshot != "" {
		inv, err := s.snapshotInventory(ctx, reply.VM, reply.Snapshot)
		if err != nil {
			_, e := zstackError(err)
			return http.StatusServiceUnavailable, map[string]any{"error": e}
		}
		return http.StatusOK, inventory(inv)
	}
	if reply.VM != "" {
		inv, err := s.vmInventory(ctx, reply.VM)
		if err != nil {
			_, e := zstackError(err)
			return http.StatusServiceUnavailable, map[string]any{"error": e}
		}
		return http.StatusOK, inventory(inv)
	}
	if len(reply.Body) > 0 {
		return http.StatusOK, reply.Body
	}
	return http.StatusOK, struct{}{}
}

// pollJob is GET /api-jobs/{uuid}: 202 and the same location while the
// job runs, then its result. Only the caller who started it (or an
// admin) sees it.
func (s *Server) pollJob(r *http.Request) (any, error) {
	id := r.PathValue("uuid")
	g, err := s.svc.GetGroup(r.Context(), kumoID(strings.ToLower(id)))
	if err != nil || !strings.HasPrefix(g.Kind, jobKindPrefix) {
		return pollReply{status: http.StatusNotFound, body: map[string]any{"error": errorCode{Code: "SYS.1006",
			Description: "Resource not found", Details: "API job " + id + " does not exist"}}}, nil
	}
	if !g.Task.State.Final() {
		return pollReply{status: http.StatusAccepted, body: map[string]string{"location": jobLocation(r, id)}}, nil
	}
	status, body := s.jobResult(r.Context(), g)
	return pollReply{status: status, body: body}, nil
}

// pushWebHook posts a finished job's result to its X-Web-Hook, retrying
// a few times: the caller chose the hook instead of polling, so a lost
// push loses the result. The result is rendered as the job's caller
// sees it.
func (s *Server) pushWebHook(t model.Task) {
	g, ok := service.GroupOf(t)
	if !ok || t.WebHook == "" || !strings.HasPrefix(g.Kind, jobKindPrefix) {
		return
	}
	id := zid(t.ID)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, err := s.svc.AsRequester(context.Background(), t)
		if err != nil {
			s.log.Warn("zstack web hook: the job's caller", "job", id, "err", err)
			return
		}
		status, body := s.jobResult(ctx, g)
		raw, _ := json.Marshal(body)
		for attempt := 0; attempt < 3; attempt++ {
			req, err := http.NewRequestWithContext(s.closing, http.MethodPost, t.WebHook, bytes.NewReader(raw))
			if err != nil {
				s.log.Warn("zstack web hook", "job", id, "url", t.WebHook, "err", err)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Job-UUID", id)
			req.Header.Set("X-Job-Success", strconv.FormatBool(status == http.StatusOK))
			resp, err := s.hookClient.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode < 500 {
					return
				}
			}
			s.log.Warn("zstack web hook push failed", "job", id, "url", t.WebHook, "attempt", attempt+1, "err", err)
			select {
			case <-s.stop:
				return
			case <-time.After(time.Duration(attempt+1) * time.Second):
			}
		}
	}()
}

// pollReply carries its own status through wrap.
type pollReply struct {
	status int
	body   any
}

func (p pollReply) MarshalJSON() ([]byte, error) { return json.Marshal(p.body) }
