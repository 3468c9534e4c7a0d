package service

import (
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// The CPU share comes from two samples of one process: a counter that
// went back (a restarted QEMU) or a VM on another host starts over, and
// a VM its host no longer reports is dropped unless it was busy.
func TestVMUsageSamples(t *testing.T) {
	var v vmUsages
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	report := func(host string, at time.Duration, vms ...hostlink.VMStatus) {
		v.record(host, vms, t0.Add(at))
	}
	cpu := func(s float64) *hypervisor.Usage { return &hypervisor.Usage{CPUSeconds: s} }
	pct := func(id string) float64 { return v.byVM[id].usage(id).CPUPercent }

	report("h1", 0, hostlink.VMStatus{ID: "a", Usage: cpu(10)})
	if p := pct("a"); p != 0 {
		t.Fatalf("one sample: %v%%", p)
	}
	report("h1", 2*time.Second, hostlink.VMStatus{ID: "a", Usage: cpu(11)})
	if p := pct("a"); p != 50 {
		t.Fatalf("1 s of CPU in 2 s: %v%%, want 50", p)
	}
	report("h1", 4*time.Second, hostlink.VMStatus{ID: "a", Usage: cpu(0.5)})
	if p := pct("a"); p != 0 {
		t.Fatalf("after a restart: %v%%, want 0", p)
	}
	report("h2", 6*time.Second, hostlink.VMStatus{ID: "a", Usage: cpu(3)})
	if e := v.byVM["a"]; e.host != "h2" || pct("a") != 0 {
		t.Fatalf("after a migration: %+v", e)
	}
	report("h2", 8*time.Second, hostlink.VMStatus{ID: "a", Busy: true})
	if _, ok := v.byVM["a"]; !ok {
		t.Fatal("a busy VM lost its usage")
	}
	report("h1", 8*time.Second)
	if _, ok := v.byVM["a"]; !ok {
		t.Fatal("another host's report dropped the VM")
	}
	report("h2", 10*time.Second)
	if _, ok := v.byVM["a"]; ok {
		t.Fatal("a VM its host no longer reports kept its usage")
	}
}
