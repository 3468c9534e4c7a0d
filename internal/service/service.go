// Package service is the only place that changes Kumo's state. Every API
// dialect, the CLI and the web UI end up here. Methods take a context that
// carries the caller (see WithPrincipal) and return typed *model.Error
// failures that each dialect maps to its own format.
package service

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/pki"
	"github.com/kumo-cloud/kumo/internal/storage"
	"github.com/kumo-cloud/kumo/internal/store"
	"github.com/kumo-cloud/kumo/internal/task"
)

// Config tunes the control plane.
type Config struct {
	DataDir string
	// ClusterAddress is the https address agents use to reach the cluster
	// listener; it goes into join tokens.
	ClusterAddress string
	SessionTTL     time.Duration
	// HeartbeatInterval is how often agents report; a host that has not
	// reported for HostOfflineAfter is offline and its VMs lost.
	HeartbeatInterval time.Duration
	HostOfflineAfter  time.Duration
	// AgentWait is how long a task waits for an agent it cannot reach
	// (host offline, connection refused) before it fails with
	// unavailable. Requests people wait on do not wait.
	AgentWait time.Duration
	// MemoryOvercommit scales host memory for placement (1 = none).
	MemoryOvercommit float64
	// StopTimeout is how long a graceful stop waits for the guest.
	StopTimeout time.Duration
	// MaxImageBytes bounds an image upload.
	MaxImageBytes int64
	// RunSampleInterval is how often billing samples which VMs run.
	RunSampleInterval time.Duration
	// Logins throttles failed logins per name and per source address
	// (login_throttle.go); zero fields take the defaults.
	Logins LoginThrottleConfig
}

func (c *Config) setDefaults() {
	if c.SessionTTL == 0 {
		c.SessionTTL = 24 * time.Hour
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = 5 * time.Second
	}
	if c.HostOfflineAfter == 0 {
		c.HostOfflineAfter = 3 * c.HeartbeatInterval
	}
	if c.AgentWait == 0 {
		c.AgentWait = max(time.Minute, 2*c.HostOfflineAfter)
	}
	if c.MemoryOvercommit == 0 {
		c.MemoryOvercommit = 1
	}
	if c.StopTimeout == 0 {
		c.StopTimeout = 60 * time.Second
	}
	if c.MaxImageBytes == 0 {
		c.MaxImageBytes = 64 << 30
	}
	if c.RunSampleInterval == 0 {
		c.RunSampleInterval = 5 * time.Second
	}
}

// ImageProber checks that an uploaded file is a usable image (storage's
// qemu-img implementation in production).
type ImageProber interface {
	ProbeUpload(ctx context.Context, path string) (storage.ImageInfo, error)
}

// Service is the control plane's state machine.
type Service struct {
	cfg    Config
	db     *store.DB
	tasks  *task.Engine
	log    *slog.Logger
	ca     *pki.CA
	cert   tls.Certificate // the controller's own, for calling agents
	prober ImageProber
	logins *loginThrottle

	agentsMu sync.Mutex
	agents   map[string]*cachedAgent // by host id

	// held are sessions opened while the database's disk was full.
	held heldSessions
	// disks are the hosts' latest disk figures, stored or not.
	disks hostDisks
	// usage is the running VMs' latest counters, from heartbeats.
	usage vmUsages

	// startedAt is when Start ran: an agent not heard from since may
	// have moved (a new address, a restarted agent) while the
	// controller was down.
	startedAt time.Time

	stop chan struct{}
	wg   sync.WaitGroup
}

type cachedAgent struct {
	address, fingerprint string
	client               *hostlink.AgentClient
}

// New builds the service. Call Start to resume tasks and watch hosts.
func New(cfg Config, db *store.DB, prober ImageProber, log *slog.Logger) (*Service, error) {
	cfg.setDefaults()
	ca, err := pki.LoadOrCreateCA(filepath.Join(cfg.DataDir, "tls"))
	if err != nil {
		return nil, err
	}
	s := &Service{
		cfg: cfg, db: db, log: log, ca: ca, prober: prober, logins: newLoginThrottle(cfg.Logins, now),
		// Tasks run as the control plane: they were authorised when they
		// were submitted.
		tasks:  task.New(asControlPlane(context.Background()), db, log, 16),
		agents: map[string]*cachedAgent{},
		stop:   make(chan struct{}),
	}
	s.registerTasks()
	return s, nil
}

// CA returns the cluster CA.
func (s *Service) CA() *pki.CA { return s.ca }

// ControllerCertificate returns (issuing on first use) the certificate the
// controller serves agents with and calls them with.
func (s *Service) ControllerCertificate(hosts []string) (tls.Certificate, error) {
	cert, err := s.ca.LoadOrIssueController(filepath.Join(s.cfg.DataDir, "tls"), hosts)
	if err != nil {
		return cert, err
	}
	s.cert = cert
	return cert, nil
}

// SetClusterAddress sets the address put into join tokens, once the
// cluster listener knows its port.
func (s *Service) SetClusterAddress(addr string) { s.cfg.ClusterAddress = addr }

// Tasks returns the task engine.
func (s *Service) Tasks() *task.Engine { return s.tasks }

// Start unlocks the stored secrets, makes the first pool and admin if
// needed, resumes unfinished tasks, and starts watching host heartbeats,
// firing scheduled jobs and sampling VM runs for billing.
func (s *Service) Start(ctx context.Context) error {
	// Before anything reads or writes a stored secret.
	if err := s.unlockSecrets(ctx); err != nil {
		return err
	}
	if err := s.ensureDefaultPool(ctx); err != nil {
		return err
	}
	s.startedAt = now()
	s.sweepUploads()
	if err := s.tasks.Resume(ctx); err != nil {
		return err
	}
	// The platform's own duties run whatever APIs are on: host
	// heartbeats, scheduled jobs, billing samples.
	s.wg.Add(3)
	go s.watchHosts()
	go s.runSchedules()
	go s.runRecorder()
	return nil
}

// Close stops background work. Running tasks are left to be resumed.
func (s *Service) Close() {
	close(s.stop)
	s.wg.Wait()
	s.tasks.Close()
	s.agentsMu.Lock()
	for _, a := range s.agents {
		a.client.Close()
	}
	s.agentsMu.Unlock()
}

// notFound maps store.ErrNotFound to a typed not-found error.
func notFound(err error, kind, key string) error {
	if errors.Is(err, store.ErrNotFound) {
		return model.NotFound(kind, key)
	}
	return err
}

// conflict maps store.ErrConflict to a typed conflict error.
func conflict(err error, format string, args ...any) error {
	if errors.Is(err, store.ErrConflict) {
		return model.Errorf(model.CodeConflict, format, args...)
	}
	return err
}

func now() time.Time { return time.Now().UTC() }

// newID returns the id of a new object.
func newID() string { return uuid.NewString() }

// internal wraps an unexpected failure with what was being done.
func internal(err error, doing string) error {
	if err == nil {
		return nil
	}
	var me *model.Error
	if errors.As(err, &me) {
		return err
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// pemBytes returns the DER bytes of the first PEM block.
func pemBytes(p []byte) []byte {
	block, _ := pem.Decode(p)
	if block == nil {
		return nil
	}
	return block.Bytes
}
