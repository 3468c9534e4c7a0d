package qemu

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/qmp"
)

// kvmProbeTimeout bounds the KVM probe. A working KVM answers in well
// under a second; a broken one can hang, which is what the bound is for.
const kvmProbeTimeout = 5 * time.Second

// DetectAccel picks the accelerator for this host and says why.
// KUMO_ACCEL=kvm|tcg overrides detection.
//
// /dev/kvm existing is not enough:
//   - A PVM-backed KVM (module kvm_pvm, found in nested cloud sandboxes)
//     creates VMs fine but hangs standard guests during boot, so its
//     presence alone selects TCG.
//   - /dev/kvm may exist without read/write permission for this user.
//   - KVM may be present but unusable (nested virtualisation disabled,
//     another hypervisor holding VT-x): only starting QEMU with -accel kvm
//     tells, so a short probe must succeed.
func DetectAccel() (hypervisor.Accel, string) {
	return detectAccel("qemu-system-x86_64")
}

func detectAccel(binary string) (hypervisor.Accel, string) {
	override := os.Getenv("KUMO_ACCEL")
	switch override {
	case "kvm":
		return hypervisor.AccelKVM, "KUMO_ACCEL=kvm"
	case "tcg":
		return hypervisor.AccelTCG, "KUMO_ACCEL=tcg"
	}
	accel, why := probeAccel(binary)
	if override != "" {
		why = fmt.Sprintf("KUMO_ACCEL=%q ignored (want kvm or tcg); %s", override, why)
	}
	return accel, why
}

func probeAccel(binary string) (hypervisor.Accel, string) {
	if _, err := os.Stat("/sys/module/kvm_pvm"); err == nil {
		return hypervisor.AccelTCG, "kvm_pvm is loaded: PVM-backed KVM hangs standard guests"
	}
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return hypervisor.AccelTCG, "/dev/kvm is not usable: " + err.Error()
	}
	f.Close()
	if err := probeKVM(binary, kvmProbeTimeout); err != nil {
		return hypervisor.AccelTCG, "KVM probe failed: " + err.Error()
	}
	return hypervisor.AccelKVM, "KVM probe succeeded"
}

// probeKVM starts a machine-less QEMU with -accel kvm and asks it over
// QMP whether KVM is present and enabled.
func probeKVM(binary string, timeout time.Duration) error {
	dir, err := os.MkdirTemp("", "kumo-kvm-probe-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	sock := filepath.Join(dir, "qmp.sock")
	var stderr strings.Builder
	cmd := exec.Command(binary, "-machine", "none", "-accel", "kvm", "-nodefaults", "-no-user-config",
		"-display", "none", "-S", "-qmp", "unix:"+escapeOpt(sock)+",server=on,wait=off")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", binary, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() { cmd.Process.Kill(); <-exited }()

	m, err := dialWhileStarting(ctx, sock, exited)
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return fmt.Errorf("%w: %s", err, msg)
		}
		return err
	}
	defer m.Close()
	var kvm struct{ Enabled, Present bool }
	if err := m.Execute(ctx, "query-kvm", nil, &kvm); err != nil {
		return err
	}
	if !kvm.Present || !kvm.Enabled {
		return fmt.Errorf("QEMU reports KVM present=%t enabled=%t", kvm.Present, kvm.Enabled)
	}
	return nil
}

// errExitedEarly is returned by dialWhileStarting when QEMU exits first;
// why is in its stderr.
var errExitedEarly = errors.New("QEMU exited before its monitor answered")

// dialWhileStarting dials a QMP socket that a starting QEMU has yet to
// create, until it answers, ctx ends or exited is closed.
func dialWhileStarting(ctx context.Context, sock string, exited <-chan struct{}) (*qmp.Monitor, error) {
	wait := time.Millisecond
	for {
		// One attempt is bounded on its own: a QEMU that accepted but
		// hangs must not use up the whole start timeout in one dial.
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		m, err := qmp.Dial(actx, sock)
		cancel()
		if err == nil {
			return m, nil
		}
		select {
		case <-exited:
			return nil, errExitedEarly
		case <-ctx.Done():
			return nil, fmt.Errorf("QEMU monitor did not answer: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}
