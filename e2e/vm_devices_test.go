package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// guestShell is the root shell on a running test guest's serial console,
// opened through /v1.
type guestShell struct {
	t    *testing.T
	conn net.Conn
	n    int
	out  strings.Builder
}

func (k *kumo) guestShell(t *testing.T, vm api.VM) *guestShell {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	conn, err := k.c.Console(ctx, vm.ID, "serial")
	if err != nil {
		t.Fatalf("open the serial console of %s: %v", vm.Name, err)
	}
	t.Cleanup(func() { conn.Close() })
	return &guestShell{t: t, conn: conn}
}

// run types a command line into the guest's shell and returns what it
// printed, trimmed: the answer is wrapped in a marker the echo of the
// typed line cannot match (it holds "$(", the answer does not).
func (g *guestShell) run(cmd string) string {
	g.t.Helper()
	g.n++
	tag := fmt.Sprintf("KUMO-R%d", g.n)
	if _, err := fmt.Fprintf(g.conn, "\recho \"%s=$(%s)=END\"\r", tag, cmd); err != nil {
		g.t.Fatalf("type %q: %v", cmd, err)
	}
	re := regexp.MustCompile(tag + `=([^=$]*)=END`)
	buf := make([]byte, 4096)
	g.conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	for {
		if m := re.FindStringSubmatch(g.out.String()); m != nil {
			g.out.Reset()
			return strings.TrimSpace(m[1])
		}
		n, err := g.conn.Read(buf)
		g.out.Write(buf[:n])
		if err != nil {
			g.t.Fatalf("the guest did not answer %q (%v); last: %q", cmd, err, lastBytes(g.out.String(), 300))
		}
	}
}

// TestVMDevices drives a VM's devices through /v1 and the typed client
// and watches the real guest see them: a data disk added and grown is a
// block device of that size, a LAN it joined is a second NIC with the
// LAN's MAC, a forwarded host port is listened on, an ISO inserted is
// readable in its CD-ROM drive and gone when ejected, a password set
// reaches its guest agent, and a snapshot reverted undoes a write to its
// system disk. Then it leaves the LAN, drops the forward and the disk,
// and the next boot has none of them.
func TestVMDevices(t *testing.T) {
	guestDir(t)
	k := startKumo(t)
	ctx := ctxT(t)
	c := k.c
	k.uploadGuest("guest")
	isoFile, err := os.Open(filepath.Join(guestDir(t), "kumo-test-guest.iso"))
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := isoFile.Stat()
	iso, err := c.UploadImage(ctx, "guest-iso", "iso", isoFile, fi.Size())
	isoFile.Close()
	if err != nil {
		t.Fatalf("upload the ISO: %v", err)
	}
	vm := k.createVM(api.VMsPost{Name: "dev1", Image: "guest", MemoryMiB: 256})

	// Disks, while stopped.
	disks, err := c.VMDisks(ctx, vm.Name)
	if err != nil || len(disks) != 1 || disks[0].Name != "vda" || disks[0].Type != "system" || disks[0].SizeBytes != vm.DiskBytes {
		t.Fatalf("disks of a new VM: %+v %v", disks, err)
	}
	vdb, err := c.AddVMDisk(ctx, vm.Name, api.DisksPost{SizeBytes: 64 << 20, MountDir: "/data"})
	if err != nil || vdb.Name != "vdb" || vdb.Index != 1 || vdb.Type != "data" || vdb.SizeBytes != 64<<20 || vdb.MountDir != "/data" {
		t.Fatalf("add a data disk: %+v %v", vdb, err)
	}
	vdc, err := c.AddVMDisk(ctx, vm.Name, api.DisksPost{SizeBytes: 32 << 20})
	if err != nil || vdc.Name != "vdc" {
		t.Fatalf("add a second data disk: %+v %v", vdc, err)
	}
	if err := c.RemoveVMDisk(ctx, vm.Name, "vdc"); err != nil {
		t.Fatalf("remove vdc: %v", err)
	}
	k.taskDone(c.ResizeVMDisk(ctx, vm.Name, "vdb", 96<<20))
	disks, err = c.VMDisks(ctx, vm.Name)
	if err != nil || len(disks) != 2 || disks[1].Name != "vdb" || disks[1].SizeBytes != 96<<20 {
		t.Fatalf("disks after add, remove and resize: %+v %v", disks, err)
	}
	_, err = c.AddVMDisk(ctx, vm.Name, api.DisksPost{SizeBytes: 1000})
	wantAPIError(t, "a disk size that is no multiple of 512", err, http.StatusBadRequest)
	_, err = c.ResizeVMDisk(ctx, vm.Name, "vdb", 32<<20)
	wantAPIError(t, "shrink a disk", err, http.StatusBadRequest)
	_, err = c.ResizeVMDisk(ctx, vm.Name, "vdq", 1<<30)
	wantAPIError(t, "resize a disk the VM has not", err, http.StatusNotFound)
	wantAPIError(t, "remove the system disk", c.RemoveVMDisk(ctx, vm.Name, "vda"), http.StatusConflict)
	wantAPIError(t, "remove a removed disk", c.RemoveVMDisk(ctx, vm.Name, "vdc"), http.StatusNotFound)

	// A port forward.
	hostPort := freePort(t)
	fwd, err := c.AddPortForward(ctx, vm.Name, api.PortForwardsPost{HostPort: hostPort, GuestPort: 22})
	if err != nil || fwd != (api.PortForward{Protocol: "tcp", HostPort: hostPort, GuestPort: 22}) {
		t.Fatalf("add a port forward: %+v %v", fwd, err)
	}
	_, err = c.AddPortForward(ctx, vm.Name, api.PortForwardsPost{HostPort: hostPort, GuestPort: 23})
	wantAPIError(t, "forward a host port twice", err, http.StatusConflict)
	_, err = c.AddPortForward(ctx, vm.Name, api.PortForwardsPost{Protocol: "sctp", HostPort: 1, GuestPort: 1})
	wantAPIError(t, "an unknown protocol", err, http.StatusBadRequest)
	if fwds, err := c.PortForwards(ctx, vm.Name); err != nil || len(fwds) != 1 || fwds[0] != fwd {
		t.Fatalf("port forwards: %+v %v", fwds, err)
	}

	// A LAN of the VM's host (made through the service: /v1 networks are
	// another route file's).
	p, _, err := k.srv.Service().Authenticate(ctx, c.Token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.srv.Service().CreateLAN(service.WithPrincipal(ctx, p), "devlan", "192.168.77.0/24", vm.Host); err != nil {
		t.Fatalf("create a LAN: %v", err)
	}
	lanNIC, err := c.JoinVMNetwork(ctx, vm.Name, "devlan")
	if err != nil || lanNIC.Type != "lan" || lanNIC.Index != 1 || lanNIC.Network != "devlan" || !strings.HasPrefix(lanNIC.Address, "192.168.77.") {
		t.Fatalf("join a LAN: %+v %v", lanNIC, err)
	}
	_, err = c.JoinVMNetwork(ctx, vm.Name, "devlan")
	wantAPIError(t, "join a LAN twice", err, http.StatusConflict)
	_, err = c.JoinVMNetwork(ctx, vm.Name, "no-such-lan")
	wantAPIError(t, "join an unknown LAN", err, http.StatusNotFound)
	nics, err := c.VMNICs(ctx, vm.Name)
	if err != nil || len(nics) != 2 || nics[0].Type != "nat" || nics[0].Address != "10.0.2.15" || nics[1] != lanNIC {
		t.Fatalf("NICs: %+v %v", nics, err)
	}

	// The disk as it is now is the snapshot to revert to.
	k.taskDone(c.CreateSnapshot(ctx, vm.Name, api.SnapshotsPost{Name: "clean"}))
	sn, err := c.Snapshot(ctx, vm.Name, "clean")
	if err != nil || sn.Name != "clean" || !sn.Current || sn.Running {
		t.Fatalf("snapshot: %+v %v", sn, err)
	}
	_, err = c.Snapshot(ctx, vm.Name, "nothing")
	wantAPIError(t, "an unknown snapshot", err, http.StatusNotFound)

	// A stopped VM has no drive to show, and no guest agent.
	_, err = c.VMCDROM(ctx, vm.Name)
	wantAPIError(t, "CD-ROM of a stopped VM", err, http.StatusConflict)
	_, err = c.SetGuestPassword(ctx, vm.Name, api.GuestPasswordPut{User: "root", Password: "x-Passw0rd"})
	wantAPIError(t, "password of a stopped VM", err, http.StatusConflict)

	// First boot: the guest sees all of it.
	k.action(vm, "start")
	k.waitSerial(vm, "KUMO-GUEST-READY", 1)
	if !strings.Contains(k.serial(vm), fmt.Sprintf("KUMO-GUEST-DISK vdb %d", 96<<20)) {
		t.Errorf("the guest shows no 96 MiB vdb:\n%s", k.serial(vm))
	}
	sh := k.guestShell(t, vm)
	if got := sh.run("cat /sys/block/vdb/size"); got != strconv.Itoa(96<<20/512) {
		t.Errorf("vdb has %s sectors, want %d", got, 96<<20/512)
	}
	if got := sh.run("cat /sys/class/net/eth1/address"); got != lanNIC.MAC {
		t.Errorf("eth1's MAC is %q, want the LAN NIC's %s", got, lanNIC.MAC)
	}
	if conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", hostPort), 5*time.Second); err != nil {
		t.Errorf("the forwarded host port %d is not listened on: %v", hostPort, err)
	} else {
		conn.Close()
	}
	_, err = c.AddVMDisk(ctx, vm.Name, api.DisksPost{SizeBytes: 1 << 20})
	wantAPIError(t, "add a disk to a running VM", err, http.StatusConflict)
	_, err = c.ResizeVMDisk(ctx, vm.Name, "vdb", 128<<20)
	wantAPIError(t, "grow a running VM's disk", err, http.StatusConflict)
	wantAPIError(t, "leave a LAN while running", c.LeaveVMNetwork(ctx, vm.Name, "devlan"), http.StatusConflict)
	_, err = c.RevertSnapshot(ctx, vm.Name, "clean")
	wantAPIError(t, "revert a running VM", err, http.StatusConflict)

	// The CD-ROM: an ISO goes in, the guest reads its volume descriptor;
	// ejected, the drive has nothing to read.
	cd, err := c.VMCDROM(ctx, vm.Name)
	if err != nil || !cd.Empty || cd.Image != "" {
		t.Fatalf("the drive of a VM started from its disk: %+v %v", cd, err)
	}
	cd, err = c.InsertVMCDROM(ctx, vm.Name, "guest-iso")
	if err != nil || cd.Empty || cd.Image != iso.ID || cd.ImageName != "guest-iso" {
		t.Fatalf("insert the ISO: %+v %v", cd, err)
	}
	readCD := "dd if=/dev/sr0 bs=2048 skip=16 count=1 2>/dev/null | grep -c CD001"
	eventually(t, 30*time.Second, "the guest reads the ISO", func() (bool, string) {
		got := sh.run(readCD)
		return got == "1", got
	})
	_, err = c.InsertVMCDROM(ctx, vm.Name, "guest")
	wantAPIError(t, "insert a disk image", err, http.StatusBadRequest)
	if err := c.EjectVMCDROM(ctx, vm.Name); err != nil {
		t.Fatalf("eject: %v", err)
	}
	if cd, err = c.VMCDROM(ctx, vm.Name); err != nil || !cd.Empty {
		t.Fatalf("the drive after eject: %+v %v", cd, err)
	}
	eventually(t, 30*time.Second, "the guest has no medium", func() (bool, string) {
		got := sh.run(readCD)
		return got == "0", got
	})

	// The guest agent sets a password (the test guest's chpasswd prints
	// a marker), and Kumo remembers it.
	k.waitSerial(vm, "KUMO-GUEST-AGENT started", 1)
	cred, err := c.SetGuestPassword(ctx, vm.Name, api.GuestPasswordPut{User: "root", Password: "n3w-Passw0rd"})
	if err != nil || cred != (api.GuestCredentials{User: "root", Password: "n3w-Passw0rd"}) {
		t.Fatalf("set the password: %+v %v", cred, err)
	}
	k.waitSerial(vm, "KUMO-GUEST-PASSWORD-SET root", 1)
	if got, err := c.GuestCredentials(ctx, vm.Name); err != nil || got != cred {
		t.Fatalf("credentials: %+v %v", got, err)
	}
	made, err := c.SetGuestPassword(ctx, vm.Name, api.GuestPasswordPut{})
	if err != nil || made.User != "root" || len(made.Password) < 8 {
		t.Fatalf("a made password: %+v %v", made, err)
	}

	// A write to the system disk's last sector, which the snapshot
	// does not hold.
	last := "$(( $(cat /sys/block/vda/size) - 1 ))"
	sh.run("echo KUMO-SCRATCH | dd of=/dev/vda bs=512 seek=" + last + " conv=notrunc 2>/dev/null; sync")
	readMark := "dd if=/dev/vda bs=512 skip=" + last + " count=1 2>/dev/null | grep -c KUMO-SCRATCH"
	if got := sh.run(readMark); got != "1" {
		t.Fatalf("the guest's write to vda did not stick: %q", got)
	}
	sh.conn.Close()
	k.mustTask(k.action(vm, "poweroff"))
	k.waitStatus(vm, "stopped")

	// Revert, then take the VM off its devices.
	k.taskDone(c.RevertSnapshot(ctx, vm.Name, "clean"))
	if err := c.LeaveVMNetwork(ctx, vm.Name, "devlan"); err != nil {
		t.Fatalf("leave the LAN: %v", err)
	}
	wantAPIError(t, "leave a LAN twice", c.LeaveVMNetwork(ctx, vm.Name, "devlan"), http.StatusNotFound)
	if err := c.RemovePortForward(ctx, vm.Name, "tcp", hostPort); err != nil {
		t.Fatalf("remove the port forward: %v", err)
	}
	wantAPIError(t, "remove a removed forward", c.RemovePortForward(ctx, vm.Name, "tcp", hostPort), http.StatusNotFound)
	if err := c.RemoveVMDisk(ctx, vm.Name, "vdb"); err != nil {
		t.Fatalf("remove vdb: %v", err)
	}
	if nics, err := c.VMNICs(ctx, vm.Name); err != nil || len(nics) != 1 {
		t.Fatalf("NICs after leaving the LAN: %+v %v", nics, err)
	}

	// Second boot: the write is undone, and the LAN's NIC, the forward
	// and the data disk are gone.
	k.action(vm, "start")
	k.waitSerial(vm, "KUMO-GUEST-READY", 2)
	sh = k.guestShell(t, vm)
	if got := sh.run(readMark); got != "0" {
		t.Errorf("after reverting to the snapshot the write is still on vda (%q)", got)
	}
	if got := sh.run("ls /sys/block | grep -c vdb"); got != "0" {
		t.Errorf("the removed vdb is still in the guest (%q)", got)
	}
	if got := sh.run("ls /sys/class/net | grep -c eth1"); got != "0" {
		t.Errorf("the guest still has a second NIC (%q)", got)
	}
	if conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", hostPort), 2*time.Second); err == nil {
		conn.Close()
		t.Errorf("host port %d is still forwarded", hostPort)
	}

	// Deleting the snapshot takes it away.
	k.taskDone(c.DeleteSnapshot(ctx, vm.Name, "clean"))
	_, err = c.Snapshot(ctx, vm.Name, "clean")
	wantAPIError(t, "a deleted snapshot", err, http.StatusNotFound)
	_, err = c.DeleteSnapshot(ctx, vm.Name, "clean")
	wantAPIError(t, "delete a deleted snapshot", err, http.StatusNotFound)
}

// taskDone fails the test if a call that starts a task failed, and
// waits for the task to succeed.
func (k *kumo) taskDone(t api.Task, err error) api.Task {
	k.t.Helper()
	if err != nil {
		k.t.Fatal(err)
	}
	return k.mustTask(t)
}
