package service

import (
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// seenDisk is a host's disk figures as its latest heartbeat reported
// them.
type seenDisk struct {
	total, free int64
	at          time.Time
}

// hostDisks keeps every host's latest disk figures in memory beside the
// hosts table. When the database's disk is full the heartbeat cannot be
// stored, and placement would go on with the free space of before the
// disk filled; with these it sees the disk full (and, once space is
// freed, free again) within a heartbeat.
type hostDisks struct {
	mu     sync.Mutex
	byHost map[string]seenDisk
}

func (d *hostDisks) record(hostID string, total, free int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.byHost == nil {
		d.byHost = map[string]seenDisk{}
	}
	d.byHost[hostID] = seenDisk{total: total, free: free, at: now()}
}

// apply gives h the disk figures of its latest heartbeat if they are
// newer than the row's.
func (d *hostDisks) apply(h model.Host) model.Host {
	d.mu.Lock()
	seen, ok := d.byHost[h.ID]
	d.mu.Unlock()
	if ok && seen.at.After(h.LastHeartbeat) {
		h.DiskBytes, h.DiskFreeBytes = seen.total, seen.free
	}
	return h
}

func (d *hostDisks) applyAll(hosts []model.Host) []model.Host {
	for i := range hosts {
		hosts[i] = d.apply(hosts[i])
	}
	return hosts
}

// forget drops the figures of a removed host.
func (d *hostDisks) forget(hostID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.byHost, hostID)
}
