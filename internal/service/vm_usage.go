package service

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// vmUsages keeps the latest two usage samples of every running VM, from
// heartbeats, in memory: they are fresh every interval, so storing them
// would only cost writes (a restarted controller has them again within a
// heartbeat).
type vmUsages struct {
	mu   sync.Mutex
	byVM map[string]usageEntry
}

type usageSample struct {
	at time.Time
	u  hypervisor.Usage
}

type usageEntry struct {
	host      string
	prev, cur usageSample
}

// record takes the usage of the VMs of one host's heartbeat; VMs of the
// host that report none (stopped, or gone) are dropped.
func (v *vmUsages) record(hostID string, vms []hostlink.VMStatus, at time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.byVM == nil {
		v.byVM = map[string]usageEntry{}
	}
	seen := map[string]bool{}
	for _, st := range vms {
		if st.Busy {
			seen[st.ID] = true // being changed: keep what we had
		}
		if st.Usage == nil {
			continue
		}
		seen[st.ID] = true
		e := v.byVM[st.ID]
		// A counter that went back means a new process (a restart, or a
		// migration to another host): the old sample says nothing of it.
		if e.host == hostID && st.Usage.CPUSeconds >= e.cur.u.CPUSeconds {
			e.prev = e.cur
		} else {
			e.prev = usageSample{}
		}
		e.host, e.cur = hostID, usageSample{at: at, u: *st.Usage}
		v.byVM[st.ID] = e
	}
	for id, e := range v.byVM {
		if e.host == hostID && !seen[id] {
			delete(v.byVM, id)
		}
	}
}

func (e usageEntry) usage(id string) model.VMUsage {
	u := e.cur.u
	out := model.VMUsage{VMID: id, HostID: e.host, SampledAt: e.cur.at, CPUSeconds: u.CPUSeconds,
		MemoryRSSBytes: u.MemoryRSSBytes, DiskReadBytes: u.DiskReadBytes, DiskWriteBytes: u.DiskWriteBytes,
		DiskReadOps: u.DiskReadOps, DiskWriteOps: u.DiskWriteOps, NetMeasured: u.NetMeasured,
		NetRxBytes: u.NetRxBytes, NetTxBytes: u.NetTxBytes}
	if dt := e.cur.at.Sub(e.prev.at).Seconds(); !e.prev.at.IsZero() && dt > 0 {
		out.CPUPercent = (u.CPUSeconds - e.prev.u.CPUSeconds) / dt * 100
	}
	return out
}

// VMUsage returns what a running VM uses, as its host last reported
// (needs vm:read on the VM).
func (s *Service) VMUsage(ctx context.Context, idOrName string) (model.VMUsage, error) {
	vm, err := s.reachVM(ctx, idOrName, model.PermVMRead)
	if err != nil {
		return model.VMUsage{}, err
	}
	s.usage.mu.Lock()
	e, ok := s.usage.byVM[vm.ID]
	s.usage.mu.Unlock()
	if !ok {
		if vm.Status != model.PowerRunning && vm.Status != model.PowerPaused {
			return model.VMUsage{}, model.Errorf(model.CodeConflict, "VM %s is %s: only a running VM has usage", vm.Name, vm.Status)
		}
		return model.VMUsage{}, model.Errorf(model.CodeUnavailable, "VM %s has no usage yet: its host has not reported it since it started", vm.Name)
	}
	return e.usage(vm.ID), nil
}

// VMUsages returns the usage of every VM that has some, by VM id, for
// the metrics (needs host:read, as the census does).
func (s *Service) VMUsages(ctx context.Context) ([]model.VMUsage, error) {
	if err := Authorize(ctx, model.PermHostRead); err != nil {
		return nil, err
	}
	s.usage.mu.Lock()
	out := make([]model.VMUsage, 0, len(s.usage.byVM))
	for id, e := range s.usage.byVM {
		out = append(out, e.usage(id))
	}
	s.usage.mu.Unlock()
	// Names for the labels: the VMs that run are the ones with usage.
	vms, err := s.db.ListVMsFiltered(ctx, store.VMFilter{Statuses: []string{string(model.PowerRunning), string(model.PowerPaused)}})
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(vms))
	for _, v := range vms {
		names[v.ID] = v.Name
	}
	for i := range out {
		out[i].VMName = names[out[i].VMID]
	}
	sort.Slice(out, func(i, j int) bool { return out[i].VMID < out[j].VMID })
	return out, nil
}
