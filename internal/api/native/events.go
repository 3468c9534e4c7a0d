package native

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/api/httpstatus"
	"github.com/kumo-cloud/kumo/internal/httpguard"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// GET /v1/events is a Server-Sent Events stream for the web UI: each
// task that finishes, and for a task on a VM the VM's state after it.
// Each subscriber gets what it may see: the service is asked, as the
// subscriber, for the task and the VM. State changes no task makes (a
// crash, a lost host) are not sent; the UI reads them from the lists.

// eventKeepalive is how often an idle stream gets a comment line, which
// also rechecks the subscriber's session.
var eventKeepalive = 15 * time.Second

// eventHub fans finished tasks out to the open streams.
type eventHub struct {
	// once registers publish with the task engine at the first stream.
	once sync.Once
	mu   sync.Mutex
	subs map[chan model.Task]struct{}
}

func (h *eventHub) subscribe() chan model.Task {
	ch := make(chan model.Task, 64)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[chan model.Task]struct{}{}
	}
	h.subs[ch] = struct{}{}
	return ch
}

func (h *eventHub) unsubscribe(ch chan model.Task) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, ch)
}

// publish never blocks (the task engine calls it): a subscriber too slow
// to take 64 pending tasks misses the newest ones.
func (h *eventHub) publish(t model.Task) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- t:
		default:
		}
	}
}

// streamEvents answers GET /v1/events.
func (s *Server) streamEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	httpguard.ExtendWrite(r.Context(), 0) // the stream lasts until the client goes
	s.events.once.Do(func() { s.svc.OnTaskFinished(s.events.publish) })
	ch := s.events.subscribe()
	defer s.events.unsubscribe(ch)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	send := func(ev api.Event, id string) error {
		raw, _ := json.Marshal(ev)
		if _, err := fmt.Fprintf(w, "event: %s\nid: %s\ndata: %s\n\n", ev.Type, id, raw); err != nil {
			return err
		}
		return rc.Flush()
	}
	fmt.Fprint(w, ": kumo events\n\n")
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(eventKeepalive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if _, _, err := s.svc.Authenticate(r.Context(), bearerToken(r)); err != nil {
				fmt.Fprintf(w, "event: end\ndata: %s\n\n", mustJSON(api.Error{Error: api.ErrorDetail{Code: string(model.CodeOf(err)), Message: model.PublicMessage(err)}}))
				rc.Flush()
				return
			}
			if _, err := fmt.Fprint(w, ":\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case t := <-ch:
			// Asked as the subscriber: what it may not see is not found.
			seen, err := s.svc.GetTask(r.Context(), t.ID)
			if err != nil {
				if model.CodeOf(err) != model.CodeNotFound {
					httpstatus.LogFailure(s.log, "event stream", err)
				}
				continue
			}
			at := taskToAPI(seen)
			if send(api.Event{Type: "task", Task: &at}, seen.ID) != nil {
				return
			}
			if seen.TargetType != "vm" {
				continue
			}
			if vm, err := s.svc.GetVM(r.Context(), seen.TargetID); err == nil {
				av := vmToAPI(vm)
				if send(api.Event{Type: "vm", VM: &av}, seen.ID) != nil {
					return
				}
			}
		}
	}
}

func mustJSON(v any) []byte {
	raw, _ := json.Marshal(v)
	return raw
}
