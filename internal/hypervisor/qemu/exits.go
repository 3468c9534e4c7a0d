package qemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// How a QEMU ended. QEMU runs with -no-shutdown, so a guest that powers
// off leaves its QEMU alive in run state "shutdown" until the driver
// quits it; and the driver ends QEMU only through PowerOff. Both write
// exit.json first, saying the end was clean. A QEMU gone with no such
// record was killed (SIGKILL, the OOM killer) or died: it crashed.

const exitFileName = "exit.json"

// reapWait bounds how long a vanished QEMU's exit status is waited for.
const reapWait = 3 * time.Second

// exitRecord is how the last QEMU of a VM directory ended.
type exitRecord struct {
	Clean  bool      `json:"clean"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	// Started is when the QEMU that ended was started.
	Started time.Time `json:"started"`
}

func readExit(dir string) (exitRecord, bool) {
	var rec exitRecord
	raw, err := os.ReadFile(filepath.Join(dir, exitFileName))
	if err != nil || json.Unmarshal(raw, &rec) != nil {
		return rec, false
	}
	return rec, true
}

func writeExit(dir string, clean bool, reason string) error {
	rt, _ := readRuntime(dir)
	return writeFileAtomic(filepath.Join(dir, exitFileName), exitRecord{Clean: clean, Reason: reason, At: time.Now().UTC(), Started: rt.Started})
}

// noteVanished records, for a QEMU that is gone while its runtime record
// is still there (nobody cleaned up after it), why it ended: clean if
// the driver said so first, else a crash with what the exit status says
// (known when this driver is its parent).
func (d *Driver) noteVanished(dir string, v *vmState) {
	rt, err := readRuntime(dir)
	if err != nil || !rt.NoShutdown {
		return // no QEMU ran, or one started without -no-shutdown
	}
	if rec, ok := readExit(dir); ok && !rec.At.Before(rt.Started) {
		return // its end is recorded
	}
	reason := "QEMU ended without the guest shutting down"
	d.mu.Lock()
	exited := v.exited
	d.mu.Unlock()
	if exited != nil {
		// Our child: it is a zombie already (livePID saw it gone), and
		// the goroutine in Start reaps it in a moment, with its exit
		// status; a loaded host may take a while to run it.
		select {
		case <-exited:
		case <-time.After(reapWait):
		}
	}
	d.mu.Lock()
	waitErr, reaped := v.waitErr, v.exitedPID != 0 && v.exited != nil && isClosed(v.exited)
	d.mu.Unlock()
	if reaped {
		reason = exitReason(waitErr)
	}
	d.log.Warn("QEMU crashed", "dir", dir, "reason", reason)
	if err := writeExit(dir, false, reason); err != nil {
		d.log.Error("record the crash of a VM", "dir", dir, "err", err)
	}
}

// exitReason words an exit status for people.
func exitReason(err error) string {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		if err == nil {
			return "QEMU exited with status 0 without the guest shutting down"
		}
		return "QEMU ended: " + err.Error()
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return fmt.Sprintf("QEMU was killed by signal %d (%s)", int(ws.Signal()), ws.Signal())
	}
	return fmt.Sprintf("QEMU exited with status %d", ee.ExitCode())
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
