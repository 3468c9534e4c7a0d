package cloudtower

import (
	"testing"

	"github.com/kumo-cloud/kumo/internal/model"
)

func TestToTask(t *testing.T) {
	for _, tc := range []struct {
		in               model.Task
		status, errorMsg string
		progress         float64
	}{
		{model.Task{State: model.TaskQueued}, "PENDING", "", 0},
		{model.Task{State: model.TaskRunning, Progress: 40}, "EXECUTING", "", 0.4},
		{model.Task{State: model.TaskSucceeded, Progress: 90}, "SUCCESSED", "", 1},
		{model.Task{State: model.TaskFailed, Error: "host gone", ErrorCode: model.CodeUnavailable}, "FAILED", "host gone", 0},
		{model.Task{State: model.TaskCancelled}, "FAILED", "task cancelled", 0},
	} {
		got := toTask(tc.in)
		msg := ""
		if got.ErrorMessage != nil {
			msg = *got.ErrorMessage
		}
		if got.Status != tc.status || msg != tc.errorMsg || got.Progress != tc.progress {
			t.Errorf("%+v: got %s %q %v, want %s %q %v", tc.in, got.Status, msg, got.Progress, tc.status, tc.errorMsg, tc.progress)
		}
		if (got.ErrorMessage != nil) != (got.Status == "FAILED") {
			t.Errorf("%+v: error_message %v with status %s", tc.in, got.ErrorMessage, got.Status)
		}
	}
	if m := mutationOf("vm.start"); m != "startVm" {
		t.Errorf("mutationOf(vm.start) = %q", m)
	}
	if m := mutationOf("snapshot.create"); m != "createSnapshot" {
		t.Errorf("mutationOf(snapshot.create) = %q", m)
	}
}

func TestKumoSnapshotName(t *testing.T) {
	for _, name := range []string{"nightly", "sampe snapshot", "快照", "123", "a/b", " x "} {
		kn, desc := kumoSnapshotName(name)
		if !kumoName.MatchString(kn) {
			t.Errorf("%q: Kumo name %q is not valid", name, kn)
		}
		shown := snapshotName(model.Snapshot{Name: kn, Description: desc})
		if shown != name {
			t.Errorf("%q: shown back as %q", name, shown)
		}
		if kn2, _ := kumoSnapshotName(name); kn2 != kn {
			t.Errorf("%q: names differ between calls: %q, %q", name, kn, kn2)
		}
	}
}
