package service

import (
	"context"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Census is what /metrics reports of the platform as a whole, read at
// each scrape.
type Census struct {
	Hosts []HostCensus
	// VMs counts the VMs by observed state.
	VMs []store.VMCount
	// Tasks counts the tasks by kind and state.
	Tasks []store.TaskCount
}

// HostCensus is one host: what it has, what its VMs ask of it, and how
// long ago it last reported.
type HostCensus struct {
	Host model.Host
	Use  store.HostUse
	// HeartbeatAge is the time since the host's last heartbeat.
	HeartbeatAge time.Duration
}

// Census counts hosts, VMs and tasks (needs host:read: it shows every
// host and, by state, every tenant's VMs).
func (s *Service) Census(ctx context.Context) (Census, error) {
	if err := Authorize(ctx, model.PermHostRead); err != nil {
		return Census{}, err
	}
	var c Census
	hosts, err := s.db.ListHosts(ctx)
	if err != nil {
		return c, err
	}
	uses, err := s.db.SumVMsByHost(ctx)
	if err != nil {
		return c, err
	}
	byHost := make(map[string]store.HostUse, len(uses))
	for _, u := range uses {
		byHost[u.HostID] = u
	}
	t := now()
	for _, h := range s.disks.applyAll(hosts) {
		hc := HostCensus{Host: h, Use: byHost[h.ID]}
		if !h.LastHeartbeat.IsZero() {
			hc.HeartbeatAge = max(t.Sub(h.LastHeartbeat), 0)
		}
		c.Hosts = append(c.Hosts, hc)
	}
	if c.VMs, err = s.db.CountVMsByStatus(ctx); err != nil {
		return c, err
	}
	c.Tasks, err = s.db.CountTasks(ctx)
	return c, err
}

// AuthorizeMetrics says whether the caller may read /metrics, which shows
// what Census shows (needs host:read).
func (s *Service) AuthorizeMetrics(ctx context.Context) error {
	return Authorize(ctx, model.PermHostRead)
}
