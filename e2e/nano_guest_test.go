package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// TestNanoGuestSettings changes a real guest through the Nano API: QoS
// on its running QEMU, its password through qemu-guest-agent, and its
// disk (grow, compact, reset from the image) while stopped.
func TestNanoGuestSettings(t *testing.T) {
	k := startKumo(t)
	img := k.uploadGuest("guest")
	n := k.nano(t)
	n.login()

	create := map[string]any{
		"name": "tuned", "pool": "default", "cores": 1, "memory": 256 << 20, "from_image": img.ID,
		"modules": []string{"qemu", "cloud-init"}, "cloud_init": map[string]any{"admin_secret": "first-pass"},
		"qos": map[string]any{"cpu_priority": "low", "read_iops": 150, "receive_speed": 1 << 20},
	}
	if r := n.call("POST", "/guests/", create); r.Status != 409 || !strings.Contains(r.Message, "NAT") {
		t.Fatalf("network QoS on a NAT guest: HTTP %d %s, want 409", r.Status, r.Message)
	}
	create["qos"] = map[string]any{"cpu_priority": "low", "read_iops": 150, "write_speed": 1 << 20}
	var created struct{ ID string }
	n.must(202, "POST", "/guests/", create, &created)
	vm := api.VM{ID: created.ID}
	eventually(t, 60*time.Second, "guest created", func() (bool, string) {
		r := n.call("GET", "/guests/"+vm.ID, nil)
		return r.Status == 200, string(r.Data)
	})
	n.must(200, "POST", "/instances/"+vm.ID, map[string]any{}, nil)
	k.waitSerial(vm, "KUMO-GUEST-READY", 1)

	// QoS: the create's CPU priority is on every QEMU thread.
	if nice := qemuNice(t, k.qemuPID(vm)); nice != 10 {
		t.Errorf("QEMU of a low-priority guest runs at nice %d, want 10", nice)
	}
	n.must(200, "PUT", "/guests/"+vm.ID+"/qos/cpu/", map[string]string{"priority": "high"}, nil)
	if nice := qemuNice(t, k.qemuPID(vm)); nice != -5 {
		t.Errorf("after priority high: nice %d, want -5", nice)
	}
	if r := n.call("PUT", "/guests/"+vm.ID+"/qos/cpu/", map[string]string{"priority": "urgent"}); r.Status != 400 {
		t.Errorf("unknown priority: HTTP %d", r.Status)
	}
	n.must(200, "PUT", "/guests/"+vm.ID+"/qos/disk/", map[string]int64{"read_speed": 4 << 20, "write_speed": 2 << 20, "read_iops": 400, "write_iops": 200}, nil)
	if r := n.call("PUT", "/guests/"+vm.ID+"/qos/disk/", map[string]int64{"read_speed": -1}); r.Status != 400 {
		t.Errorf("negative disk limit: HTTP %d", r.Status)
	}
	if r := n.call("PUT", "/guests/"+vm.ID+"/qos/network/", map[string]int64{"receive_speed": 1 << 20}); r.Status != 409 {
		t.Errorf("network limit on NAT: HTTP %d", r.Status)
	}
	n.must(200, "PUT", "/guests/"+vm.ID+"/qos/network/", map[string]int64{"receive_speed": 0, "send_speed": 0}, nil)
	var g struct {
		QoS struct {
			CPUPriority string `json:"cpu_priority"`
			ReadSpeed   int64  `json:"read_speed"`
			WriteIOPS   int64  `json:"write_iops"`
		} `json:"qos"`
		Disks []int64
	}
	n.must(200, "GET", "/guests/"+vm.ID, nil, &g)
	if g.QoS.CPUPriority != "high" || g.QoS.ReadSpeed != 4<<20 || g.QoS.WriteIOPS != 200 {
		t.Errorf("guest QoS: %+v", g.QoS)
	}

	// Password through the guest agent, seen by the guest's chpasswd.
	var auth struct{ User, Password string }
	n.must(200, "PUT", "/guests/"+vm.ID+"/auth", map[string]string{"user": "root", "password": "second-pass"}, &auth)
	k.waitSerial(vm, "KUMO-GUEST-PASSWORD-SET root", 1)
	n.must(200, "GET", "/guests/"+vm.ID+"/auth", nil, &auth)
	if auth.User != "root" || auth.Password != "second-pass" {
		t.Errorf("auth after set: %+v", auth)
	}
	n.must(200, "PUT", "/guests/"+vm.ID+"/auth", map[string]string{}, &auth)
	if auth.Password == "" || auth.Password == "second-pass" {
		t.Errorf("generated password: %+v", auth)
	}
	k.waitSerial(vm, "KUMO-GUEST-PASSWORD-SET root", 2)

	// Disks change only while stopped.
	size := g.Disks[0]
	if r := n.call("PUT", "/guests/"+vm.ID+"/disks/resize/0", map[string]any{"size": size + 64<<20}); r.Status != 409 {
		t.Fatalf("resize of a running guest: HTTP %d %s", r.Status, r.Message)
	}
	n.must(200, "DELETE", "/instances/"+vm.ID, map[string]bool{"force": true}, nil)
	k.waitStatus(vm, "stopped")
	if r := n.call("PUT", "/guests/"+vm.ID+"/auth", map[string]string{"password": "x"}); r.Status != 409 {
		t.Errorf("password of a stopped guest: HTTP %d", r.Status)
	}
	n.must(200, "PUT", "/guests/"+vm.ID+"/disks/resize/0", map[string]any{"size": size + 64<<20}, nil)
	disk := filepath.Join(k.vmDir(vm), "root.qcow2")
	if got := diskInfo(t, disk).VirtualSize; got != size+64<<20 {
		t.Errorf("disk after resize: %d bytes, want %d", got, size+64<<20)
	}
	n.must(200, "GET", "/guests/"+vm.ID, nil, &g)
	if g.Disks[0] != size+64<<20 {
		t.Errorf("guest disks after resize: %v", g.Disks)
	}
	for _, tc := range []struct {
		path string
		body any
		want int
	}{
		{"/disks/resize/0", map[string]any{"size": size}, 400},
		{"/disks/resize/1", map[string]any{"size": size * 2}, 404},
		{"/disks/resize/x", map[string]any{"size": size * 2}, 400},
		{"/disks/resize/0", map[string]any{"size": size * 2, "immediate": true}, 501},
		{"/system/", map[string]any{"from_image": "no-such-image"}, 404},
		{"/system/", map[string]any{}, 400},
	} {
		if r := n.call("PUT", "/guests/"+vm.ID+tc.path, tc.body); r.Status != tc.want {
			t.Errorf("PUT %s %v: HTTP %d (%s), want %d", tc.path, tc.body, r.Status, r.Message, tc.want)
		}
	}

	// Data written to the disk: compacting keeps it, a reset drops it.
	at := strconv.FormatInt(size, 10) // in the grown part of the disk
	qemuIOPattern(t, disk, "write -P 0x6b "+at+" 1M")
	n.must(200, "PUT", "/guests/"+vm.ID+"/disks/shrink/0", map[string]any{"immediate": false}, nil)
	if out := qemuIOPattern(t, disk, "read -P 0x6b "+at+" 1M"); strings.Contains(out, "Pattern verification failed") {
		t.Fatalf("compacting lost data: %s", out)
	}
	n.must(200, "PUT", "/guests/"+vm.ID+"/system/", map[string]string{"from_image": img.ID}, nil)
	if out := qemuIOPattern(t, disk, "read -P 0x6b "+at+" 1M"); !strings.Contains(out, "Pattern verification failed") {
		t.Fatalf("the reset disk still holds the old data: %s", out)
	}
	if info := diskInfo(t, disk); info.VirtualSize != size+64<<20 || info.BackingFile == "" {
		t.Errorf("reset disk: %+v, want the grown size on the image", info)
	}
	n.must(200, "POST", "/instances/"+vm.ID, map[string]any{}, nil)
	k.waitSerial(vm, "KUMO-GUEST-READY", 2)
	if nice := qemuNice(t, k.qemuPID(vm)); nice != -5 {
		t.Errorf("after restart: nice %d, want the stored priority's -5", nice)
	}
}

// qemuNice returns the nice value shared by all threads of pid.
func qemuNice(t *testing.T, pid int) int {
	t.Helper()
	if pid == 0 {
		t.Fatal("no QEMU process")
	}
	tasks, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
	if err != nil {
		t.Fatal(err)
	}
	nice := 0
	for i, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		prio, err := syscall.Getpriority(syscall.PRIO_PROCESS, tid)
		if err != nil {
			continue // the thread ended
		}
		if i > 0 && 20-prio != nice {
			t.Errorf("thread %d has nice %d, others %d", tid, 20-prio, nice)
		}
		nice = 20 - prio
	}
	return nice
}

type imageInfo struct {
	VirtualSize int64  `json:"virtual-size"`
	BackingFile string `json:"backing-filename"`
}

func diskInfo(t *testing.T, path string) imageInfo {
	t.Helper()
	out, err := exec.Command("qemu-img", "info", "-U", "--output=json", path).Output()
	if err != nil {
		t.Fatalf("qemu-img info %s: %v", path, err)
	}
	var info imageInfo
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatal(err)
	}
	return info
}

func qemuIOPattern(t *testing.T, path, cmd string) string {
	t.Helper()
	out, err := exec.Command("qemu-io", "-f", "qcow2", "-c", cmd, path).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "Pattern verification failed") {
		t.Fatalf("qemu-io %q %s: %v: %s", cmd, path, err, out)
	}
	return string(out)
}
