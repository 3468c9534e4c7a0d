package qemu

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// BenchmarkStartToQMPReady is the floor for Driver.Start: a bare QEMU
// process, started by hand with the same machine, until QMP answers
// query-status.
func BenchmarkStartToQMPReady(b *testing.B) {
	requireQEMU(b)
	dir := b.TempDir()
	sock := filepath.Join(dir, "qmp.sock")
	for range b.N {
		os.Remove(sock)
		cmd := exec.Command("qemu-system-x86_64", "-machine", machineType, "-accel", "tcg", "-cpu", "max", "-m", "64",
			"-nodefaults", "-no-user-config", "-display", "none", "-qmp", "unix:"+sock+",server=on,wait=off")
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		m, err := dialWhileStarting(ctx, sock, exited)
		if err == nil {
			_, err = m.QueryStatus(ctx)
			m.Close()
		}
		cancel()
		b.StopTimer()
		cmd.Process.Kill()
		<-exited
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkDriverStart is Driver.Start of a disk-less VM until it reports
// running: the bare start plus the driver's own work (files, socket
// directory, pidfile check).
func BenchmarkDriverStart(b *testing.B) {
	requireQEMU(b)
	dir := b.TempDir()
	cleanUpVM(b, dir)
	d := newTestDriver(b, Options{Logger: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	spec := hypervisor.Spec{ID: "bench", Cores: 1, MemoryMiB: 64}
	for range b.N {
		st, err := d.Start(ctx, dir, spec)
		if err != nil {
			b.Fatal(err)
		}
		if st.State != hypervisor.StateRunning {
			b.Fatalf("started VM is %s", st.State)
		}
		b.StopTimer()
		if err := d.PowerOff(ctx, dir); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
