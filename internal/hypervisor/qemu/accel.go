package qemu

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/qmp"
)

// DetectAccel picks KVM when it really works and TCG otherwise, and says
// why. KUMO_ACCEL=kvm|tcg overrides.
//
// A PVM-backed /dev/kvm (module kvm_pvm, found in some nested cloud
// sandboxes) accepts KVM_CREATE_VM but hangs standard guests, so its
// presence alone selects TCG. Otherwise a QEMU probe must report KVM
// present and enabled.
func DetectAccel() (hypervisor.Accel, string) {
	switch os.Getenv("KUMO_ACCEL") {
	case "kvm":
		return hypervisor.AccelKVM, "KUMO_ACCEL=kvm"
	case "tcg":
		return hypervisor.AccelTCG, "KUMO_ACCEL=tcg"
	}
	if _, err := os.Stat("/sys/module/kvm_pvm"); err == nil {
		return hypervisor.AccelTCG, "kvm_pvm is loaded: PVM-backed KVM hangs standard guests"
	}
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return hypervisor.AccelTCG, "/dev/kvm is not usable: " + err.Error()
	}
	f.Close()
	if ok, why := probeKVM("qemu-system-x86_64"); !ok {
		return hypervisor.AccelTCG, "KVM probe failed: " + why
	}
	return hypervisor.AccelKVM, "KVM probe succeeded"
}

// probeKVM starts a machine-less QEMU with KVM and asks it over QMP
// whether KVM is enabled.
func probeKVM(binary string) (bool, string) {
	dir, err := os.MkdirTemp("", "kumo-kvm-probe-")
	if err != nil {
		return false, err.Error()
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sock := filepath.Join(dir, "qmp.sock")
	cmd := exec.CommandContext(ctx, binary, "-machine", "none", "-accel", "kvm", "-nodefaults", "-display", "none", "-S",
		"-qmp", "unix:"+sock+",server=on,wait=off")
	if err := cmd.Start(); err != nil {
		return false, err.Error()
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var m *qmp.Monitor
	for {
		if m, err = qmp.Dial(ctx, sock); err == nil {
			break
		}
		if ctx.Err() != nil {
			return false, "QEMU with -accel kvm did not come up: " + err.Error()
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer m.Close()
	var kvm struct{ Enabled, Present bool }
	if err := m.Execute(ctx, "query-kvm", nil, &kvm); err != nil {
		return false, err.Error()
	}
	if !kvm.Enabled || !kvm.Present {
		return false, "QEMU reports KVM not enabled"
	}
	return true, ""
}
