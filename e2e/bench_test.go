package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/qmp"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// Run with: go test -run '^$' -bench . -benchtime 1x ./e2e/
// Each iteration measures 20 VMs; the metrics are per VM.

const benchVMs = 20

// percentile returns the p-th percentile (0-100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	idx := int(float64(len(s)-1) * p / 100)
	return s[idx]
}

func reportPercentiles(b *testing.B, name string, ds []time.Duration) {
	b.ReportMetric(float64(percentile(ds, 50).Microseconds())/1000, name+"-p50-ms")
	b.ReportMetric(float64(percentile(ds, 95).Microseconds())/1000, name+"-p95-ms")
}

// BenchmarkStartVM measures, for 20 VMs, the time from the API call that
// starts a VM to its task reporting QEMU running, and beside it the time a
// bare qemu-system-x86_64 with the same disk takes from exec to answering
// QMP, measured in the same run.
func BenchmarkStartVM(b *testing.B) {
	guestDir(b)
	k := startKumo(b)
	k.uploadGuest("guest")
	vms := make([]api.VM, benchVMs)
	for i := range vms {
		vms[i] = k.createVM(api.VMsPost{Name: "bench-" + strconv.Itoa(i), Image: "guest", MemoryMiB: 128})
	}
	var viaAPI, bare []time.Duration
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for _, vm := range vms {
			start := time.Now()
			t, err := k.c.ChangeVMState(context.Background(), vm.ID, api.VMStatePut{Action: "start"})
			if err != nil {
				b.Fatal(err)
			}
			k.mustTask(t)
			viaAPI = append(viaAPI, time.Since(start))
			b.StopTimer()
			k.mustTask(mustAction(b, k, vm, "poweroff"))
			bare = append(bare, bareQEMUStart(b, filepath.Join(k.vmDir(vm), "root.qcow2")))
			b.StartTimer()
		}
	}
	b.StopTimer()
	reportPercentiles(b, "api-to-running", viaAPI)
	reportPercentiles(b, "bare-qemu-to-qmp", bare)
}

func mustAction(b *testing.B, k *kumo, vm api.VM, action string) api.Task {
	t, err := k.c.ChangeVMState(context.Background(), vm.ID, api.VMStatePut{Action: action})
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// bareQEMUStart runs qemu-system-x86_64 on disk the way an operator would
// by hand, and returns the time until its QMP socket answers query-status.
func bareQEMUStart(b *testing.B, disk string) time.Duration {
	dir := b.TempDir()
	sock := filepath.Join(dir, "qmp.sock")
	start := time.Now()
	cmd := exec.Command("qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", "max", "-m", "128",
		"-nodefaults", "-display", "none", "-drive", "file="+disk+",if=virtio,snapshot=on",
		"-qmp", "unix:"+sock+",server=on,wait=off")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		m, err := qmp.Dial(ctx, sock)
		if err == nil {
			_, err = m.QueryStatus(ctx)
			m.Close()
			if err == nil {
				return time.Since(start)
			}
		}
		if ctx.Err() != nil {
			b.Fatalf("bare QEMU never answered QMP: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkCreateFromImage measures the create task (disk made on the
// host) for a 15 MB and a 2 GB image, COW and full copy. COW must not grow
// with the image size.
func BenchmarkCreateFromImage(b *testing.B) {
	requireQEMU(b)
	k := startKumo(b)
	for _, size := range []int64{15 << 20, 2 << 30} {
		name := fmt.Sprintf("img-%dMB", size>>20)
		k.uploadFile(name, filledImage(b, size))
		for _, mode := range []string{"cow", "full"} {
			b.Run(fmt.Sprintf("%s/%s", name, mode), func(b *testing.B) {
				var ds []time.Duration
				for n := 0; n < b.N; n++ {
					for i := 0; i < 5; i++ {
						vmName := fmt.Sprintf("%s-%s-%d-%d", name, mode, n, i)
						start := time.Now()
						created, err := k.c.CreateVM(context.Background(), api.VMsPost{Name: vmName, Image: name, MemoryMiB: 64, CloneMode: mode})
						if err != nil {
							b.Fatal(err)
						}
						k.mustTask(created.Task)
						ds = append(ds, time.Since(start))
						b.StopTimer()
						dt, err := k.c.DeleteVM(context.Background(), created.VM.ID)
						if err != nil {
							b.Fatal(err)
						}
						k.mustTask(dt)
						b.StartTimer()
					}
				}
				reportPercentiles(b, "create", ds)
			})
		}
	}
}

// filledImage returns a qcow2 image with size bytes of real data.
func filledImage(b *testing.B, size int64) string {
	dir := b.TempDir()
	raw := filepath.Join(dir, "img.raw")
	f, err := os.Create(raw)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 4<<20)
	rand.Read(buf)
	for written := int64(0); written < size; written += int64(len(buf)) {
		buf[0]++ // no two blocks alike
		if _, err := f.Write(buf[:min(int64(len(buf)), size-written)]); err != nil {
			b.Fatal(err)
		}
	}
	f.Close()
	out := filepath.Join(dir, "img.qcow2")
	if o, err := exec.Command("qemu-img", "convert", "-O", "qcow2", raw, out).CombinedOutput(); err != nil {
		b.Fatalf("%v: %s", err, o)
	}
	os.Remove(raw)
	return out
}
