package cloudtower

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/kumo-cloud/kumo/internal/model"
)

// The SDK's models require these fields; e2e/cloudtower_sdk_test.go
// checks whole replies with the SDK itself, these the pieces.

func TestErrorBodyHasPathAndStatus(t *testing.T) {
	r := httptest.NewRequest("POST", Prefix+"/delete-vm", nil)
	w := httptest.NewRecorder()
	writeError(w, r, "delete-vm", model.NotFound("VM", "x"))
	var e map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if w.Code != 404 || e["status"] != float64(404) || e["path"] != Prefix+"/delete-vm" || e["message"] == "" {
		t.Errorf("HTTP %d %s", w.Code, w.Body)
	}
}

func TestTaskRequiredFields(t *testing.T) {
	raw, _ := json.Marshal(toTask(model.Task{ID: "t", State: model.TaskRunning}))
	var m map[string]any
	json.Unmarshal(raw, &m)
	for _, f := range []string{"args", "snapshot", "steps", "description", "internal", "progress", "status"} {
		if m[f] == nil {
			t.Errorf("task %s has no %s", raw, f)
		}
	}
}

func TestEmbeddedFieldsAreFilterable(t *testing.T) {
	s := shapeFor[vmSnapshot]()
	for _, f := range []string{"vcpu", "memory", "local_id", "name"} {
		if s.fields[f] == nil {
			t.Errorf("vmSnapshot field %s is not in its where shape", f)
		}
	}
}
