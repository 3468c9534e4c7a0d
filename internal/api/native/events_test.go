package native

import (
	"testing"

	"github.com/kumo-cloud/kumo/internal/model"
)

// TestEventHubNeverBlocks: the task engine's callback returns at once
// even when no subscriber reads; each keeps the oldest tasks that fit,
// and an unsubscribed stream gets nothing more.
func TestEventHubNeverBlocks(t *testing.T) {
	var h eventHub
	a, b := h.subscribe(), h.subscribe()
	for i := range 100 {
		h.publish(model.Task{ID: string(rune('a' + i%26))})
	}
	for _, ch := range []chan model.Task{a, b} {
		if len(ch) != cap(ch) {
			t.Errorf("a subscriber holds %d of %d", len(ch), cap(ch))
		}
		if first := <-ch; first.ID != "a" {
			t.Errorf("first task %q, want the oldest", first.ID)
		}
	}
	h.unsubscribe(a)
	h.publish(model.Task{ID: "after"})
	if len(a) != cap(a)-1 || len(b) != cap(b) {
		t.Errorf("after unsubscribing a: a holds %d, b %d", len(a), len(b))
	}
}
