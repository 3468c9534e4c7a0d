package service

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/pki"
	"github.com/kumo-cloud/kumo/internal/store"
	"github.com/kumo-cloud/kumo/internal/task"
)

// ListHosts returns all hosts (needs host:read).
func (s *Service) ListHosts(ctx context.Context) ([]model.Host, error) {
	if err := Authorize(ctx, model.PermHostRead); err != nil {
		return nil, err
	}
	hosts, err := s.db.ListHosts(ctx)
	return s.disks.applyAll(hosts), err
}

// PublicHosts returns every host, to callers without a session: DBC
// shows its GPU nodes' configuration to anyone (its mining_nodes call
// needs no credentials). Nothing else may use it.
func (s *Service) PublicHosts(ctx context.Context) ([]model.Host, error) {
	return s.db.ListHosts(ctx)
}

// GetHost returns a host by id or name (needs host:read).
func (s *Service) GetHost(ctx context.Context, idOrName string) (model.Host, error) {
	if err := Authorize(ctx, model.PermHostRead); err != nil {
		return model.Host{}, err
	}
	h, err := s.db.GetHost(ctx, idOrName)
	return s.disks.apply(h), notFound(err, "host", idOrName)
}

// CreateJoinToken makes a one-time token for a new agent (admin only).
//
// remote says the agent runs on another machine; such a token is refused
// while the cluster address is a loopback one, because the agent would
// only ever dial itself.
func (s *Service) CreateJoinToken(ctx context.Context, pool string, ttl time.Duration, remote bool) (string, model.JoinToken, error) {
	if err := Authorize(ctx, model.PermHostUpdate); err != nil {
		return "", model.JoinToken{}, err
	}
	if remote && loopbackURL(s.cfg.ClusterAddress) {
		return "", model.JoinToken{}, model.Errorf(model.CodeConflict,
			"agents on other machines cannot reach the cluster listener at %s (loopback only): restart kumo server with "+
				"--cluster-listen 0.0.0.0:8443 --cluster-advertise <an address of this machine>, or ask for a token for an agent on this machine",
			s.cfg.ClusterAddress)
	}
	return s.createJoinToken(ctx, pool, ttl)
}

// ClusterAddress is the address join tokens send agents to.
func (s *Service) ClusterAddress() string { return s.cfg.ClusterAddress }

// loopbackURL reports whether an https://host:port address names this
// machine only.
func loopbackURL(addr string) bool {
	u, err := url.Parse(addr)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") || strings.HasSuffix(strings.ToLower(h), ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// CreateLocalJoinToken makes a join token for the agent that the server
// runs for its own host; it needs no caller because it never leaves the
// process.
func (s *Service) CreateLocalJoinToken(ctx context.Context) (string, error) {
	tok, _, err := s.createJoinToken(asControlPlane(ctx), model.DefaultPoolName, time.Minute)
	return tok, err
}

func (s *Service) createJoinToken(ctx context.Context, pool string, ttl time.Duration) (string, model.JoinToken, error) {
	if pool == "" {
		pool = model.DefaultPoolName
	}
	p, err := s.GetPool(ctx, pool)
	if err != nil {
		return "", model.JoinToken{}, err
	}
	if ttl <= 0 {
		ttl = time.Hour
	}
	secret := RandomSecret(32)
	t := model.JoinToken{ID: uuid.NewString(), SecretHash: hashToken(secret), PoolID: p.ID, CreatedAt: now(), ExpiresAt: now().Add(ttl)}
	if err := s.db.CreateJoinToken(ctx, t); err != nil {
		return "", t, err
	}
	enc := pki.JoinToken{Address: s.cfg.ClusterAddress, ID: t.ID, Secret: secret, CAFingerprint: s.ca.Fingerprint()}.Encode()
	return enc, t, nil
}

// Join admits a new agent: it checks and spends the token, registers the
// host and signs its certificate. The host's id is the certificate's
// common name and its fingerprint is pinned.
func (s *Service) Join(ctx context.Context, req hostlink.JoinRequest) (hostlink.JoinResponse, error) {
	denied := model.Errorf(model.CodeUnauthenticated, "join token is not valid, expired or already used")
	if err := validName("name", req.Name); err != nil {
		return hostlink.JoinResponse{}, err
	}
	tok, err := s.db.GetJoinToken(ctx, req.TokenID)
	if err != nil {
		return hostlink.JoinResponse{}, denied
	}
	if subtle.ConstantTimeCompare([]byte(tok.SecretHash), []byte(hashToken(req.TokenSecret))) != 1 ||
		now().After(tok.ExpiresAt) || !tok.UsedAt.IsZero() {
		return hostlink.JoinResponse{}, denied
	}
	hostID := uuid.NewString()
	certPEM, err := s.ca.Sign([]byte(req.CSR), hostID, pki.UnitAgent, nil)
	if err != nil {
		return hostlink.JoinResponse{}, model.Errorf(model.CodeInvalidArgument, "%v", err)
	}
	leaf, err := pki.VerifyChainTo(s.ca.Cert, [][]byte{pemBytes(certPEM)})
	if err != nil {
		return hostlink.JoinResponse{}, err
	}
	err = s.db.InTx(ctx, func(q store.Queries) error {
		if err := q.UseJoinToken(ctx, tok.ID, now().UnixMicro()); err != nil {
			return denied
		}
		h := model.Host{ID: hostID, Name: req.Name, PoolID: tok.PoolID, State: model.HostOffline, Enabled: true, Address: req.Address,
			CertFingerprint: pki.Fingerprint(leaf), CreatedAt: now()}
		return conflict(q.CreateHost(ctx, h), "a host named %q already exists", req.Name)
	})
	if err != nil {
		return hostlink.JoinResponse{}, err
	}
	s.log.Info("host joined", "host", hostID, "name", req.Name)
	return hostlink.JoinResponse{HostID: hostID, Cert: string(certPEM), CA: string(s.ca.PEM)}, nil
}

// Heartbeat records an agent's report: the host is online, its capacity
// and address are current, and its VMs' observed states are stored.
func (s *Service) Heartbeat(ctx context.Context, fingerprint string, rep hostlink.HostReport) (hostlink.HeartbeatResponse, error) {
	h, err := s.db.GetHost(ctx, rep.HostID)
	if err != nil || subtle.ConstantTimeCompare([]byte(h.CertFingerprint), []byte(fingerprint)) != 1 {
		return hostlink.HeartbeatResponse{}, model.Errorf(model.CodePermissionDenied, "certificate does not belong to host %s", rep.HostID)
	}
	rebooted := !h.BootedAt.IsZero() && rep.BootedAt.Sub(h.BootedAt) > bootTimeJitter
	h.Address, h.Accel, h.CPUs, h.MemoryBytes = rep.Address, rep.Accel, rep.CPUs, rep.MemoryBytes
	h.DiskBytes, h.DiskFreeBytes, h.DataDir, h.LastHeartbeat = rep.DiskBytes, rep.DiskFreeBytes, rep.DataDir, now()
	h.CPUUsage, h.MemoryAvailableBytes, h.BootedAt = rep.CPUUsage, rep.MemoryAvailableBytes, rep.BootedAt
	h.GPUs = rep.GPUs
	// Before the row: on a full disk the row cannot be stored, and the
	// full disk is what placement must know about.
	s.disks.record(h.ID, rep.DiskBytes, rep.DiskFreeBytes)
	s.usage.record(h.ID, rep.VMs, now())
	if err := s.db.UpdateHostHeartbeat(ctx, h); err != nil {
		return hostlink.HeartbeatResponse{}, err
	}
	if err := s.recordObserved(ctx, h.ID, rep); err != nil {
		return hostlink.HeartbeatResponse{}, err
	}
	if rebooted {
		s.log.Info("host booted: starting its auto-start VMs", "host", h.Name, "booted_at", rep.BootedAt)
		s.autoStart(ctx, h)
	}
	return hostlink.HeartbeatResponse{IntervalMS: s.cfg.HeartbeatInterval.Milliseconds()}, nil
}

// bootTimeJitter absorbs the wobble of the kernel's boot time as /proc
// reports it (whole seconds, derived from clocks that drift apart).
const bootTimeJitter = 2 * time.Second

// autoStart starts the stopped VMs of a host that has just booted whose
// owners asked for it (auto_start); their start tasks run as "auto-start".
func (s *Service) autoStart(ctx context.Context, h model.Host) {
	vms, err := s.db.ListVMsOnHost(ctx, h.ID)
	if err != nil {
		s.log.Error("auto-start: list VMs", "host", h.Name, "err", err)
		return
	}
	for _, vm := range vms {
		if !vm.AutoStart || vm.Status != model.PowerStopped {
			continue
		}
		_, err := s.tasks.Submit(ctx, task.Spec{Kind: kindVMStart, TargetType: "vm", TargetID: vm.ID, Requester: "auto-start"})
		if err != nil {
			s.log.Error("auto-start VM", "vm", vm.Name, "host", h.Name, "err", err)
		}
	}
}

// recordObserved stores the states an agent reports for the VMs placed on
// its host. A VM the agent does not report is stopped unless it is still
// being created.
func (s *Service) recordObserved(ctx context.Context, hostID string, rep hostlink.HostReport) error {
	statuses := rep.VMs
	vms, err := s.db.ListVMsOnHost(ctx, hostID)
	if err != nil {
		return err
	}
	seen := make(map[string]hostlink.VMStatus, len(statuses))
	for _, st := range statuses {
		seen[st.ID] = st
	}
	for _, vm := range vms {
		st, ok := seen[vm.ID]
		if st.Busy {
			continue
		}
		if !ok {
			if vm.Status == model.PowerCreating {
				continue
			}
			// The host has no files for it: nothing runs.
			st = hostlink.VMStatus{ID: vm.ID, State: hypervisor.StateStopped, Seq: rep.Seq}
		}
		if err := s.observe(ctx, vm, st); err != nil {
			return err
		}
	}
	return nil
}

// observe stores one VM's observed state. A VM that stopped while no task
// was working on it was shut down from inside: the desired state follows,
// so it is not started again behind the user's back.
//
// Observations older than the one stored (lower Seq) are dropped: a
// heartbeat read before a change may arrive after it.
func (s *Service) observe(ctx context.Context, vm model.VM, st hostlink.VMStatus) error {
	status := observedPower(st.State)
	if status == model.PowerCrashed && vm.Status != model.PowerCrashed {
		// The crash, its reason and the desired state it leaves are
		// stored with the observation, so nobody reads "crashed" without
		// them.
		return s.observeCrash(ctx, vm, st)
	}
	applied, err := s.db.RecordVMObservation(ctx, vm.ID, vm.HostID, status, st.Accel, st.Seq, now().UnixMicro())
	if err != nil || !applied || status != model.PowerStopped {
		return err
	}
	cur, err := s.db.GetVM(ctx, vm.ID)
	if err != nil || cur.PowerState == model.PowerStopped {
		return nil
	}
	active, err := s.db.ListTasks(ctx, store.TaskFilter{TargetID: vm.ID, States: []model.TaskState{model.TaskQueued, model.TaskRunning}, Limit: 1})
	if err != nil || len(active) > 0 {
		return err
	}
	return notFound(s.db.SetVMPowerState(ctx, vm.ID, model.PowerStopped, now().UnixMicro()), "VM", vm.ID)
}

func observedPower(st hypervisor.PowerState) model.PowerState {
	switch st {
	case hypervisor.StateRunning:
		return model.PowerRunning
	case hypervisor.StatePaused:
		return model.PowerPaused
	case hypervisor.StateStopped, hypervisor.StateShutdown:
		return model.PowerStopped
	case hypervisor.StateCrashed:
		return model.PowerCrashed
	}
	return model.PowerUnknown
}

// watchHosts marks hosts that stopped heartbeating offline and their VMs
// lost.
func (s *Service) watchHosts() {
	defer s.wg.Done()
	tick := time.NewTicker(min(time.Second, s.cfg.HeartbeatInterval))
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
		ctx := context.Background()
		s.restartCrashed(ctx)
		ids, err := s.db.MarkHostsOffline(ctx, now().Add(-s.cfg.HostOfflineAfter).UnixMicro())
		if err != nil {
			s.log.Error("check host heartbeats", "err", err)
			continue
		}
		for _, id := range ids {
			s.log.Warn("host missed its heartbeats: offline", "host", id)
			vms, err := s.db.ListVMsOnHost(ctx, id)
			if err != nil {
				s.log.Error("list VMs of offline host", "host", id, "err", err)
				continue
			}
			for _, vm := range vms {
				if err := s.db.SetVMStatus(ctx, vm.ID, model.PowerLost, now().UnixMicro()); err != nil {
					s.log.Error("mark VM lost", "vm", vm.ID, "err", err)
				}
			}
		}
	}
}

// agent returns a client for the host's agent, refusing offline hosts.
// Inside a task it waits instead, up to AgentWait, for an offline host to
// come back and for an agent that refuses connections to listen again
// (its address looked up anew), since a task runs whether or not anyone
// waits on it: a controller restarted before its agent, or an agent
// restarting, must delay the task, not fail it.
func (s *Service) agent(ctx context.Context, hostID string) (hostlink.Agent, error) {
	inTask := task.RunOf(ctx) != nil
	h, err := s.heardHost(ctx, hostID)
	if err != nil {
		return nil, err
	}
	if inTask && (h.State != model.HostOnline || h.Address == "") {
		h, err = s.waitOnline(ctx, h)
		if err != nil {
			return nil, err
		}
	}
	if h.State != model.HostOnline || h.Address == "" {
		return nil, model.Errorf(model.CodeUnavailable, "host %s is %s", h.Name, h.State)
	}
	s.agentsMu.Lock()
	defer s.agentsMu.Unlock()
	c := s.agents[h.ID]
	if c == nil || c.address != h.Address || c.fingerprint != h.CertFingerprint {
		if c != nil {
			c.client.Close()
		}
		c = &cachedAgent{address: h.Address, fingerprint: h.CertFingerprint,
			client: hostlink.NewAgentClient(h.Address, s.cert, s.ca.Cert, h.CertFingerprint)}
		s.agents[h.ID] = c
	}
	if !inTask {
		return c.client, nil
	}
	return c.client.WithRedial(s.cfg.AgentWait, func(ctx context.Context) (string, error) {
		h, err := s.db.GetHost(ctx, hostID)
		return h.Address, err
	}), nil
}

// waitOnline waits up to AgentWait for an offline host to report again.
func (s *Service) waitOnline(ctx context.Context, h model.Host) (model.Host, error) {
	deadline := now().Add(s.cfg.AgentWait)
	for h.State != model.HostOnline || h.Address == "" {
		if !now().Before(deadline) {
			return h, model.Errorf(model.CodeUnavailable, "host %s is %s and did not come back within %s", h.Name, h.State, s.cfg.AgentWait)
		}
		select {
		case <-ctx.Done():
			return h, ctx.Err()
		case <-s.stop:
			return h, model.Errorf(model.CodeUnavailable, "the controller is stopping")
		case <-time.After(250 * time.Millisecond):
		}
		var err error
		if h, err = s.db.GetHost(ctx, h.ID); err != nil {
			return h, notFound(err, "host", h.ID)
		}
	}
	return h, nil
}

// heardHost returns a host as its agent last reported it. Right after
// the controller starts, the stored address may be stale (the agent
// restarted too, on another port): a host not heard from since the start
// is waited for, up to the time after which it would be offline, so a
// task resumed at start reaches the agent where it is now.
func (s *Service) heardHost(ctx context.Context, hostID string) (model.Host, error) {
	deadline := s.startedAt.Add(s.cfg.HostOfflineAfter)
	for {
		h, err := s.db.GetHost(ctx, hostID)
		if err != nil {
			return h, notFound(err, "host", hostID)
		}
		if !h.LastHeartbeat.Before(s.startedAt) || h.State != model.HostOnline || !now().Before(deadline) {
			return h, nil
		}
		select {
		case <-ctx.Done():
			return h, ctx.Err()
		case <-s.stop:
			return h, model.Errorf(model.CodeUnavailable, "the controller is stopping")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// SetHostPool moves a host to a pool and enables or disables it for new
// VMs (needs host:update and pool:update). A host with VMs cannot change
// pools, since its VMs would silently change pools with it.
func (s *Service) SetHostPool(ctx context.Context, host, pool string, enabled bool) (model.Host, error) {
	if err := Authorize(ctx, model.PermHostUpdate); err != nil {
		return model.Host{}, err
	}
	if err := Authorize(ctx, model.PermPoolUpdate); err != nil {
		return model.Host{}, err
	}
	h, err := s.GetHost(ctx, host)
	if err != nil {
		return h, err
	}
	p, err := s.GetPool(ctx, pool)
	if err != nil {
		return h, err
	}
	if p.ID != h.PoolID {
		vms, err := s.db.ListVMsOnHost(ctx, h.ID)
		if err != nil {
			return h, err
		}
		if len(vms) > 0 {
			return h, model.Errorf(model.CodeConflict, "host %s still has %d VMs; move or delete them first", h.Name, len(vms))
		}
	}
	h.PoolID, h.Enabled = p.ID, enabled
	return h, notFound(s.db.SetHostPool(ctx, h.ID, p.ID, enabled), "host", host)
}

// OpenImage gives an agent an image's content.
func (s *Service) OpenImage(ctx context.Context, fingerprint, id string) (io.ReadCloser, int64, error) {
	img, err := s.db.GetImage(ctx, id)
	if err != nil {
		return nil, 0, notFound(err, "image", id)
	}
	if img.State != model.ImageReady {
		return nil, 0, model.Errorf(model.CodeConflict, "image %s is %s", img.Name, img.State)
	}
	f, err := os.Open(s.imagePath(img.ID))
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, model.Errorf(model.CodeNotFound, "image %s has no content on the controller", img.Name)
	}
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

func (s *Service) imagePath(id string) string { return filepath.Join(s.cfg.DataDir, "images", id) }

// HostUsage is what the VMs placed on a host claim.
type HostUsage struct {
	VMs       int
	Cores     int
	MemoryMiB int64
}

// HostUsage returns, per host id, what its VMs claim (needs host:read).
func (s *Service) HostUsage(ctx context.Context) (map[string]HostUsage, error) {
	if err := Authorize(ctx, model.PermHostRead); err != nil {
		return nil, err
	}
	alloc, err := s.db.HostAllocations(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]HostUsage, len(alloc))
	for id, a := range alloc {
		out[id] = HostUsage{VMs: a.VMs, Cores: a.Cores, MemoryMiB: a.MemoryMiB}
	}
	return out, nil
}
