// Package server assembles `kumo server`: the control plane (database,
// services, task engine, native API, cluster listener for agents) and, in
// the all-in-one default, a host agent for this machine that joins the
// control plane over the same mutual-TLS link a remote agent uses.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/kumo-cloud/kumo/internal/agent"
	"github.com/kumo-cloud/kumo/internal/api/cloudtower"
	"github.com/kumo-cloud/kumo/internal/api/dbc"
	"github.com/kumo-cloud/kumo/internal/api/nano"
	"github.com/kumo-cloud/kumo/internal/api/native"
	"github.com/kumo-cloud/kumo/internal/api/zstack"
	"github.com/kumo-cloud/kumo/internal/datadir"
	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/httpguard"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/hypervisor/qemu"
	"github.com/kumo-cloud/kumo/internal/metrics"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/internal/storage"
	"github.com/kumo-cloud/kumo/internal/store"
	"github.com/kumo-cloud/kumo/internal/web"
)

// Config configures a server.
type Config struct {
	DataDir string
	// Database is a PostgreSQL URL; empty means SQLite in DataDir.
	Database string
	// Listen is the address of the native API and web UI.
	Listen string
	// ClusterListen is the address agents connect to (mutual TLS).
	ClusterListen string
	// ClusterAdvertise is the host name or IP agents use to reach the
	// cluster listener, when ClusterListen is a wildcard address.
	ClusterAdvertise string
	// NanoListen is the address of the Project Nano API; empty turns it off.
	NanoListen string
	// CloudTowerListen is the address of the CloudTower v2 API; empty
	// turns it off.
	CloudTowerListen string
	// ZStackListen is the address of the ZStack API; empty turns it off.
	ZStackListen string
	// DBCListen is the address of the DBC client API; empty turns it off.
	DBCListen string
	// DBCImageServers are the DBC API's image servers: id to base URL.
	DBCImageServers map[string]string
	// DBCWallets, if any, are the only wallets that may use the DBC API.
	DBCWallets []string
	// LocalAgent runs a host agent for this machine in-process.
	LocalAgent bool
	// LocalAgentName is the local agent's host name in the cluster
	// (default: the OS host name).
	LocalAgentName  string
	AgentListen     string
	AdminUser       string
	AdminPassword   string
	Accel           hypervisor.Accel
	Service         service.Config
	Logger          *slog.Logger
	QEMUBinary      string
	ShutdownTimeout time.Duration
	// LeaseTTL is how long the controller's lease on the database lasts
	// unrenewed (default 15 s).
	LeaseTTL time.Duration
	// Limits bound the connections of every listener: timeouts of the
	// API listeners and the per-source cap of those and the cluster
	// listener (zero fields: httpguard's defaults).
	Limits httpguard.Limits
	// MetricsPublic serves /metrics to anyone who reaches the API
	// listener; otherwise a scrape needs a session token with host:read.
	MetricsPublic bool
}

// Server is a running control plane.
type Server struct {
	cfg     Config
	log     *slog.Logger
	db      *store.DB
	dirLock *os.File
	lease   *lease
	svc     *service.Service
	apiLn   net.Listener
	cluster net.Listener
	nanoLn  net.Listener // nil when the Nano API is off
	towerLn net.Listener // nil when the CloudTower API is off
	zsLn    net.Listener // nil when the ZStack API is off
	dbcLn   net.Listener // nil when the DBC API is off
	// ready is set once every API serves and cleared when stopping:
	// /readyz answers from it.
	ready atomic.Bool

	// AdminPassword is set when the first admin was created by this start
	// with a generated password.
	AdminPassword string
}

// New opens the database, creates the first admin if needed, and binds the
// listeners. Run serves.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.AdminUser == "" {
		cfg.AdminUser = "admin"
	}
	if err := datadir.Secure(cfg.DataDir, cfg.Logger); err != nil {
		return nil, err
	}
	dirLock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	dsn := cfg.Database
	if dsn == "" {
		dsn = filepath.Join(cfg.DataDir, "kumo.db")
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		dirLock.Close()
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, db: db, dirLock: dirLock}
	ok := false
	defer func() {
		if !ok {
			s.closeListeners()
			if s.lease != nil {
				s.lease.release()
			}
			db.Close()
			dirLock.Close()
		}
	}()
	// Before anything runs: only the lease holder may touch tasks.
	if s.lease, err = acquireLease(ctx, db, cfg.DataDir, cfg.LeaseTTL, cfg.Logger); err != nil {
		return nil, err
	}
	cfg.Service.DataDir = cfg.DataDir
	s.svc, err = service.New(cfg.Service, db, storage.NewQemuImg(), cfg.Logger)
	if err != nil {
		return nil, err
	}
	created, pw, err := s.svc.EnsureAdmin(ctx, cfg.AdminUser, cfg.AdminPassword)
	if err != nil {
		return nil, fmt.Errorf("create first admin: %w", err)
	}
	if created && cfg.AdminPassword == "" {
		s.AdminPassword = pw
	}
	if s.apiLn, err = net.Listen("tcp", cfg.Listen); err != nil {
		return nil, fmt.Errorf("listen for the API on %s: %w", cfg.Listen, err)
	}
	if s.cluster, err = net.Listen("tcp", cfg.ClusterListen); err != nil {
		return nil, fmt.Errorf("listen for agents on %s: %w", cfg.ClusterListen, err)
	}
	if cfg.NanoListen != "" {
		if s.nanoLn, err = net.Listen("tcp", cfg.NanoListen); err != nil {
			return nil, fmt.Errorf("listen for the Nano API on %s: %w", cfg.NanoListen, err)
		}
	}
	if cfg.CloudTowerListen != "" {
		if s.towerLn, err = net.Listen("tcp", cfg.CloudTowerListen); err != nil {
			return nil, fmt.Errorf("listen for the CloudTower API on %s: %w", cfg.CloudTowerListen, err)
		}
	}
	if cfg.ZStackListen != "" {
		if s.zsLn, err = net.Listen("tcp", cfg.ZStackListen); err != nil {
			return nil, fmt.Errorf("listen for the ZStack API on %s: %w", cfg.ZStackListen, err)
		}
	}
	if cfg.DBCListen != "" {
		if s.dbcLn, err = net.Listen("tcp", cfg.DBCListen); err != nil {
			return nil, fmt.Errorf("listen for the DBC API on %s: %w", cfg.DBCListen, err)
		}
	}
	ok = true
	return s, nil
}

// Addr is the native API's address (useful when Listen had port 0).
func (s *Server) Addr() string { return s.apiLn.Addr().String() }

// NanoAddr is the Nano API's address, empty when it is off.
func (s *Server) NanoAddr() string {
	if s.nanoLn == nil {
		return ""
	}
	return s.nanoLn.Addr().String()
}

// CloudTowerAddr is the CloudTower API's address, empty when it is off.
func (s *Server) CloudTowerAddr() string {
	if s.towerLn == nil {
		return ""
	}
	return s.towerLn.Addr().String()
}

// ZStackAddr is the ZStack API's address, empty when it is off.
func (s *Server) ZStackAddr() string {
	if s.zsLn == nil {
		return ""
	}
	return s.zsLn.Addr().String()
}

// DBCAddr is the DBC API's address, empty when it is off.
func (s *Server) DBCAddr() string {
	if s.dbcLn == nil {
		return ""
	}
	return s.dbcLn.Addr().String()
}

// Service returns the service layer (for dialects and tests).
func (s *Server) Service() *service.Service { return s.svc }

func (s *Server) closeListeners() {
	for _, ln := range []net.Listener{s.apiLn, s.cluster, s.nanoLn, s.towerLn, s.zsLn, s.dbcLn} {
		if ln != nil {
			ln.Close()
		}
	}
}

// clusterAddress is the https address put into join tokens.
func (s *Server) clusterAddress() (string, []string) {
	host, port, _ := net.SplitHostPort(s.cluster.Addr().String())
	names := []string{"localhost", "127.0.0.1", "::1"}
	if hn, err := os.Hostname(); err == nil {
		names = append(names, hn)
	}
	if s.cfg.ClusterAdvertise != "" {
		host = s.cfg.ClusterAdvertise
	} else if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = names[len(names)-1]
	}
	return "https://" + net.JoinHostPort(host, port), append(names, host)
}

// Run serves until ctx ends, then shuts down in order. VMs keep running:
// QEMU processes are not children that die with the server.
func (s *Server) Run(ctx context.Context) error {
	defer s.dirLock.Close()
	defer s.db.Close()
	defer s.lease.release()
	addr, names := s.clusterAddress()
	s.svc.SetClusterAddress(addr)
	cert, err := s.svc.ControllerCertificate(names)
	if err != nil {
		return err
	}
	clusterSrv := hostlink.NewControllerServer(s.svc, s.svc.CA(), cert, s.log)
	nativeAPI, err := native.New(s.svc, s.log)
	if err != nil {
		return err
	}
	m := metrics.New(s.svc)
	mux := http.NewServeMux()
	mux.Handle("/v1/", m.Instrument("native", nativeAPI, nativeAPI.RoutePattern))
	s.operations(mux, m)
	mux.Handle("/", web.Handler())
	apiSrv := s.apiServer(mux)

	errc := make(chan error, 5)
	go func() { errc <- ignoreClosed(clusterSrv.ServeTLS(s.guard(s.cluster), "", "")) }()
	if err := s.svc.Start(ctx); err != nil {
		clusterSrv.Close()
		return err
	}
	// Before any API serves, whether or not the ZStack API is on: its old
	// documents are the core's data now.
	if err := zstack.UpgradeLegacy(service.AsControlPlane(ctx), s.svc, s.log); err != nil {
		s.svc.Close()
		clusterSrv.Close()
		return err
	}
	agentCtx, stopAgent := context.WithCancel(context.Background())
	agentDone := make(chan struct{})
	if s.cfg.LocalAgent {
		a, err := s.startLocalAgent(ctx)
		if err != nil {
			stopAgent()
			s.svc.Close()
			clusterSrv.Close()
			return fmt.Errorf("start local agent: %w", err)
		}
		go func() {
			defer close(agentDone)
			if err := a.Run(agentCtx); err != nil {
				errc <- fmt.Errorf("local agent: %w", err)
			}
		}()
	} else {
		close(agentDone)
	}
	go func() { errc <- ignoreClosed(apiSrv.Serve(s.guard(s.apiLn))) }()
	var nanoSrv *http.Server
	if s.nanoLn != nil {
		nanoAPI := nano.New(s.svc, s.log)
		nanoSrv = s.apiServer(m.Instrument("nano", nanoAPI, nanoAPI.RoutePattern))
		go func() { errc <- ignoreClosed(nanoSrv.Serve(s.guard(s.nanoLn))) }()
		s.log.Info("Nano API ready", "address", "http://"+s.NanoAddr()+nano.Prefix)
	}
	var towerSrv *http.Server
	if s.towerLn != nil {
		towerAPI := cloudtower.New(s.svc, s.log)
		towerSrv = s.apiServer(m.Instrument("cloudtower", towerAPI, towerAPI.RoutePattern))
		go func() { errc <- ignoreClosed(towerSrv.Serve(s.guard(s.towerLn))) }()
		s.log.Info("CloudTower API ready", "address", "http://"+s.CloudTowerAddr()+cloudtower.Prefix)
	}
	var zsSrv *http.Server
	var zsAPI *zstack.Server
	if s.zsLn != nil {
		zsAPI = zstack.New(s.svc, s.log)
		zsAPI.Start()
		zsSrv = s.apiServer(m.Instrument("zstack", zsAPI, zsAPI.RoutePattern))
		go func() { errc <- ignoreClosed(zsSrv.Serve(s.guard(s.zsLn))) }()
		s.log.Info("ZStack API ready", "address", "http://"+s.ZStackAddr()+zstack.Prefix)
	}
	var dbcSrv *http.Server
	if s.dbcLn != nil {
		dbcAPI := dbc.New(s.svc, s.log, dbc.Options{ImageServers: s.cfg.DBCImageServers, Wallets: s.cfg.DBCWallets})
		dbcSrv = s.apiServer(m.Instrument("dbc", dbcAPI, dbcAPI.RoutePattern))
		go func() { errc <- ignoreClosed(dbcSrv.Serve(s.guard(s.dbcLn))) }()
		s.log.Info("DBC API ready", "address", "http://"+s.DBCAddr()+dbc.Prefix)
	}
	s.ready.Store(true)
	s.log.Info("kumo server ready", "api", "http://"+s.Addr(), "cluster", addr, "data", s.cfg.DataDir)

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	case <-s.lease.lost:
		runErr = errors.New("another control plane took the database lease; this one stopped")
	}
	s.ready.Store(false)
	timeout := s.cfg.ShutdownTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	shut, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	apiSrv.Shutdown(shut)
	if nanoSrv != nil {
		nanoSrv.Shutdown(shut)
	}
	if towerSrv != nil {
		towerSrv.Shutdown(shut)
	}
	if zsSrv != nil {
		zsSrv.Shutdown(shut)
		zsAPI.Close()
	}
	if dbcSrv != nil {
		dbcSrv.Shutdown(shut)
	}
	// The service stops its tasks before the local agent goes: a task
	// talking to the agent then ends as interrupted (resumed at the
	// next start), not failed by the agent's vanishing.
	s.svc.Close()
	stopAgent()
	<-agentDone
	clusterSrv.Shutdown(shut)
	return runErr
}

func (s *Server) startLocalAgent(ctx context.Context) (*agent.Agent, error) {
	accel := s.cfg.Accel
	reason := "configured"
	if accel == "" {
		accel, reason = qemu.DetectAccel()
	}
	s.log.Info("hypervisor accelerator", "accel", accel, "reason", reason)
	drv, err := qemu.New(qemu.Options{Binary: s.cfg.QEMUBinary, Accel: accel, Logger: s.log})
	if err != nil {
		return nil, err
	}
	var token string
	if !agent.Joined(s.cfg.DataDir) {
		if token, err = s.svc.CreateLocalJoinToken(ctx); err != nil {
			return nil, err
		}
	}
	listen := s.cfg.AgentListen
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	controller, _ := s.clusterAddress()
	return agent.New(ctx, agent.Config{
		DataDir: s.cfg.DataDir, Name: s.cfg.LocalAgentName, Listen: listen, JoinToken: token, Controller: controller, Driver: drv,
		Volumes: storage.NewQemuImg(), Accel: accel, Logger: s.log,
	})
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
