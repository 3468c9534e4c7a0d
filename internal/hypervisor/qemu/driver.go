// Package qemu runs VMs as qemu-system-x86_64 processes driven over QMP,
// without libvirt. Every VM lives in a directory the caller owns:
//
//	qmp.sock      QMP monitor socket
//	vnc.sock      VNC server (unix socket only)
//	qga.sock      qemu-guest-agent channel, if the spec asks for it
//	qemu.pid      pid of the VM's QEMU, written by QEMU
//	serial.log    the guest's serial console, appended across restarts
//	qemu.log      QEMU's stderr, from the last start on
//	spec.json     the spec the VM was last started with
//	runtime.json  how it was started: accelerator, time, socket directory
//
// If dir is too deep for unix socket paths (107 bytes), the sockets live
// in a short directory instead, recorded in runtime.json (see Sockets).
//
// QEMU runs in its own session and is not tied to the agent that started
// it, so it outlives the agent. Re-attaching needs no state besides the
// directory: Status reads the pidfile, checks that the process is this
// VM's QEMU and dials the QMP socket.
package qemu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/qmp"
)

const (
	// startTimeout bounds Start's wait for QMP after the process began;
	// QEMU answers within tens of milliseconds when all is well.
	startTimeout = 30 * time.Second
	// dialTimeout bounds one QMP connection attempt. QEMU serves one
	// client at a time, so a dial hangs while another client (an old
	// agent, an operator's socat) holds the monitor.
	dialTimeout = 5 * time.Second
	// quitTimeout is how long PowerOff waits after quit (or SIGTERM)
	// before SIGKILL; killTimeout how long it then waits for the process
	// to be gone.
	quitTimeout = 10 * time.Second
	killTimeout = 5 * time.Second
)

// ErrNotRunning is returned by actions that need a QEMU process when
// there is none.
var ErrNotRunning = errors.New("VM is not running")

// Options configure a Driver.
type Options struct {
	Binary string           // QEMU binary; default qemu-system-x86_64
	Accel  hypervisor.Accel // "" detects it, see DetectAccel
	Logger *slog.Logger     // default slog.Default()
}

// Driver implements hypervisor.Driver with QEMU processes.
type Driver struct {
	binary string
	accel  hypervisor.Accel
	log    *slog.Logger

	mu  sync.Mutex
	vms map[string]*vmState // by absolute VM directory
}

// vmState is what the driver holds for one VM directory.
type vmState struct {
	// dialSem admits one QMP dial at a time: QEMU serves one client, so
	// a second concurrent dial would only wait for the first to leave.
	dialSem chan struct{}

	// Guarded by Driver.mu.
	monitor  *qmp.Monitor
	starting bool // Start is in progress: Status must not clean up
	// exited is closed when a QEMU this driver started has been reaped;
	// nil for a QEMU started by another driver instance.
	exited    chan struct{}
	exitedPID int
	waitErr   error // how it exited, once exited is closed
	// net holds the NIC counters its guest agent last reported.
	net netSample
}

var _ hypervisor.Driver = (*Driver)(nil)

// New returns a driver. It fails if the QEMU binary is not found.
func New(opts Options) (*Driver, error) {
	if opts.Binary == "" {
		opts.Binary = "qemu-system-x86_64"
	}
	bin, err := exec.LookPath(opts.Binary)
	if err != nil {
		return nil, fmt.Errorf("QEMU binary %q: %w", opts.Binary, err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	switch opts.Accel {
	case hypervisor.AccelKVM, hypervisor.AccelTCG:
	case "":
		var why string
		opts.Accel, why = detectAccel(bin)
		opts.Logger.Info("accelerator detected", "accel", opts.Accel, "reason", why)
	default:
		return nil, fmt.Errorf("accelerator %q, want kvm or tcg", opts.Accel)
	}
	return &Driver{binary: bin, accel: opts.Accel, log: opts.Logger, vms: map[string]*vmState{}}, nil
}

// Accel is the accelerator new VMs are started with.
func (d *Driver) Accel() hypervisor.Accel { return d.accel }

func (d *Driver) vm(dir string) *vmState {
	d.mu.Lock()
	defer d.mu.Unlock()
	v := d.vms[dir]
	if v == nil {
		v = &vmState{dialSem: make(chan struct{}, 1)}
		d.vms[dir] = v
	}
	return v
}

// absDir makes dir absolute and clean: it is the key of the monitor cache
// and is matched against QEMU's command line.
func absDir(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("empty VM directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("VM directory %q: %w", dir, err)
	}
	return abs, nil
}

// Start launches the VM in dir and returns once QMP answers.
func (d *Driver) Start(ctx context.Context, dir string, spec hypervisor.Spec) (hypervisor.Status, error) {
	dir, err := absDir(dir)
	if err != nil {
		return hypervisor.Status{}, err
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return hypervisor.Status{}, fmt.Errorf("start VM %s: directory %s: %w", spec.ID, dir, errors.Join(err, hypervisor.ErrNotFound))
	}
	v := d.vm(dir)
	d.mu.Lock()
	if v.starting {
		d.mu.Unlock()
		return hypervisor.Status{}, fmt.Errorf("start VM %s: another start in %s is in progress", spec.ID, dir)
	}
	v.starting = true
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		v.starting = false
		d.mu.Unlock()
	}()

	if pid := livePID(dir); pid != 0 {
		st, _ := d.Status(ctx, dir)
		return st, fmt.Errorf("start VM %s: already %s in %s (pid %d)", spec.ID, st.State, dir, pid)
	}
	d.dropMonitor(v)
	removeRuntimeFiles(dir)

	sockDir, err := socketDirFor(dir)
	if err != nil {
		return hypervisor.Status{}, fmt.Errorf("start VM %s: %w", spec.ID, err)
	}
	socks := socketsIn(sockDir)
	args, err := commandLine(dir, socks, d.accel, spec)
	if err != nil {
		return hypervisor.Status{}, fmt.Errorf("start VM: %w", err)
	}
	rt := runtimeInfo{ID: spec.ID, Accel: d.accel, Started: time.Now().UTC(), SocketDir: sockDir, NoShutdown: true}
	os.Remove(filepath.Join(dir, exitFileName))
	if err := writeFileAtomic(filepath.Join(dir, specFileName), spec); err != nil {
		return hypervisor.Status{}, fmt.Errorf("start VM %s: %w", spec.ID, err)
	}
	if err := writeFileAtomic(filepath.Join(dir, runtimeFileName), rt); err != nil {
		return hypervisor.Status{}, fmt.Errorf("start VM %s: %w", spec.ID, err)
	}
	logPath := filepath.Join(dir, qemuLogName)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return hypervisor.Status{}, fmt.Errorf("start VM %s: %w", spec.ID, err)
	}
	defer logf.Close() // the child has its own descriptor

	// Not CommandContext: ctx bounds the start, not the VM's life.
	cmd := exec.Command(d.binary, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// A session of its own: signals to the agent's process group (Ctrl-C,
	// a service manager stopping the agent's group) do not reach the VM,
	// and the VM is not killed when the agent exits. Not -daemonize: that
	// sends QEMU's stderr to /dev/null once it is up, and qemu.log would
	// miss why a VM died later.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	d.log.Debug("starting QEMU", "vm", spec.ID, "dir", dir, "args", args)
	if err := cmd.Start(); err != nil {
		return hypervisor.Status{}, fmt.Errorf("start VM %s: run %s: %w", spec.ID, d.binary, err)
	}
	pid := cmd.Process.Pid
	// Reap the child when it exits, so it does not linger as a zombie
	// while the agent lives. If the agent dies first, init adopts it.
	exited := make(chan struct{})
	var waitErr error // read only after exited is closed
	go func() {
		err := cmd.Wait()
		d.mu.Lock()
		waitErr, v.waitErr = err, err
		d.mu.Unlock()
		close(exited)
	}()
	d.mu.Lock()
	v.exited, v.exitedPID = exited, pid
	d.mu.Unlock()

	fail := func(err error) (hypervisor.Status, error) {
		// Kill the whole session: a wrapper script's children too.
		syscall.Kill(-pid, syscall.SIGKILL)
		syscall.Kill(pid, syscall.SIGKILL)
		select {
		case <-exited:
		case <-time.After(killTimeout):
			d.log.Error("QEMU did not exit after SIGKILL", "vm", spec.ID, "pid", pid)
		}
		d.dropMonitor(v)
		removeRuntimeFiles(dir)
		if tail := tailFile(logPath, 2000); tail != "" {
			return hypervisor.Status{}, fmt.Errorf("start VM %s: %w; qemu.log: %s", spec.ID, err, tail)
		}
		return hypervisor.Status{}, fmt.Errorf("start VM %s: %w", spec.ID, err)
	}

	sctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	// Hold the VM's dial slot: a concurrent Status must not take QEMU's
	// only QMP connection while Start is waiting for it. It gets the
	// connection cached below instead.
	select {
	case v.dialSem <- struct{}{}:
	case <-sctx.Done():
		return fail(sctx.Err())
	}
	defer func() { <-v.dialSem }()
	m, err := dialWhileStarting(sctx, socks.QMP, exited)
	if errors.Is(err, errExitedEarly) {
		if waitErr == nil {
			waitErr = errors.New("exit status 0")
		}
		return fail(fmt.Errorf("%w (%v)", err, waitErr))
	}
	if err != nil {
		return fail(err)
	}
	qs, err := m.QueryStatus(sctx)
	if err != nil {
		m.Close()
		return fail(err)
	}
	if livePID(dir) != pid {
		m.Close()
		return fail(fmt.Errorf("pidfile %s does not name the started process %d", filepath.Join(dir, pidFileName), pid))
	}
	d.mu.Lock()
	v.monitor = m
	d.mu.Unlock()
	if nice, _ := niceOf(spec.CPUPriority); nice != 0 {
		// The VM runs either way; a priority the agent may not set is
		// reported, not fatal (SetQoS reports it to the caller).
		if err := renice(pid, nice); err != nil {
			d.log.Warn("VM started without its CPU priority", "vm", spec.ID, "err", err)
		}
	}
	d.log.Info("VM started", "vm", spec.ID, "pid", pid, "accel", d.accel, "qemu", qs.Status)
	return hypervisor.Status{
		ID: spec.ID, State: stateOf(qs.Status), PID: pid, Accel: d.accel,
		Started: rt.Started, VNCSocket: socks.VNC,
	}, nil
}

// Monitor returns the QMP connection to the VM in dir, dialling it if
// there is none or the old one is gone. The driver owns it: use it for
// commands (media change, migration, QoS) but do not Close it. Events on
// it are not read by the driver.
func (d *Driver) Monitor(ctx context.Context, dir string) (*qmp.Monitor, error) {
	dir, err := absDir(dir)
	if err != nil {
		return nil, err
	}
	return d.monitor(ctx, dir, d.vm(dir))
}

func (d *Driver) monitor(ctx context.Context, dir string, v *vmState) (*qmp.Monitor, error) {
	select {
	case v.dialSem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("QMP of VM in %s: %w", dir, ctx.Err())
	}
	defer func() { <-v.dialSem }()
	d.mu.Lock()
	m := v.monitor
	d.mu.Unlock()
	if m != nil && m.Err() == nil {
		return m, nil
	}
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	m, err := qmp.Dial(dctx, Sockets(dir).QMP)
	if err != nil {
		return nil, fmt.Errorf("QMP of VM in %s: %w", dir, err)
	}
	d.mu.Lock()
	v.monitor = m
	d.mu.Unlock()
	return m, nil
}

// dropMonitor closes the cached connection of a VM, if any.
func (d *Driver) dropMonitor(v *vmState) {
	d.mu.Lock()
	m := v.monitor
	v.monitor = nil
	d.mu.Unlock()
	if m != nil {
		m.Close()
	}
}

// Status reports the observed state of the VM in dir. No live QEMU is
// StateStopped, and its stale pidfile and sockets are removed. A missing
// directory is hypervisor.ErrNotFound.
func (d *Driver) Status(ctx context.Context, dir string) (hypervisor.Status, error) {
	dir, err := absDir(dir)
	if err != nil {
		return hypervisor.Status{}, err
	}
	st := hypervisor.Status{ID: filepath.Base(dir), State: hypervisor.StateStopped}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return st, fmt.Errorf("VM directory %s: %w", dir, hypervisor.ErrNotFound)
	}
	v := d.vm(dir)
	pid := livePID(dir)
	if pid == 0 {
		return d.stoppedStatus(dir, v, st), nil
	}
	rt, _ := readRuntime(dir)
	if rt.ID != "" {
		st.ID = rt.ID
	}
	st.PID, st.Accel, st.Started = pid, rt.Accel, rt.Started
	if st.Accel == "" {
		st.Accel = d.accel
	}
	if st.Started.IsZero() {
		if fi, err := os.Stat(filepath.Join(dir, pidFileName)); err == nil {
			st.Started = fi.ModTime().UTC()
		}
	}
	st.VNCSocket = Sockets(dir).VNC

	// Two tries: a cached connection may have been closed under us
	// (Close, or QEMU restarted by someone else) while QEMU still runs.
	for try := 0; ; try++ {
		m, err := d.monitor(ctx, dir, v)
		var qs qmp.StatusInfo
		if err == nil {
			qs, err = m.QueryStatus(ctx)
		}
		if err == nil && qs.Status == "shutdown" && rt.NoShutdown {
			// The guest powered off: end its QEMU, which -no-shutdown
			// keeps, as the clean end it is.
			if err := writeExit(dir, true, "the guest shut down"); err != nil {
				return st, fmt.Errorf("record the shutdown of VM %s: %w", st.ID, err)
			}
			if err := d.PowerOff(ctx, dir); err != nil {
				return st, err
			}
			return hypervisor.Status{ID: st.ID, State: hypervisor.StateStopped}, nil
		}
		if err == nil {
			st.State = stateOf(qs.Status)
			if st.State == hypervisor.StateCrashed {
				st.Reason = map[string]string{"guest-panicked": "the guest panicked"}[qs.Status]
				if st.Reason == "" {
					st.Reason = "QEMU reported an internal error"
				}
			}
			return st, nil
		}
		if livePID(dir) == 0 { // it exited meanwhile
			return d.stoppedStatus(dir, v, hypervisor.Status{ID: st.ID, State: hypervisor.StateStopped}), nil
		}
		if !errors.Is(err, qmp.ErrClosed) || try == 1 {
			st.State = hypervisor.StateUnknown
			return st, fmt.Errorf("status of VM in %s (pid %d): %w", dir, pid, err)
		}
		d.dropMonitor(v)
	}
}

// stoppedStatus is the status of a VM with no QEMU: stopped, or crashed
// (with why) if its last QEMU ended without a clean exit record.
func (d *Driver) stoppedStatus(dir string, v *vmState, st hypervisor.Status) hypervisor.Status {
	d.mu.Lock()
	starting := v.starting
	d.mu.Unlock()
	if !starting {
		d.noteVanished(dir, v)
	}
	d.cleanUpStopped(dir, v)
	if rec, ok := readExit(dir); ok && !rec.Clean {
		st.State, st.Reason, st.Started = hypervisor.StateCrashed, rec.Reason, rec.Started
	}
	return st
}

// cleanUpStopped forgets the connection to a VM with no QEMU and removes
// its stale runtime files, unless a Start is creating them right now.
func (d *Driver) cleanUpStopped(dir string, v *vmState) {
	d.mu.Lock()
	starting := v.starting
	d.mu.Unlock()
	if starting {
		return
	}
	d.dropMonitor(v)
	removeRuntimeFiles(dir)
}

// stateOf maps QEMU's RunState to a power state.
func stateOf(runState string) hypervisor.PowerState {
	switch runState {
	case "running":
		return hypervisor.StateRunning
	case "paused", "debug", "suspended", "watchdog", "io-error",
		"prelaunch", "inmigrate", "postmigrate", "finish-migrate",
		"save-vm", "restore-vm", "colo":
		// The guest's CPUs are stopped but QEMU can run them again:
		// by cont (paused, debug, watchdog, io-error once the disk is
		// fixed), by system_wakeup (suspended: the guest went to S3),
		// or when a migration or snapshot ends (inmigrate waits for
		// incoming state; postmigrate is the source after migration,
		// whose VM now runs elsewhere).
		return hypervisor.StatePaused
	case "shutdown":
		return hypervisor.StateShutdown
	case "internal-error", "guest-panicked":
		return hypervisor.StateCrashed
	}
	return hypervisor.StateUnknown
}

// execute runs a command on the VM's QEMU; no QEMU is ErrNotRunning.
func (d *Driver) execute(ctx context.Context, dir, command string, args, result any) error {
	dir, err := absDir(dir)
	if err != nil {
		return err
	}
	if livePID(dir) == 0 {
		return fmt.Errorf("%s on VM in %s: %w", command, dir, ErrNotRunning)
	}
	m, err := d.monitor(ctx, dir, d.vm(dir))
	if err != nil {
		return fmt.Errorf("%s on VM in %s: %w", command, dir, err)
	}
	if err := m.Execute(ctx, command, args, result); err != nil {
		return fmt.Errorf("VM in %s: %w", dir, err)
	}
	return nil
}

// Shutdown presses the ACPI power button and returns; the guest decides
// whether to power off. A VM that is not running is left alone.
func (d *Driver) Shutdown(ctx context.Context, dir string) error {
	if err := d.execute(ctx, dir, "system_powerdown", nil, nil); err != nil && !errors.Is(err, ErrNotRunning) {
		return err
	}
	return nil
}

// Reboot resets the VM, like its reset button.
func (d *Driver) Reboot(ctx context.Context, dir string) error {
	return d.execute(ctx, dir, "system_reset", nil, nil)
}

// Pause stops the VM's CPUs.
func (d *Driver) Pause(ctx context.Context, dir string) error {
	return d.execute(ctx, dir, "stop", nil, nil)
}

// Resume runs the VM's CPUs again. A guest that suspended itself (S3) is
// woken up instead, which is what cont cannot do.
func (d *Driver) Resume(ctx context.Context, dir string) error {
	var qs qmp.StatusInfo
	if err := d.execute(ctx, dir, "query-status", nil, &qs); err != nil {
		return err
	}
	if qs.Status == "suspended" {
		return d.execute(ctx, dir, "system_wakeup", nil, nil)
	}
	return d.execute(ctx, dir, "cont", nil, nil)
}

// PowerOff ends the VM's QEMU at once, like pulling the plug, and returns
// when the process is gone. It asks by QMP quit (or SIGTERM if QMP does
// not answer) and kills after quitTimeout. No QEMU is not an error.
func (d *Driver) PowerOff(ctx context.Context, dir string) error {
	dir, err := absDir(dir)
	if err != nil {
		return err
	}
	v := d.vm(dir)
	pid := livePID(dir)
	if pid == 0 {
		d.cleanUpStopped(dir, v)
		return nil
	}
	if rt, _ := readRuntime(dir); rt.NoShutdown {
		if rec, ok := readExit(dir); !ok || rec.At.Before(rt.Started) || !rec.Clean {
			if err := writeExit(dir, true, "powered off"); err != nil {
				return fmt.Errorf("record the power-off of VM in %s: %w", dir, err)
			}
		}
	}
	qctx, cancel := context.WithTimeout(ctx, dialTimeout)
	err = d.execute(qctx, dir, "quit", nil, nil)
	cancel()
	// quit's reply may be lost as QEMU hangs up: a closed connection is
	// what success looks like too.
	if err != nil && !errors.Is(err, qmp.ErrClosed) && !errors.Is(err, ErrNotRunning) {
		d.log.Warn("QMP quit failed, sending SIGTERM", "dir", dir, "pid", pid, "err", err)
		syscall.Kill(pid, syscall.SIGTERM)
	}
	if err := d.waitExit(ctx, dir, v, pid, quitTimeout); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("power off VM in %s (pid %d): %w", dir, pid, err)
		}
		d.log.Warn("QEMU did not quit, killing it", "dir", dir, "pid", pid)
		syscall.Kill(pid, syscall.SIGKILL)
		if err := d.waitExit(ctx, dir, v, pid, killTimeout); err != nil {
			return fmt.Errorf("power off VM in %s: pid %d survived SIGKILL: %w", dir, pid, err)
		}
	}
	d.cleanUpStopped(dir, v)
	return nil
}

// waitExit waits until pid is no longer the QEMU of dir.
func (d *Driver) waitExit(ctx context.Context, dir string, v *vmState, pid int, timeout time.Duration) error {
	d.mu.Lock()
	var exited <-chan struct{}
	if v.exitedPID == pid {
		exited = v.exited // our child: reaped as soon as it exits
	}
	d.mu.Unlock()
	pidfile := filepath.Join(dir, pidFileName)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for isQEMUOf(pid, pidfile) {
		select {
		case <-exited:
			return nil
		case <-tick.C:
		case <-deadline.C:
			return fmt.Errorf("still running after %v", timeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Close closes all QMP connections; the VMs keep running, and the next
// call for a VM dials again.
func (d *Driver) Close() error {
	d.mu.Lock()
	var monitors []*qmp.Monitor
	for _, v := range d.vms {
		if v.monitor != nil {
			monitors = append(monitors, v.monitor)
			v.monitor = nil
		}
	}
	d.mu.Unlock()
	for _, m := range monitors {
		m.Close()
	}
	return nil
}
