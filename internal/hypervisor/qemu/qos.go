package qemu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/kumo-cloud/kumo/internal/guestagent"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// niceOf maps a CPU priority to the nice value of the VM's threads.
// Medium is the host's default (0), so VMs nobody tuned are untouched;
// high needs CAP_SYS_NICE, which an agent running as root has.
func niceOf(priority string) (int, error) {
	switch priority {
	case "", hypervisor.CPUPriorityMedium:
		return 0, nil
	case hypervisor.CPUPriorityHigh:
		return -5, nil
	case hypervisor.CPUPriorityLow:
		return 10, nil
	}
	return 0, fmt.Errorf("unknown CPU priority %q: use high, medium or low", priority)
}

// renice sets the nice value of every thread of pid. Nice is per thread
// on Linux, and QEMU's vCPUs are threads, so the process alone is not
// enough; threads made later inherit from their creator.
func renice(pid, nice int) error {
	tasks, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, nice); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, fmt.Errorf("thread %d: %w", tid, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("set nice %d on QEMU %d: %w", nice, pid, err)
	}
	return nil
}

// SetQoS renices the VM's threads and throttles its writable disks.
func (d *Driver) SetQoS(ctx context.Context, dir string, qos hypervisor.QoS) error {
	dir, err := absDir(dir)
	if err != nil {
		return err
	}
	nice, err := niceOf(qos.CPUPriority)
	if err != nil {
		return err
	}
	l := qos.Disk
	if l.ReadBPS < 0 || l.WriteBPS < 0 || l.ReadIOPS < 0 || l.WriteIOPS < 0 {
		return errors.New("set QoS: negative disk limit")
	}
	pid := livePID(dir)
	if pid == 0 {
		return fmt.Errorf("set QoS of VM in %s: %w", dir, ErrNotRunning)
	}
	var spec hypervisor.Spec
	raw, err := os.ReadFile(filepath.Join(dir, specFileName))
	if err == nil {
		err = json.Unmarshal(raw, &spec)
	}
	if err != nil {
		return fmt.Errorf("set QoS of VM in %s: read its spec: %w", dir, err)
	}
	if err := renice(pid, nice); err != nil {
		return err
	}
	for i, id := range writableDiskIDs(spec) {
		// block_set_io_throttle replaces every limit, so all six are
		// given; the total limits set at start are dropped for the
		// per-direction ones, which QEMU would not take together.
		args := map[string]any{
			// The drive, not the device: virtio-blk-pci's block
			// backend hangs off a child device, not the "disk<N>" id.
			"device": "drive-" + id,
			"bps":    0, "bps_rd": l.ReadBPS, "bps_wr": l.WriteBPS,
			"iops": 0, "iops_rd": l.ReadIOPS, "iops_wr": l.WriteIOPS,
		}
		if err := d.execute(ctx, dir, "block_set_io_throttle", args, nil); err != nil {
			return fmt.Errorf("throttle disk %d: %w", i, err)
		}
	}
	return nil
}

// writableDiskIDs returns the device ids (see diskArgs) of the disks QoS
// limits: not media, not read-only seeds.
func writableDiskIDs(spec hypervisor.Spec) []string {
	var ids []string
	n := 0
	for _, d := range spec.Disks {
		if d.Media {
			continue
		}
		if !d.ReadOnly {
			ids = append(ids, "disk"+strconv.Itoa(n))
		}
		n++
	}
	return ids
}

// SetUserPassword sets a guest user's password through qemu-guest-agent.
func (d *Driver) SetUserPassword(ctx context.Context, dir, user, password string) error {
	dir, err := absDir(dir)
	if err != nil {
		return err
	}
	if livePID(dir) == 0 {
		return fmt.Errorf("set password in VM in %s: %w", dir, ErrNotRunning)
	}
	c, err := guestagent.Dial(ctx, Sockets(dir).GuestAgent)
	if err != nil {
		return fmt.Errorf("set password in VM in %s: %w: %w", dir, hypervisor.ErrNoGuestAgent, err)
	}
	defer c.Close()
	return c.SetUserPassword(ctx, user, password, false)
}
