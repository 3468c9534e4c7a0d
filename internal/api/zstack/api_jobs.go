package zstack

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// API jobs are the results of asynchronous calls, kept in memory for the
// poll URL. The document lets a poll URL expire (404) when it is not
// read for long; Kumo keeps a job for jobTTL after it finished. The work
// itself is durable where it matters: VM operations are Kumo tasks that
// survive a restart, only their poll URL does not.
const jobTTL = 48 * time.Hour

type apiJob struct {
	owner    string // the Kumo user id of the caller
	done     bool
	status   int
	body     any
	finished time.Time
}

type jobs struct {
	mu   sync.Mutex
	byID map[string]*apiJob
}

func newJobs() *jobs { return &jobs{byID: map[string]*apiJob{}} }

// reserve claims a job uuid; false if it was taken.
func (j *jobs) reserve(id, owner string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := time.Now()
	for k, v := range j.byID {
		if v.done && now.Sub(v.finished) > jobTTL {
			delete(j.byID, k)
		}
	}
	if _, taken := j.byID[id]; taken {
		return false
	}
	j.byID[id] = &apiJob{owner: owner}
	return true
}

func (j *jobs) release(id string) {
	j.mu.Lock()
	delete(j.byID, id)
	j.mu.Unlock()
}

func (j *jobs) get(id string) (apiJob, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	v, ok := j.byID[id]
	if !ok {
		return apiJob{}, false
	}
	return *v, true
}

// finishJob records a job's result and pushes it to the web hook, if the
// caller gave one.
func (s *Server) finishJob(id, hook string, res any, err error) {
	status, body := http.StatusOK, res
	if err != nil {
		var e errorCode
		_, e = zstackError(err)
		status, body = http.StatusServiceUnavailable, map[string]any{"error": e}
		if model.CodeOf(err) == model.CodeInternal {
			s.log.Error("zstack API job failed", "job", id, "err", err)
		}
	}
	if body == nil {
		body = struct{}{}
	}
	s.jobs.mu.Lock()
	if j, ok := s.jobs.byID[id]; ok {
		j.done, j.status, j.body, j.finished = true, status, body, time.Now()
	}
	s.jobs.mu.Unlock()
	if hook != "" {
		s.pushWebHook(id, hook, status == http.StatusOK, body)
	}
}

// pushWebHook POSTs a job's result, retrying a few times: the caller
// chose the hook instead of polling, so a lost push loses the result.
func (s *Server) pushWebHook(id, hook string, success bool, body any) {
	raw, _ := json.Marshal(body)
	for attempt := 0; attempt < 3; attempt++ {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, hook, bytes.NewReader(raw))
		if err != nil {
			s.log.Warn("zstack web hook", "job", id, "url", hook, "err", err)
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Job-UUID", id)
		req.Header.Set("X-Job-Success", strconv.FormatBool(success))
		resp, err := s.hookClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return
			}
		}
		s.log.Warn("zstack web hook push failed", "job", id, "url", hook, "attempt", attempt+1, "err", err)
		select {
		case <-s.stop:
			return
		case <-time.After(time.Duration(attempt+1) * time.Second):
		}
	}
}

// pollJob is GET /api-jobs/{uuid}: 202 and the same location while the
// job runs, then its result. Only the caller who started it may read it.
func (s *Server) pollJob(r *http.Request) (any, error) {
	id := r.PathValue("uuid")
	j, ok := s.jobs.get(id)
	if !ok || (j.owner != callerOf(r.Context()).UserID && !callerOf(r.Context()).admin()) {
		return pollReply{status: http.StatusNotFound, body: map[string]any{"error": errorCode{Code: "SYS.1006",
			Description: "Resource not found", Details: "API job " + id + " does not exist or has expired"}}}, nil
	}
	if !j.done {
		return pollReply{status: http.StatusAccepted, body: map[string]string{"location": jobLocation(r, id)}}, nil
	}
	return pollReply{status: j.status, body: j.body}, nil
}

// pollReply carries its own status through wrap.
type pollReply struct {
	status int
	body   any
}

func (p pollReply) MarshalJSON() ([]byte, error) { return json.Marshal(p.body) }
