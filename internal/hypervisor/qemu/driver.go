// Package qemu runs VMs as qemu-system processes driven over QMP, without
// libvirt. Every VM lives in a directory the caller owns:
//
//	qmp.sock    QMP monitor socket
//	qemu.pid    pid of the daemonized QEMU
//	serial.log  the guest's serial console (appended across restarts)
//	vnc.sock    VNC server, on a unix socket only
//	qga.sock    qemu-guest-agent channel (if enabled)
//	qemu.log    QEMU's own error output from start-up
//	spec.json   the spec the VM was last started with
//
// QEMU is started with -daemonize, so it outlives the agent that started
// it; a restarted agent re-attaches by reading the pidfile and dialling the
// QMP socket again, which is all Status does.
package qemu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/qmp"
)

// Options configure the driver.
type Options struct {
	Binary string           // default qemu-system-x86_64
	Accel  hypervisor.Accel // "" = DetectAccel
	Logger *slog.Logger
}

// Driver implements hypervisor.Driver.
type Driver struct {
	binary string
	accel  hypervisor.Accel
	log    *slog.Logger

	mu       sync.Mutex
	monitors map[string]*qmp.Monitor // by VM directory
}

var _ hypervisor.Driver = (*Driver)(nil)

// New returns a driver.
func New(opts Options) (*Driver, error) {
	if opts.Binary == "" {
		opts.Binary = "qemu-system-x86_64"
	}
	bin, err := exec.LookPath(opts.Binary)
	if err != nil {
		return nil, fmt.Errorf("qemu binary %q: %w", opts.Binary, err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Accel == "" {
		opts.Accel, _ = DetectAccel()
	}
	return &Driver{binary: bin, accel: opts.Accel, log: opts.Logger, monitors: map[string]*qmp.Monitor{}}, nil
}

// Accel returns the accelerator VMs are started with.
func (d *Driver) Accel() hypervisor.Accel { return d.accel }

// socketPath returns where a VM's unix socket lives. Socket paths are
// limited to 107 bytes; for deep directories a short path under the
// system temp dir is derived from the directory, so it is found again
// after a restart.
func socketPath(dir, name string) string {
	p := filepath.Join(dir, name)
	if len(p) < 100 {
		return p
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(os.TempDir(), "kumo-"+hex.EncodeToString(sum[:8])+"-"+name)
}

// SerialLogPath is where the guest's serial console is written.
func SerialLogPath(dir string) string { return filepath.Join(dir, "serial.log") }

// GuestAgentSocket is the qemu-guest-agent channel of a VM.
func GuestAgentSocket(dir string) string { return socketPath(dir, "qga.sock") }

// VNCSocket is the VM's VNC server socket.
func VNCSocket(dir string) string { return socketPath(dir, "vnc.sock") }

func (d *Driver) commandLine(dir string, spec hypervisor.Spec) []string {
	accel := d.accel
	cpu := "max"
	if accel == hypervisor.AccelKVM {
		cpu = "host"
	}
	args := []string{
		"-name", "kumo-" + spec.ID + ",debug-threads=on",
		"-machine", "q35",
		"-accel", string(accel),
		"-cpu", cpu,
		"-smp", strconv.Itoa(max(spec.Cores, 1)),
		"-m", strconv.Itoa(spec.MemoryMiB),
		"-nodefaults", "-no-user-config",
		"-display", "none",
		"-device", "VGA",
		"-vnc", "unix:" + VNCSocket(dir),
		// append=on keeps the console history across restarts.
		"-chardev", "file,id=serial0,path=" + SerialLogPath(dir) + ",append=on",
		"-serial", "chardev:serial0",
		"-qmp", "unix:" + socketPath(dir, "qmp.sock") + ",server=on,wait=off",
		"-pidfile", filepath.Join(dir, "qemu.pid"),
		"-daemonize",
	}
	boot := 1
	if spec.BootMedia {
		boot = 2 // the first medium is given bootindex 1 below
	}
	media := 0
	for i, disk := range spec.Disks {
		id := "disk" + strconv.Itoa(i)
		opts := []string{"file=" + escapeOpt(disk.Path), "format=" + disk.Format, "if=none", "id=" + id}
		if disk.ReadOnly || disk.Media {
			opts = append(opts, "readonly=on")
		}
		if disk.Media {
			opts = append(opts, "media=cdrom")
		} else {
			opts = append(opts, "cache=writeback", "discard=unmap")
		}
		if disk.IOPSLimit > 0 {
			opts = append(opts, "throttling.iops-total="+strconv.FormatInt(disk.IOPSLimit, 10))
		}
		if disk.BPSLimit > 0 {
			opts = append(opts, "throttling.bps-total="+strconv.FormatInt(disk.BPSLimit, 10))
		}
		args = append(args, "-drive", strings.Join(opts, ","))
		if disk.Media {
			dev := "ide-cd,drive=" + id + ",bus=ide." + strconv.Itoa(media)
			if spec.BootMedia && media == 0 {
				dev += ",bootindex=1"
			}
			media++
			args = append(args, "-device", dev)
			continue
		}
		args = append(args, "-device", "virtio-blk-pci,drive="+id+",bootindex="+strconv.Itoa(boot))
		boot++
	}
	for i, nic := range spec.NICs {
		id := "net" + strconv.Itoa(i)
		var netdev string
		switch nic.Mode {
		case "tap":
			netdev = "tap,id=" + id + ",ifname=" + nic.Tap + ",script=no,downscript=no"
		default:
			netdev = "user,id=" + id
			for _, pf := range nic.PortForwards {
				host := pf.HostAddr
				if host == "" {
					host = "127.0.0.1"
				}
				proto := pf.Protocol
				if proto == "" {
					proto = "tcp"
				}
				netdev += fmt.Sprintf(",hostfwd=%s:%s:%d-:%d", proto, host, pf.HostPort, pf.GuestPort)
			}
		}
		model := nic.Model
		if model == "" {
			model = "virtio-net-pci"
		}
		dev := model + ",netdev=" + id
		if nic.MAC != "" {
			dev += ",mac=" + nic.MAC
		}
		args = append(args, "-netdev", netdev, "-device", dev)
	}
	if spec.GuestAgent {
		args = append(args,
			"-device", "virtio-serial-pci,id=vser0",
			"-chardev", "socket,id=qga0,path="+GuestAgentSocket(dir)+",server=on,wait=off",
			"-device", "virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0")
	}
	return args
}

// escapeOpt doubles commas, QEMU's escape inside option values.
func escapeOpt(s string) string { return strings.ReplaceAll(s, ",", ",,") }

// Start launches the VM and waits until its QMP monitor answers.
func (d *Driver) Start(ctx context.Context, dir string, spec hypervisor.Spec) (hypervisor.Status, error) {
	if st, err := d.Status(ctx, dir); err != nil {
		return st, err
	} else if st.State != hypervisor.StateStopped {
		return st, fmt.Errorf("VM in %s is already %s (pid %d)", dir, st.State, st.PID)
	}
	if spec.MemoryMiB <= 0 {
		return hypervisor.Status{}, fmt.Errorf("VM %s: memory must be positive", spec.ID)
	}
	for _, name := range []string{"qmp.sock", "vnc.sock", "qga.sock"} {
		os.Remove(socketPath(dir, name))
	}
	os.Remove(filepath.Join(dir, "qemu.pid"))
	if raw, err := json.MarshalIndent(spec, "", "  "); err == nil {
		os.WriteFile(filepath.Join(dir, "spec.json"), raw, 0o600)
	}
	logf, err := os.OpenFile(filepath.Join(dir, "qemu.log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return hypervisor.Status{}, err
	}
	defer logf.Close()
	args := d.commandLine(dir, spec)
	cmd := exec.CommandContext(ctx, d.binary, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = dir
	// Its own session, so that signals to the agent's process group (a
	// Ctrl-C in the terminal) do not reach the VMs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	d.log.Debug("starting qemu", "vm", spec.ID, "args", args)
	if err := cmd.Run(); err != nil {
		// -daemonize: the parent exits non-zero if start-up failed.
		return hypervisor.Status{}, fmt.Errorf("qemu failed to start VM %s: %w: %s", spec.ID, err, tail(filepath.Join(dir, "qemu.log")))
	}
	st, err := d.Status(ctx, dir)
	if err != nil {
		d.PowerOff(context.WithoutCancel(ctx), dir)
		return st, fmt.Errorf("VM %s started but its monitor does not answer: %w", spec.ID, err)
	}
	if st.State == hypervisor.StateStopped {
		return st, fmt.Errorf("VM %s exited right after start: %s", spec.ID, tail(filepath.Join(dir, "qemu.log")))
	}
	return st, nil
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	b = bytes.TrimSpace(b)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// pid returns the pid of the VM's QEMU if it is alive and is really the
// QEMU of this directory (pids get reused), else 0.
func (d *Driver) pid(dir string) int {
	raw, err := os.ReadFile(filepath.Join(dir, "qemu.pid"))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(raw)))
	if err != nil || pid <= 0 {
		return 0
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || !bytes.Contains(cmdline, []byte(socketPath(dir, "qmp.sock"))) {
		return 0
	}
	if stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		if f := strings.Fields(string(stat)); len(f) > 2 && f[2] == "Z" {
			return 0 // exited, not yet reaped
		}
	}
	return pid
}

// Monitor returns the VM's QMP connection, dialling it if needed.
func (d *Driver) Monitor(ctx context.Context, dir string) (*qmp.Monitor, error) {
	d.mu.Lock()
	m := d.monitors[dir]
	d.mu.Unlock()
	if m != nil && m.Err() == nil {
		return m, nil
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var err error
	for {
		m, err = qmp.Dial(dctx, socketPath(dir, "qmp.sock"))
		if err == nil {
			break
		}
		if dctx.Err() != nil {
			return nil, err
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.mu.Lock()
	if old := d.monitors[dir]; old != nil && old.Err() == nil {
		d.mu.Unlock()
		m.Close()
		return old, nil
	}
	d.monitors[dir] = m
	d.mu.Unlock()
	return m, nil
}

func (d *Driver) dropMonitor(dir string) {
	d.mu.Lock()
	m := d.monitors[dir]
	delete(d.monitors, dir)
	d.mu.Unlock()
	if m != nil {
		m.Close()
	}
}

// Status reports the VM's observed state.
func (d *Driver) Status(ctx context.Context, dir string) (hypervisor.Status, error) {
	st := hypervisor.Status{ID: filepath.Base(dir), State: hypervisor.StateStopped, Accel: d.accel, VNCSocket: VNCSocket(dir)}
	pid := d.pid(dir)
	if pid == 0 {
		d.dropMonitor(dir)
		return st, nil
	}
	st.PID = pid
	m, err := d.Monitor(ctx, dir)
	if err != nil {
		if d.pid(dir) == 0 { // it exited meanwhile
			st.State, st.PID = hypervisor.StateStopped, 0
			return st, nil
		}
		return st, fmt.Errorf("QMP of VM in %s: %w", dir, err)
	}
	qs, err := m.QueryStatus(ctx)
	if err != nil {
		if errors.Is(err, qmp.ErrClosed) && d.pid(dir) == 0 {
			d.dropMonitor(dir)
			st.State, st.PID = hypervisor.StateStopped, 0
			return st, nil
		}
		return st, err
	}
	st.State = stateOf(qs.Status)
	return st, nil
}

// stateOf maps QMP's RunState to a power state.
func stateOf(s string) hypervisor.PowerState {
	switch s {
	case "running", "debug":
		return hypervisor.StateRunning
	case "paused", "suspended", "inmigrate", "postmigrate", "finish-migrate", "prelaunch", "restore-vm", "save-vm", "watchdog", "colo":
		return hypervisor.StatePaused
	case "shutdown":
		return hypervisor.StateShutdown
	case "internal-error", "io-error", "guest-panicked":
		return hypervisor.StateCrashed
	}
	return hypervisor.StateUnknown
}

// execute runs a QMP command on a running VM; a stopped VM is ErrNotRunning.
func (d *Driver) execute(ctx context.Context, dir, command string, args any) error {
	if d.pid(dir) == 0 {
		return ErrNotRunning
	}
	m, err := d.Monitor(ctx, dir)
	if err != nil {
		return err
	}
	return m.Execute(ctx, command, args, nil)
}

// ErrNotRunning is returned for actions that need a running QEMU.
var ErrNotRunning = errors.New("VM is not running")

// Shutdown presses the ACPI power button; a stopped VM is left alone.
func (d *Driver) Shutdown(ctx context.Context, dir string) error {
	if err := d.execute(ctx, dir, "system_powerdown", nil); err != nil && !errors.Is(err, ErrNotRunning) {
		return err
	}
	return nil
}

// PowerOff ends QEMU at once and waits for the process to be gone.
func (d *Driver) PowerOff(ctx context.Context, dir string) error {
	pid := d.pid(dir)
	if pid == 0 {
		d.dropMonitor(dir)
		return nil
	}
	if err := d.execute(ctx, dir, "quit", nil); err != nil && !errors.Is(err, qmp.ErrClosed) {
		d.log.Warn("qmp quit failed; killing", "dir", dir, "err", err)
		syscall.Kill(pid, syscall.SIGKILL)
	}
	deadline := time.Now().Add(10 * time.Second)
	for d.pid(dir) != 0 {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			deadline = time.Now().Add(5 * time.Second)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	d.dropMonitor(dir)
	os.Remove(filepath.Join(dir, "qemu.pid"))
	return nil
}

// Close closes every QMP connection; the VMs keep running.
func (d *Driver) Close() error {
	d.mu.Lock()
	monitors := d.monitors
	d.monitors = map[string]*qmp.Monitor{}
	d.mu.Unlock()
	for _, m := range monitors {
		m.Close()
	}
	return nil
}

// Reboot resets the VM.
func (d *Driver) Reboot(ctx context.Context, dir string) error {
	return d.execute(ctx, dir, "system_reset", nil)
}

// Pause stops the VM's CPUs.
func (d *Driver) Pause(ctx context.Context, dir string) error {
	return d.execute(ctx, dir, "stop", nil)
}

// Resume restarts the VM's CPUs.
func (d *Driver) Resume(ctx context.Context, dir string) error {
	return d.execute(ctx, dir, "cont", nil)
}
