// Package agent runs on every hypervisor host. It joins a control plane
// once with a one-time token, then serves the control plane's calls over
// mutual TLS (see package hostlink) and reports the host's capacity and its
// VMs' observed states in heartbeats. It owns the host's VM directories:
// <data>/vms/<id>/ holds a VM's config, disks and runtime files, so an agent
// that restarts finds and re-attaches to the QEMU processes that kept
// running.
package agent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kumo-cloud/kumo/internal/datadir"
	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/httpguard"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/pki"
	"github.com/kumo-cloud/kumo/internal/storage"
)

// Config configures an agent.
type Config struct {
	DataDir string
	// Name is the host's name in the cluster (default: the OS host name).
	Name string
	// Listen is the address of the agent's RPC listener ("127.0.0.1:0"
	// picks a free port; the address is reported in every heartbeat).
	Listen string
	// Advertise is the host part others use to reach Listen, if Listen is
	// a wildcard address.
	Advertise string
	// JoinToken is needed only the first time, before the agent has an
	// identity in DataDir.
	JoinToken string
	// Controller overrides the controller address saved at join time; the
	// server sets it for its own agent, whose controller may have moved.
	Controller string
	Driver     hypervisor.Driver
	Volumes    storage.Volumes
	Accel      hypervisor.Accel
	Logger     *slog.Logger
	// BootedAt overrides the host's boot time in reports (zero: the
	// kernel's). The controller starts auto-start VMs when it changes,
	// so tests set it to act out a host reboot.
	BootedAt time.Time
	// Limits bound the RPC listener's connections (zero fields: the
	// defaults, with a per-source cap of 512, since every call and
	// console tunnel comes from the one controller).
	Limits httpguard.Limits
}

// identity is what an agent keeps after joining.
type identity struct {
	HostID     string `json:"host_id"`
	Name       string `json:"name"`
	Controller string `json:"controller"` // https://host:port of the cluster listener
	// Listen is the address the agent last listened on. An agent told to
	// pick any port (":0") takes the same one again, so the controller can
	// reach it right after a restart, before its first heartbeat.
	Listen string `json:"listen,omitempty"`
}

// Agent is a running host agent.
type Agent struct {
	cfg   Config
	log   *slog.Logger
	id    identity
	ca    *x509.Certificate
	cert  tls.Certificate
	ctl   *http.Client // to the controller, mutual TLS
	addr  string       // our advertised https address
	vmDir string

	locksMu sync.Mutex
	locks   map[string]*sync.Mutex // one per VM: calls on a VM are serialised

	heartbeat time.Duration
	cpu       cpuMeter
	// seq numbers observations; it starts from the clock so that a
	// restarted agent's numbers are higher than its predecessor's.
	seq   atomic.Int64
	kicks chan struct{} // asks the heartbeat loop to report now
}

// New loads the agent's identity from its data dir, joining the cluster
// with cfg.JoinToken if it has none yet.
func New(ctx context.Context, cfg Config) (*Agent, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Name == "" {
		cfg.Name, _ = os.Hostname()
	}
	a := &Agent{
		cfg: cfg, log: cfg.Logger.With("component", "agent"),
		vmDir: filepath.Join(cfg.DataDir, "vms"), locks: map[string]*sync.Mutex{},
		heartbeat: 5 * time.Second, kicks: make(chan struct{}, 1),
	}
	a.seq.Store(time.Now().UnixNano())
	if err := datadir.Secure(cfg.DataDir, a.log); err != nil {
		return nil, err
	}
	for _, d := range []string{a.vmDir, a.imageDir(), a.tlsDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	if err := a.loadIdentity(); errors.Is(err, os.ErrNotExist) {
		if cfg.JoinToken == "" {
			return nil, errors.New("this agent has not joined a cluster yet: give it a join token (kumo host join-token on the controller)")
		}
		if err := a.join(ctx, cfg.JoinToken); err != nil {
			return nil, err
		}
		if err := a.loadIdentity(); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	if cfg.Controller != "" && cfg.Controller != a.id.Controller {
		a.id.Controller = cfg.Controller
		if err := a.saveIdentity(); err != nil {
			return nil, err
		}
	}
	a.ctl = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: a.controllerTLS()}}
	return a, nil
}

// HostID is the id the control plane gave this host.
func (a *Agent) HostID() string { return a.id.HostID }

func (a *Agent) tlsDir() string   { return filepath.Join(a.cfg.DataDir, "tls") }
func (a *Agent) imageDir() string { return filepath.Join(a.cfg.DataDir, "images") }

func (a *Agent) loadIdentity() error {
	raw, err := os.ReadFile(filepath.Join(a.cfg.DataDir, "agent.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &a.id); err != nil {
		return fmt.Errorf("read agent identity: %w", err)
	}
	caPEM, err := os.ReadFile(filepath.Join(a.tlsDir(), "agent-ca.crt"))
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return errors.New("agent-ca.crt holds no certificate")
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(a.tlsDir(), "agent.crt"), filepath.Join(a.tlsDir(), "agent.key"))
	if err != nil {
		return fmt.Errorf("load agent certificate: %w", err)
	}
	caCert, err := parseFirstPEM(caPEM)
	if err != nil {
		return err
	}
	a.ca, a.cert = caCert, cert
	return nil
}

// join trades the one-time token for a certificate.
func (a *Agent) join(ctx context.Context, token string) error {
	tok, err := pki.ParseJoinToken(token)
	if err != nil {
		return err
	}
	keyPEM, csrPEM, err := pki.NewKeyAndCSR(a.cfg.Name)
	if err != nil {
		return err
	}
	// Before the agent has the CA, it trusts the controller that presents
	// the CA whose fingerprint is in the token.
	var caCert *x509.Certificate
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS13, InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			ca, err := pki.FindCA(raw, tok.CAFingerprint)
			if err != nil {
				return err
			}
			if _, err := pki.VerifyChainTo(ca, raw); err != nil {
				return err
			}
			caCert = ca
			return nil
		}}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConf}}
	var resp hostlink.JoinResponse
	req := hostlink.JoinRequest{TokenID: tok.ID, TokenSecret: tok.Secret, Name: a.cfg.Name, CSR: string(csrPEM)}
	if err := hostlink.DoJSON(ctx, hc, http.MethodPost, tok.Address+hostlink.PathJoin, req, &resp); err != nil {
		return fmt.Errorf("join cluster at %s: %w", tok.Address, err)
	}
	if caCert == nil {
		return errors.New("join: controller certificate was not checked")
	}
	files := map[string][]byte{"agent.key": keyPEM, "agent.crt": []byte(resp.Cert), "agent-ca.crt": []byte(resp.CA)}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(a.tlsDir(), name), data, 0o600); err != nil {
			return err
		}
	}
	a.id = identity{HostID: resp.HostID, Name: a.cfg.Name, Controller: tok.Address}
	a.log.Info("joined cluster", "controller", tok.Address, "host", resp.HostID)
	return a.saveIdentity()
}

// controllerTLS trusts only the cluster CA and presents the agent's cert.
func (a *Agent) controllerTLS() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{a.cert}, InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			leaf, err := pki.VerifyChainTo(a.ca, raw)
			if err != nil {
				return err
			}
			if !pki.HasUnit(leaf, pki.UnitController) {
				return errors.New("peer is not a Kumo controller")
			}
			return nil
		}}
}

// Run serves the control plane and sends heartbeats until ctx ends. It
// closes the driver when it returns; the VMs keep running.
func (a *Agent) Run(ctx context.Context) error {
	defer a.cfg.Driver.Close()
	temporaries := a.sweepTemporaries()
	for _, f := range temporaries {
		a.log.Info("removed a temporary file a crash left", "file", f.Path, "bytes", f.Bytes)
	}
	ln, err := a.listen()
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if a.cfg.Advertise != "" {
		host = a.cfg.Advertise
	} else if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host, _ = os.Hostname()
	}
	a.addr = "https://" + net.JoinHostPort(host, port)
	limits := a.cfg.Limits
	if limits.PerSource == 0 {
		limits.PerSource = 512
	}
	ln = httpguard.LimitPerSource(ln, limits.PerSource, a.log)
	srv := httpguard.NewServer(a.routes(), limits, a.log)
	srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{a.cert},
		ClientAuth: tls.RequireAnyClientCert,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			leaf, err := pki.VerifyChainTo(a.ca, raw)
			if err != nil {
				return err
			}
			// Other agents hold certificates from the same CA; only the
			// controller may drive this host.
			if !pki.HasUnit(leaf, pki.UnitController) {
				return errors.New("only the controller may call an agent")
			}
			return nil
		}}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	a.log.Info("agent serving", "address", a.addr, "host", a.id.HostID)
	hbDone := make(chan struct{})
	hbCtx, stopHeartbeats := context.WithCancel(ctx)
	sweepDone := make(chan struct{})
	go func() { defer close(hbDone); a.heartbeatLoop(hbCtx) }()
	go func() { defer close(sweepDone); a.sweepUnclaimed(hbCtx, temporaries) }()
	defer func() { stopHeartbeats(); <-hbDone; <-sweepDone }()
	select {
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
		return nil
	case err := <-errc:
		return err
	}
}

func (a *Agent) listen() (net.Listener, error) {
	if _, port, err := net.SplitHostPort(a.cfg.Listen); err == nil && port == "0" && a.id.Listen != "" {
		if ln, err := net.Listen("tcp", a.id.Listen); err == nil {
			return ln, nil
		}
	}
	ln, err := net.Listen("tcp", a.cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("agent listen on %s: %w", a.cfg.Listen, err)
	}
	if a.id.Listen != ln.Addr().String() {
		a.id.Listen = ln.Addr().String()
		if err := a.saveIdentity(); err != nil {
			ln.Close()
			return nil, err
		}
	}
	return ln, nil
}

func (a *Agent) saveIdentity() error {
	raw, _ := json.MarshalIndent(a.id, "", "  ")
	tmp := filepath.Join(a.cfg.DataDir, "agent.json.tmp")
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(a.cfg.DataDir, "agent.json"))
}

func (a *Agent) heartbeatLoop(ctx context.Context) {
	for {
		if err := a.sendHeartbeat(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("heartbeat failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(a.heartbeat):
		case <-a.kicks:
		}
	}
}

// kick makes the agent report at once, so a state change reaches the
// controller without waiting for the next interval.
func (a *Agent) kick() {
	select {
	case a.kicks <- struct{}{}:
	default:
	}
}

func (a *Agent) sendHeartbeat(ctx context.Context) error {
	rep := a.report(ctx)
	var resp hostlink.HeartbeatResponse
	if err := hostlink.DoJSON(ctx, a.ctl, http.MethodPost, a.id.Controller+hostlink.PathHeartbeat, rep, &resp); err != nil {
		return err
	}
	if resp.IntervalMS > 0 {
		a.heartbeat = time.Duration(resp.IntervalMS) * time.Millisecond
	}
	return nil
}

func (a *Agent) vmLock(id string) *sync.Mutex {
	a.locksMu.Lock()
	defer a.locksMu.Unlock()
	m := a.locks[id]
	if m == nil {
		m = &sync.Mutex{}
		a.locks[id] = m
	}
	return m
}

func (a *Agent) lock(id string) func() {
	m := a.vmLock(id)
	m.Lock()
	return m.Unlock
}

func parseFirstPEM(b []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM certificate found")
	}
	return x509.ParseCertificate(block.Bytes)
}

// Joined reports whether an agent with this data dir has joined a cluster.
func Joined(dataDir string) bool {
	_, err := os.Stat(filepath.Join(dataDir, "agent.json"))
	return err == nil
}
