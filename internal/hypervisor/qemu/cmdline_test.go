package qemu

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

func TestCommandLine(t *testing.T) {
	const dir = "/var/lib/kumo/vms/abc"
	socks := socketsIn(dir)
	base := hypervisor.Spec{ID: "abc", Name: "web,1", Cores: 2, MemoryMiB: 256}
	for _, tc := range []struct {
		name    string
		accel   hypervisor.Accel
		edit    func(s *hypervisor.Spec)
		want    []string // substrings of the joined command line
		wantErr string
	}{{
		name:  "minimal TCG",
		accel: hypervisor.AccelTCG,
		edit:  func(*hypervisor.Spec) {},
		want: []string{
			"-name guest=web,,1,debug-threads=on", "-machine pc", "-accel tcg", "-cpu max", "-smp 2", "-m 256",
			"-nodefaults -no-user-config", "-pidfile " + dir + "/qemu.pid",
			"socket,id=qmp,path=" + dir + "/qmp.sock,server=on,wait=off", "-mon chardev=qmp,mode=control",
			"-display none", "-device VGA", "-vnc unix:" + dir + "/vnc.sock",
			"socket,id=serial0,path=" + dir + "/serial.sock,server=on,wait=off,logfile=" + dir + "/serial.log,logappend=on",
			"-serial chardev:serial0",
			"-action panic=pause",
		},
	}, {
		name:  "KVM uses the host CPU",
		accel: hypervisor.AccelKVM,
		edit:  func(s *hypervisor.Spec) { s.Cores = 0 },
		want:  []string{"-accel kvm", "-cpu host", "-smp 1"},
	}, {
		name:  "disks, media and boot order",
		accel: hypervisor.AccelTCG,
		edit: func(s *hypervisor.Spec) {
			s.BootMedia = true
			s.Disks = []hypervisor.Disk{
				{Path: "/d/root,1.qcow2", Format: "qcow2", IOPSLimit: 100, BPSLimit: 1 << 20},
				{Path: "/d/media.iso", Format: "raw", Media: true},
				{Path: "/d/seed.img", Format: "raw", ReadOnly: true},
				{Path: "/d/other.iso", Format: "raw", Media: true},
			}
		},
		want: []string{
			"if=none,id=drive-disk0,file=/d/root,,1.qcow2,format=qcow2,cache=writeback,discard=unmap,throttling.iops-total=100,throttling.bps-total=1048576",
			"virtio-blk-pci,drive=drive-disk0,id=disk0,bootindex=1",
			"file=/d/seed.img,format=raw,cache=writeback,discard=unmap,readonly=on",
			"virtio-blk-pci,drive=drive-disk1,id=disk1,bootindex=2",
			"id=drive-cd0,file=/d/media.iso,format=raw,cache=writeback,media=cdrom,readonly=on",
			"ide-cd,bus=ide.0,unit=0,drive=drive-cd0,id=cd0,bootindex=0",
			"ide-cd,bus=ide.0,unit=1,drive=drive-cd1,id=cd1,bootindex=3",
		},
	}, {
		name:  "disk boots before media",
		accel: hypervisor.AccelTCG,
		edit: func(s *hypervisor.Spec) {
			s.Disks = []hypervisor.Disk{{Path: "/d/media.iso", Format: "raw", Media: true}, {Path: "/d/root.qcow2", Format: "qcow2"}}
		},
		want: []string{"id=cd0,bootindex=1", "id=disk0,bootindex=0"},
	}, {
		name:  "no media: an empty CD-ROM drive for media changes",
		accel: hypervisor.AccelTCG,
		edit: func(s *hypervisor.Spec) {
			s.Disks = []hypervisor.Disk{{Path: "/d/root.qcow2", Format: "qcow2"}}
		},
		want: []string{"-drive if=none,id=drive-cd0,media=cdrom,readonly=on -device ide-cd,bus=ide.0,unit=0,drive=drive-cd0,id=cd0,bootindex=1"},
	}, {
		name:  "user and tap NICs, guest agent",
		accel: hypervisor.AccelTCG,
		edit: func(s *hypervisor.Spec) {
			s.GuestAgent = true
			s.NICs = []hypervisor.NIC{
				{MAC: "52:54:00:AB:00:01", PortForwards: []hypervisor.PortForward{{HostPort: 2222, GuestPort: 22}, {Protocol: "udp", HostAddr: "0.0.0.0", HostPort: 5353, GuestPort: 53}}},
				{Mode: "tap", Tap: "kumo-tap0", Model: "e1000"},
			}
		},
		want: []string{
			"-netdev user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=udp:0.0.0.0:5353-:53",
			"-device virtio-net-pci,netdev=net0,id=nic0,romfile=,mac=52:54:00:ab:00:01",
			"-netdev tap,id=net1,ifname=kumo-tap0,script=no,downscript=no", "-device e1000,netdev=net1,id=nic1,romfile=",
			"-device virtio-serial-pci,id=vser0", "socket,id=qga0,path=" + dir + "/qga.sock,server=on,wait=off",
			"virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0",
		},
	}, {
		name:  "user NIC shaped to an address pool",
		accel: hypervisor.AccelTCG,
		edit: func(s *hypervisor.Spec) {
			s.NICs = []hypervisor.NIC{{UserNet: &hypervisor.UserNet{Network: "172.30.5.0/24", Gateway: "172.30.5.1", DNS: "172.30.5.2", DHCPStart: "172.30.5.10"}}}
		},
		want: []string{"-netdev user,id=net0,net=172.30.5.0/24,host=172.30.5.1,dns=172.30.5.2,dhcpstart=172.30.5.10 "},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			spec := base
			tc.edit(&spec)
			args, err := commandLine(dir, socks, tc.accel, spec)
			if err != nil {
				t.Fatal(err)
			}
			line := strings.Join(args, " ")
			for _, w := range tc.want {
				if !strings.Contains(line, w) {
					t.Errorf("command line lacks %q:\n%s", w, line)
				}
			}
		})
	}
}

func TestCommandLineRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		accel   hypervisor.Accel
		spec    hypervisor.Spec
		wantErr string
	}{
		{"no ID", hypervisor.AccelTCG, hypervisor.Spec{MemoryMiB: 64}, "no ID"},
		{"no memory", hypervisor.AccelTCG, hypervisor.Spec{ID: "a"}, "memory 0 MiB"},
		{"unknown accel", "hvf", hypervisor.Spec{ID: "a", MemoryMiB: 64}, `accelerator "hvf"`},
		{"relative disk", hypervisor.AccelTCG, hypervisor.Spec{ID: "a", MemoryMiB: 64, Disks: []hypervisor.Disk{{Path: "root.qcow2", Format: "qcow2"}}}, "not absolute"},
		{"bad format", hypervisor.AccelTCG, hypervisor.Spec{ID: "a", MemoryMiB: 64, Disks: []hypervisor.Disk{{Path: "/r", Format: "qcow2,copy-on-read=on"}}}, "format"},
		{"boot media without media", hypervisor.AccelTCG, hypervisor.Spec{ID: "a", MemoryMiB: 64, BootMedia: true}, "no media disk"},
		{"too many media", hypervisor.AccelTCG, hypervisor.Spec{ID: "a", MemoryMiB: 64, Disks: []hypervisor.Disk{
			{Path: "/1", Format: "raw", Media: true}, {Path: "/2", Format: "raw", Media: true}, {Path: "/3", Format: "raw", Media: true},
			{Path: "/4", Format: "raw", Media: true}, {Path: "/5", Format: "raw", Media: true}}}, "5 media"},
		{"bad MAC", hypervisor.AccelTCG, hypervisor.Spec{ID: "a", MemoryMiB: 64, NICs: []hypervisor.NIC{{MAC: "52:54:00:00:00:01,x=y"}}}, "MAC"},
		{"bad tap", hypervisor.AccelTCG, hypervisor.Spec{ID: "a", MemoryMiB: 64, NICs: []hypervisor.NIC{{Mode: "tap", Tap: "tap0,script=/x"}}}, "tap device name"},
		{"bad mode", hypervisor.AccelTCG, hypervisor.Spec{ID: "a", MemoryMiB: 64, NICs: []hypervisor.NIC{{Mode: "bridge"}}}, `mode "bridge"`},
		{"bad model", hypervisor.AccelTCG, hypervisor.Spec{ID: "a", MemoryMiB: 64, NICs: []hypervisor.NIC{{Model: "e1000,romfile=/x"}}}, "model"},
		{"bad port", hypervisor.AccelTCG, hypervisor.Spec{ID: "a", MemoryMiB: 64, NICs: []hypervisor.NIC{{PortForwards: []hypervisor.PortForward{{HostPort: 0, GuestPort: 22}}}}}, "out of range"},
		{"bad host address", hypervisor.AccelTCG, hypervisor.Spec{ID: "a", MemoryMiB: 64, NICs: []hypervisor.NIC{{PortForwards: []hypervisor.PortForward{{HostAddr: "::1", HostPort: 2222, GuestPort: 22}}}}}, "IPv4"},
		{"user network not CIDR", hypervisor.AccelTCG, hypervisor.Spec{ID: "a", MemoryMiB: 64, NICs: []hypervisor.NIC{{UserNet: &hypervisor.UserNet{Network: "172.30.5.1/24"}}}}, "CIDR"},
		{"user network option smuggled", hypervisor.AccelTCG, hypervisor.Spec{ID: "a", MemoryMiB: 64, NICs: []hypervisor.NIC{{UserNet: &hypervisor.UserNet{Network: "172.30.5.0/24", Gateway: "172.30.5.1,smb=/"}}}}, "host address"},
		{"gateway outside the user network", hypervisor.AccelTCG, hypervisor.Spec{ID: "a", MemoryMiB: 64, NICs: []hypervisor.NIC{{UserNet: &hypervisor.UserNet{Network: "172.30.5.0/24", DHCPStart: "10.0.0.1"}}}}, "dhcpstart"},
		{"user network on tap", hypervisor.AccelTCG, hypervisor.Spec{ID: "a", MemoryMiB: 64, NICs: []hypervisor.NIC{{Mode: "tap", Tap: "t0", UserNet: &hypervisor.UserNet{Network: "172.30.5.0/24"}}}}, "need mode user"},
		{"bad protocol", hypervisor.AccelTCG, hypervisor.Spec{ID: "a", MemoryMiB: 64, NICs: []hypervisor.NIC{{PortForwards: []hypervisor.PortForward{{Protocol: "sctp", HostPort: 1, GuestPort: 1}}}}}, "sctp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := commandLine("/vm", socketsIn("/vm"), tc.accel, tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestSocketDir(t *testing.T) {
	short := t.TempDir()
	if d, err := socketDirFor(short); err != nil || d != short {
		t.Fatalf("short dir: sockets in %q, %v", d, err)
	}
	long := filepath.Join(t.TempDir(), strings.Repeat("d", 120))
	if err := os.MkdirAll(long, 0o700); err != nil {
		t.Fatal(err)
	}
	d, err := socketDirFor(long)
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(d)
	if len(filepath.Join(d, qmpSocketName)) > maxSocketPath {
		t.Fatalf("short socket dir %s is still too long", d)
	}
	if again, _ := socketDirFor(long); again != d {
		t.Fatalf("socket dir not stable: %s then %s", d, again)
	}
	if fi, err := os.Lstat(d); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("socket dir %s: %v %v", d, fi.Mode(), err)
	}
	// Without a record, Sockets finds the same place.
	if got := Sockets(long).QMP; got != filepath.Join(d, qmpSocketName) {
		t.Fatalf("Sockets(long) = %s, want in %s", got, d)
	}
}

func TestEnsureOwnDirRefusesSymlink(t *testing.T) {
	base := t.TempDir()
	link := filepath.Join(base, "link")
	if err := os.Symlink(t.TempDir(), link); err != nil {
		t.Fatal(err)
	}
	if err := ensureOwnDir(link, 0o077); err == nil {
		t.Fatal("a symlink was accepted as socket directory")
	}
	open := filepath.Join(base, "open")
	os.Mkdir(open, 0o777)
	os.Chmod(open, 0o777)
	if err := ensureOwnDir(open, 0o077); err == nil {
		t.Fatal("a world-writable directory was accepted")
	}
}

func TestStateOf(t *testing.T) {
	for in, want := range map[string]hypervisor.PowerState{
		"running": hypervisor.StateRunning, "paused": hypervisor.StatePaused, "suspended": hypervisor.StatePaused,
		"inmigrate": hypervisor.StatePaused, "postmigrate": hypervisor.StatePaused, "prelaunch": hypervisor.StatePaused,
		"shutdown": hypervisor.StateShutdown, "guest-panicked": hypervisor.StateCrashed,
		"internal-error": hypervisor.StateCrashed, "bogus": hypervisor.StateUnknown,
	} {
		if got := stateOf(in); got != want {
			t.Errorf("stateOf(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestDetectAccel(t *testing.T) {
	t.Setenv("KUMO_ACCEL", "tcg")
	if a, why := DetectAccel(); a != hypervisor.AccelTCG || why != "KUMO_ACCEL=tcg" {
		t.Fatalf("KUMO_ACCEL=tcg gave %s (%s)", a, why)
	}
	t.Setenv("KUMO_ACCEL", "kvm")
	if a, _ := DetectAccel(); a != hypervisor.AccelKVM {
		t.Fatalf("KUMO_ACCEL=kvm gave %s", a)
	}
	t.Setenv("KUMO_ACCEL", "xen")
	a, why := DetectAccel()
	if !strings.Contains(why, `KUMO_ACCEL="xen" ignored`) {
		t.Fatalf("bad override: %s (%s)", a, why)
	}
	if _, err := os.Stat("/sys/module/kvm_pvm"); err == nil && a != hypervisor.AccelTCG {
		t.Fatalf("PVM host detected as %s (%s)", a, why)
	}
	t.Logf("detected %s: %s", a, why)
}

func TestLivePIDChecksTheProcess(t *testing.T) {
	dir := t.TempDir()
	// Our own pid is alive, but this process is not the QEMU of dir.
	os.WriteFile(filepath.Join(dir, pidFileName), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	if pid := livePID(dir); pid != 0 {
		t.Fatalf("livePID took pid %d of another program", pid)
	}
	os.WriteFile(filepath.Join(dir, pidFileName), []byte("garbage"), 0o600)
	if pid := livePID(dir); pid != 0 {
		t.Fatalf("livePID of a garbage pidfile = %d", pid)
	}
}

func TestTailFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log")
	os.WriteFile(p, []byte("first line\nsecond line\nthird line\n"), 0o600)
	if got := tailFile(p, 15); got != "third line" {
		t.Fatalf("tail = %q", got)
	}
	if got := tailFile(p, 1000); !strings.HasPrefix(got, "first") {
		t.Fatalf("tail of a short file = %q", got)
	}
}

func TestMulticastNIC(t *testing.T) {
	args, err := nicArgs(1, hypervisor.NIC{Mode: "mcast", MAC: "52:54:01:00:00:01", Multicast: "239.192.3.4:20001"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "socket,id=net1,mcast=239.192.3.4:20001,localaddr=127.0.0.1"; args[1] != want {
		t.Errorf("netdev %q, want %q", args[1], want)
	}
	for _, bad := range []hypervisor.NIC{
		{Mode: "mcast", Multicast: "10.0.0.1:20001"},
		{Mode: "mcast", Multicast: "239.192.3.4"},
		{Mode: "mcast", Multicast: "239.192.3.4:1,x=y"},
		{Mode: "mcast", Multicast: "239.192.3.4:20001", MulticastLocal: "eth0"},
		{Mode: "mcast", Multicast: "239.192.3.4:20001", PortForwards: []hypervisor.PortForward{{HostPort: 1, GuestPort: 1}}},
	} {
		if _, err := nicArgs(1, bad); err == nil {
			t.Errorf("nicArgs(%+v) took it", bad)
		}
	}
}

func TestRestrictedUserNIC(t *testing.T) {
	args, err := nicArgs(0, hypervisor.NIC{Mode: "user", Restrict: true,
		PortForwards: []hypervisor.PortForward{{Protocol: "tcp", HostPort: 2222, GuestPort: 22}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22,restrict=on"; args[1] != want {
		t.Errorf("netdev %q, want %q", args[1], want)
	}
	if _, err := nicArgs(0, hypervisor.NIC{Mode: "tap", Tap: "tap0", Restrict: true}); err == nil {
		t.Error("restrict on a tap NIC was taken")
	}
}
