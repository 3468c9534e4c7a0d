package hostlink

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/api/httpstatus"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/pki"
)

// Agent is what the control plane can ask of a host.
type Agent interface {
	Report(ctx context.Context) (HostReport, error)
	ProvisionVM(ctx context.Context, cfg VMConfig) (VMStatus, error)
	StartVM(ctx context.Context, cfg VMConfig) (VMStatus, error)
	ChangeVMState(ctx context.Context, id, action string) (VMStatus, error)
	VMStatus(ctx context.Context, id string) (VMStatus, error)
	DeleteVM(ctx context.Context, id string) error
	SetVMQoS(ctx context.Context, id string, qos hypervisor.QoS) error
	SetGuestPassword(ctx context.Context, id string, req PasswordRequest) error
	SerialLog(ctx context.Context, id string, req SerialRequest) (SerialLog, error)
	ChangeDisk(ctx context.Context, id string, req DiskRequest) (DiskInfo, error)
	PrepareIncoming(ctx context.Context, cfg VMConfig) (IncomingResponse, error)
	MigrateVM(ctx context.Context, id string, req hypervisor.MigrateRequest) (VMStatus, error)
	Media(ctx context.Context, id string) (MediaStatus, error)
	InsertMedia(ctx context.Context, id string, img ImageRef) (MediaStatus, error)
	EjectMedia(ctx context.Context, id string) error
	CreateSnapshot(ctx context.Context, id, name string) (SnapshotResult, error)
	RevertSnapshot(ctx context.Context, id, name string) error
	DeleteSnapshot(ctx context.Context, id, name string) error
	// DialConsole opens a byte stream to a console of the VM on its host.
	DialConsole(ctx context.Context, id string, kind model.ConsoleKind) (net.Conn, error)
}

// AgentClient calls one agent over mutual TLS.
type AgentClient struct {
	base string
	http *http.Client
	// redial, when set, makes a call whose connection could not be made
	// try again (see WithRedial).
	redial *redial
}

// redial is how long a call keeps trying to reach an agent that does not
// answer its dial, and where the agent is now.
type redial struct {
	wait    time.Duration
	address func(ctx context.Context) (string, error)
}

// WithRedial returns a client sharing c's connections whose calls, when
// the agent cannot be dialled (connection refused, no route, dial
// timeout), look up the agent's address again and retry with backoff for
// up to wait. Only calls that never reached the agent are retried, so
// any call may be: the agent did nothing. Tasks use it, because an agent
// restarting (or the controller restarting before its in-process agent
// listens) is a moment, not a failure.
func (c *AgentClient) WithRedial(wait time.Duration, address func(ctx context.Context) (string, error)) *AgentClient {
	return &AgentClient{base: c.base, http: c.http, redial: &redial{wait: wait, address: address}}
}

// NewAgentClient returns a client for the agent at address (https://...)
// whose certificate must have the given fingerprint and be signed by ca.
func NewAgentClient(address string, own tls.Certificate, ca *x509.Certificate, fingerprint string) *AgentClient {
	tlsConf := &tls.Config{
		Certificates: []tls.Certificate{own},
		MinVersion:   tls.VersionTLS13,
		// Agents are pinned by fingerprint, so the name check is replaced by
		// VerifyPeerCertificate.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			leaf, err := pki.VerifyChainTo(ca, raw)
			if err != nil {
				return err
			}
			if got := pki.Fingerprint(leaf); got != fingerprint {
				return fmt.Errorf("agent at %s presented certificate %s, want %s", address, got, fingerprint)
			}
			return nil
		},
	}
	return &AgentClient{
		base: strings.TrimRight(address, "/"),
		http: &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf, MaxIdleConnsPerHost: 8, IdleConnTimeout: time.Minute}},
	}
}

// Report returns the host's capacity and VM states.
func (c *AgentClient) Report(ctx context.Context) (r HostReport, err error) {
	err = c.call(ctx, http.MethodGet, "/agent/v1/report", nil, &r)
	return r, err
}

// ProvisionVM makes the VM's directory and system disk.
func (c *AgentClient) ProvisionVM(ctx context.Context, cfg VMConfig) (s VMStatus, err error) {
	err = c.call(ctx, http.MethodPost, "/agent/v1/vms/"+url.PathEscape(cfg.ID)+"/provision", cfg, &s)
	return s, err
}

// StartVM starts the VM with cfg.
func (c *AgentClient) StartVM(ctx context.Context, cfg VMConfig) (s VMStatus, err error) {
	err = c.call(ctx, http.MethodPost, "/agent/v1/vms/"+url.PathEscape(cfg.ID)+"/start", cfg, &s)
	return s, err
}

// ChangeVMState applies a power action.
func (c *AgentClient) ChangeVMState(ctx context.Context, id, action string) (s VMStatus, err error) {
	err = c.call(ctx, http.MethodPut, "/agent/v1/vms/"+url.PathEscape(id)+"/state", StateRequest{Action: action}, &s)
	return s, err
}

// VMStatus returns the observed state of one VM.
func (c *AgentClient) VMStatus(ctx context.Context, id string) (s VMStatus, err error) {
	err = c.call(ctx, http.MethodGet, "/agent/v1/vms/"+url.PathEscape(id), nil, &s)
	return s, err
}

// DeleteVM stops the VM and removes its files.
func (c *AgentClient) DeleteVM(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, "/agent/v1/vms/"+url.PathEscape(id), nil, nil)
}

// Media reports what is in the running VM's CD-ROM drive.
func (c *AgentClient) Media(ctx context.Context, id string) (m MediaStatus, err error) {
	err = c.call(ctx, http.MethodGet, "/agent/v1/vms/"+url.PathEscape(id)+"/media", nil, &m)
	return m, err
}

// InsertMedia puts a media image into the running VM's CD-ROM drive,
// fetching it to the host first if needed.
func (c *AgentClient) InsertMedia(ctx context.Context, id string, img ImageRef) (m MediaStatus, err error) {
	err = c.call(ctx, http.MethodPost, "/agent/v1/vms/"+url.PathEscape(id)+"/media", MediaRequest{Image: img}, &m)
	return m, err
}

// EjectMedia empties the running VM's CD-ROM drive.
func (c *AgentClient) EjectMedia(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, "/agent/v1/vms/"+url.PathEscape(id)+"/media", nil, nil)
}

// CreateSnapshot snapshots the VM: live if it runs, else its stopped disk.
func (c *AgentClient) CreateSnapshot(ctx context.Context, id, name string) (r SnapshotResult, err error) {
	err = c.call(ctx, http.MethodPost, "/agent/v1/vms/"+url.PathEscape(id)+"/snapshots", SnapshotRequest{Name: name}, &r)
	return r, err
}

// RevertSnapshot reverts the stopped VM's disk to snapshot name.
func (c *AgentClient) RevertSnapshot(ctx context.Context, id, name string) error {
	return c.call(ctx, http.MethodPut, "/agent/v1/vms/"+url.PathEscape(id)+"/snapshots/"+url.PathEscape(name), nil, nil)
}

// DeleteSnapshot removes snapshot name from the VM's disk.
func (c *AgentClient) DeleteSnapshot(ctx context.Context, id, name string) error {
	return c.call(ctx, http.MethodDelete, "/agent/v1/vms/"+url.PathEscape(id)+"/snapshots/"+url.PathEscape(name), nil, nil)
}

// DialConsole opens a byte stream to one of the VM's consoles (its VNC
// server or its serial port): an HTTP Upgrade on the agent's mutual-TLS
// listener, after which the connection carries the console both ways. It
// works the same for the local and remote agents, since the consoles are
// sockets on the VM's host.
func (c *AgentClient) DialConsole(ctx context.Context, id string, kind model.ConsoleKind) (net.Conn, error) {
	path, what := "/vnc", "VNC"
	if kind == model.ConsoleSerial {
		path, what = "/serial-console", "serial console"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/agent/v1/vms/"+url.PathEscape(id)+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", ConsoleUpgrade)
	// A client of its own: an upgraded connection leaves the pool for
	// good, and http.Client returns it as the response body.
	// ctx lasts as long as the console session, so the dial is bounded
	// by the transport's own timeouts instead.
	tr := c.http.Transport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.ResponseHeaderTimeout = 15 * time.Second
	hc := &http.Client{Transport: tr}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &model.Error{Code: model.CodeUnavailable, Message: "dial " + what + " of VM " + id, Err: err}
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		defer hc.CloseIdleConnections() // the client is this call's alone
		defer resp.Body.Close()
		var eb ErrorBody
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if json.Unmarshal(raw, &eb) == nil && eb.Code != "" {
			return nil, &model.Error{Code: eb.Code, Message: eb.Message}
		}
		return nil, model.Errorf(model.CodeUnavailable, "dial %s of VM %s: HTTP %d", what, id, resp.StatusCode)
	}
	rw, ok := resp.Body.(io.ReadWriteCloser)
	if !ok {
		resp.Body.Close()
		return nil, fmt.Errorf("dial %s of VM %s: upgraded body is not writable", what, id)
	}
	return &upgradedConn{ReadWriteCloser: rw}, nil
}

// upgradedConn makes an upgraded HTTP body a net.Conn. Deadlines are not
// supported: the console proxy ends a session by closing it.
type upgradedConn struct {
	io.ReadWriteCloser
}

func (upgradedConn) LocalAddr() net.Addr              { return vncAddr{} }
func (upgradedConn) RemoteAddr() net.Addr             { return vncAddr{} }
func (upgradedConn) SetDeadline(time.Time) error      { return nil }
func (upgradedConn) SetReadDeadline(time.Time) error  { return nil }
func (upgradedConn) SetWriteDeadline(time.Time) error { return nil }

type vncAddr struct{}

func (vncAddr) Network() string { return "kumo-console" }
func (vncAddr) String() string  { return "agent-console-tunnel" }

// Close releases idle connections.
func (c *AgentClient) Close() { c.http.CloseIdleConnections() }

func (c *AgentClient) call(ctx context.Context, method, path string, in, out any) error {
	err := DoJSON(ctx, c.http, method, c.base+path, in, out)
	if c.redial == nil || !IsUnreachable(err) {
		return err
	}
	deadline := time.Now().Add(c.redial.wait)
	backoff := 100 * time.Millisecond
	base := c.base
	for IsUnreachable(err) && time.Now().Add(backoff).Before(deadline) {
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
		if addr, aerr := c.redial.address(ctx); aerr == nil && addr != "" {
			base = strings.TrimRight(addr, "/")
		}
		err = DoJSON(ctx, c.http, method, base+path, in, out)
	}
	return err
}

// unreachableError is the error of a call whose connection to the peer
// could not be made: nothing was sent.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return "unreachable: " + e.err.Error() }
func (e *unreachableError) Unwrap() error { return e.err }

// IsUnreachable reports whether err is a call that never reached its
// peer (the dial failed), as opposed to one that failed on the way or
// was refused by the peer.
func IsUnreachable(err error) bool {
	var u *unreachableError
	return errors.As(err, &u)
}

// dialFailed reports whether an http.Client error happened while
// dialling, before any byte of the request went out.
func dialFailed(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// DoJSON sends in as JSON and decodes a 2xx reply into out; an error reply
// (ErrorBody) becomes a *model.Error with the same code.
func DoJSON(ctx context.Context, hc *http.Client, method, url string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		if dialFailed(err) {
			err = &unreachableError{err: err}
		}
		return &model.Error{Code: model.CodeUnavailable, Message: "the host's agent at " + req.URL.Host + " cannot be reached", Err: fmt.Errorf("%s %s: %w", method, url, err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		var eb ErrorBody
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if json.Unmarshal(raw, &eb) != nil || eb.Code == "" {
			return model.Errorf(model.CodeInternal, "%s %s: HTTP %d: %s", method, url, resp.StatusCode, bytes.TrimSpace(raw))
		}
		e := &model.Error{Code: eb.Code, Message: eb.Message}
		if eb.Detail != "" {
			e.Err = errors.New(eb.Detail)
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("decode reply of %s %s: %w", method, url, err)
	}
	return nil
}

// WriteJSON writes v with the status code.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// WriteError writes err as an ErrorBody with a status that fits its code.
// A Kumo error travels as its code and message only: its cause may name
// the sender's files, and the receiver shows the message to API users
// (the sender logs the cause).
func WriteError(w http.ResponseWriter, err error) {
	code := model.CodeOf(err)
	status := httpstatus.Of(code)
	body := ErrorBody{Code: code, Message: err.Error()}
	var me *model.Error
	if errors.As(err, &me) && code != model.CodeInternal {
		// An internal error's whole text is for the log; the controller
		// never shows it. Any other's message is shown, its cause not.
		body.Message = model.PublicMessage(err)
		if me.Err != nil {
			body.Detail = me.Err.Error()
		}
	}
	WriteJSON(w, status, body)
}
