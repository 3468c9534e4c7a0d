package dbc

import (
	"testing"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

func TestGiB(t *testing.T) {
	for b, want := range map[int64]string{
		1 << 30: "1.0G", 2 << 30: "2.0G", 1 << 29: "0.5G", 1 << 28: "0.25G", 1 << 27: "0.125G", 0: "0.0G",
		3 << 29: "1.5G", 8219000000: "7.655G",
	} {
		if got := gib(b); got != want {
			t.Errorf("gib(%d) = %q, want %q", b, got, want)
		}
	}
}

func TestStatusAfter(t *testing.T) {
	stopped := model.VM{Status: model.PowerStopped}
	running := model.VM{Status: model.PowerRunning}
	for _, tc := range []struct {
		action string
		vm     model.VM
		want   string
	}{
		{service.ActionStart, stopped, "starting"},
		{service.ActionStart, running, "running"},
		{service.ActionStop, running, "stopping"},
		{service.ActionPowerOff, stopped, "closed"},
		{service.ActionReboot, running, "restarting"},
	} {
		if got := statusAfter(tc.action, tc.vm); got != tc.want {
			t.Errorf("statusAfter(%s, %s) = %q, want %q", tc.action, tc.vm.Status, got, tc.want)
		}
	}
}
