package qemu

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// machineType is the emulated chipset. "pc" (i440FX) rather than q35:
// under TCG the test guest reaches userspace faster on pc (SeaBIOS has
// no AHCI and PCIe to walk; median 2.8 s against 3.6 s here), and
// nothing a Spec asks for needs q35. Its limit: four IDE slots for media.
const machineType = "pc"

// maxMedia is how many CD-ROMs fit on pc's two IDE buses.
const maxMedia = 4

var (
	macPattern   = regexp.MustCompile(`^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$`)
	modelPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	// Linux interface names: at most 15 bytes, no '/', no whitespace;
	// commas are excluded too as they separate QEMU options.
	tapPattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,15}$`)
)

// escapeOpt escapes a value inside a QEMU option list, where a comma
// separates options and a doubled comma stands for a comma.
func escapeOpt(s string) string { return strings.ReplaceAll(s, ",", ",,") }

// commandLine returns QEMU's arguments for spec, or what is wrong with
// spec. dir must be absolute; socks are where the sockets go.
func commandLine(dir string, socks SocketPaths, accel hypervisor.Accel, spec hypervisor.Spec) ([]string, error) {
	if spec.ID == "" {
		return nil, fmt.Errorf("spec has no ID")
	}
	if spec.MemoryMiB <= 0 {
		return nil, fmt.Errorf("VM %s: memory %d MiB must be positive", spec.ID, spec.MemoryMiB)
	}
	if spec.Cores < 0 {
		return nil, fmt.Errorf("VM %s: %d cores", spec.ID, spec.Cores)
	}
	if _, err := niceOf(spec.CPUPriority); err != nil {
		return nil, fmt.Errorf("VM %s: %w", spec.ID, err)
	}
	cpu := "max" // every feature TCG can emulate
	switch accel {
	case hypervisor.AccelKVM:
		cpu = "host"
	case hypervisor.AccelTCG:
	default:
		return nil, fmt.Errorf("VM %s: unknown accelerator %q", spec.ID, accel)
	}
	name := spec.Name
	if name == "" {
		name = spec.ID
	}
	args := []string{
		"-name", "guest=" + escapeOpt(name) + ",debug-threads=on",
		"-machine", machineType,
		"-accel", string(accel),
		"-cpu", cpu,
		"-smp", strconv.Itoa(max(spec.Cores, 1)),
		"-m", strconv.Itoa(spec.MemoryMiB),
		"-nodefaults", "-no-user-config",
		// Timestamps in qemu.log, which collects QEMU's stderr for the
		// VM's whole life.
		"-msg", "timestamp=on",
		// The pidfile's path on the command line is also how a process is
		// recognised as this VM's QEMU (see livePID).
		"-pidfile", filepath.Join(dir, pidFileName),
		"-chardev", "socket,id=qmp,path=" + escapeOpt(socks.QMP) + ",server=on,wait=off",
		"-mon", "chardev=qmp,mode=control",
		"-display", "none",
		"-device", "VGA,id=video0",
		"-vnc", "unix:" + escapeOpt(socks.VNC),
		// The serial port is a socket for the interactive console
		// (one client at a time) and is also logged to serial.log
		// whether or not a client is attached; logappend keeps the
		// history across restarts. With no client QEMU drops the
		// output (after logging it), so the guest never blocks.
		"-chardev", "socket,id=serial0,path=" + escapeOpt(socks.Serial) + ",server=on,wait=off,logfile=" +
			escapeOpt(SerialLogPath(dir)) + ",logappend=on",
		"-serial", "chardev:serial0",
		// A guest panic pauses the VM in state guest-panicked, which is
		// reported as crashed, instead of QEMU exiting (the default)
		// and the panic looking like a power-off.
		"-device", "pvpanic",
		"-action", "panic=pause",
		// A guest power-off leaves QEMU in run state "shutdown" for the
		// driver to end, so an exit the driver did not make is a crash.
		"-no-shutdown",
	}

	disks, err := diskArgs(spec)
	if err != nil {
		return nil, err
	}
	args = append(args, disks...)

	for i, nic := range spec.NICs {
		a, err := nicArgs(i, nic)
		if err != nil {
			return nil, fmt.Errorf("VM %s: NIC %d: %w", spec.ID, i, err)
		}
		args = append(args, a...)
	}

	if spec.Incoming != "" {
		args = append(args, "-incoming", spec.Incoming)
	}
	if spec.GuestAgent {
		args = append(args,
			"-device", "virtio-serial-pci,id=vser0",
			"-chardev", "socket,id=qga0,path="+escapeOpt(socks.GuestAgent)+",server=on,wait=off",
			"-device", "virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0")
	}
	return args, nil
}

// diskArgs attaches disks as virtio-blk and media as IDE CD-ROMs. Device
// ids are disk<N> and cd<N> (counted separately), for QMP commands such
// as blockdev-change-medium and block_set_io_throttle.
func diskArgs(spec hypervisor.Spec) ([]string, error) {
	// Boot order: the first medium first if BootMedia, then disks in
	// order, then media. SeaBIOS follows bootindex.
	var nDisks, nMedia int
	for _, d := range spec.Disks {
		if d.Media {
			nMedia++
		} else {
			nDisks++
		}
	}
	if nMedia > maxMedia {
		return nil, fmt.Errorf("VM %s: %d media, at most %d fit", spec.ID, nMedia, maxMedia)
	}
	if spec.BootMedia && nMedia == 0 {
		return nil, fmt.Errorf("VM %s: BootMedia is set but there is no media disk", spec.ID)
	}
	diskBoot := 0
	if spec.BootMedia {
		diskBoot = 1 // after the first medium
	}

	var args []string
	var disk, media int
	for _, d := range spec.Disks {
		if !filepath.IsAbs(d.Path) {
			return nil, fmt.Errorf("VM %s: disk path %q is not absolute", spec.ID, d.Path)
		}
		if d.Format != "qcow2" && d.Format != "raw" {
			return nil, fmt.Errorf("VM %s: disk %s: format %q, want qcow2 or raw", spec.ID, d.Path, d.Format)
		}
		if err := checkLimits(d); err != nil {
			return nil, fmt.Errorf("VM %s: disk %s: %w", spec.ID, d.Path, err)
		}
		var id, dev string
		var bootindex int
		if d.Media {
			id = "cd" + strconv.Itoa(media)
			dev = fmt.Sprintf("ide-cd,bus=ide.%d,unit=%d", media/2, media%2)
			bootindex = nDisks + media
			if spec.BootMedia && media == 0 {
				bootindex = 0
			}
			media++
		} else {
			id = "disk" + strconv.Itoa(disk)
			dev = "virtio-blk-pci"
			bootindex = diskBoot + disk
			disk++
		}
		opts := []string{
			"if=none", "id=drive-" + id,
			"file=" + escapeOpt(d.Path), "format=" + d.Format,
			// Host page cache, flushed when the guest flushes: safe,
			// and unlike cache=none it works on tmpfs, which has no
			// O_DIRECT.
			"cache=writeback",
		}
		if d.Media {
			opts = append(opts, "media=cdrom", "readonly=on")
		} else {
			// Guest TRIM frees space in the image file.
			opts = append(opts, "discard=unmap")
			if d.ReadOnly {
				opts = append(opts, "readonly=on")
			}
		}
		if d.IOPSLimit > 0 {
			opts = append(opts, "throttling.iops-total="+strconv.FormatInt(d.IOPSLimit, 10))
		}
		if d.BPSLimit > 0 {
			opts = append(opts, "throttling.bps-total="+strconv.FormatInt(d.BPSLimit, 10))
		}
		for _, l := range []struct {
			opt string
			v   int64
		}{{"bps-read", d.Limits.ReadBPS}, {"bps-write", d.Limits.WriteBPS}, {"iops-read", d.Limits.ReadIOPS}, {"iops-write", d.Limits.WriteIOPS}} {
			if l.v > 0 {
				opts = append(opts, "throttling."+l.opt+"="+strconv.FormatInt(l.v, 10))
			}
		}
		args = append(args,
			"-drive", strings.Join(opts, ","),
			"-device", fmt.Sprintf("%s,drive=drive-%s,id=%s,bootindex=%d", dev, id, id, bootindex))
	}
	if nMedia == 0 {
		// Every VM has a CD-ROM drive (MediaDrive), empty if the spec
		// brings no media, so media can be inserted while it runs: a
		// drive cannot be added to a running pc machine's IDE bus.
		args = append(args,
			"-drive", "if=none,id=drive-"+MediaDrive+",media=cdrom,readonly=on",
			"-device", fmt.Sprintf("ide-cd,bus=ide.0,unit=0,drive=drive-%s,id=%s,bootindex=%d", MediaDrive, MediaDrive, nDisks))
	}
	return args, nil
}

// checkLimits refuses what QEMU would: negative limits, and a total limit
// beside a per-direction one of the same kind.
func checkLimits(d hypervisor.Disk) error {
	l := d.Limits
	if d.IOPSLimit < 0 || d.BPSLimit < 0 || l.ReadBPS < 0 || l.WriteBPS < 0 || l.ReadIOPS < 0 || l.WriteIOPS < 0 {
		return errors.New("negative I/O limit")
	}
	if d.BPSLimit > 0 && (l.ReadBPS > 0 || l.WriteBPS > 0) {
		return errors.New("a total bytes/s limit excludes read and write limits")
	}
	if d.IOPSLimit > 0 && (l.ReadIOPS > 0 || l.WriteIOPS > 0) {
		return errors.New("a total IOPS limit excludes read and write limits")
	}
	return nil
}

// MediaDrive is the QMP id of the CD-ROM drive that InsertMedia and
// EjectMedia work on: the first medium of the spec, or the empty drive
// every VM without media gets.
const MediaDrive = "cd0"

// nicArgs returns the netdev and device of NIC i (ids net<i>, nic<i>).
func nicArgs(i int, nic hypervisor.NIC) ([]string, error) {
	id := strconv.Itoa(i)
	var netdev string
	switch nic.Mode {
	case "", "user":
		netdev = "user,id=net" + id
		if un := nic.UserNet; un != nil {
			opts, err := userNetOptions(*un)
			if err != nil {
				return nil, err
			}
			netdev += opts
		}
		for _, pf := range nic.PortForwards {
			fwd, err := hostfwd(pf)
			if err != nil {
				return nil, err
			}
			netdev += ",hostfwd=" + fwd
		}
		if nic.Restrict {
			netdev += ",restrict=on"
		}
	case "mcast":
		opts, err := mcastOptions(nic)
		if err != nil {
			return nil, err
		}
		netdev = "socket,id=net" + id + opts
	case "tap":
		if !tapPattern.MatchString(nic.Tap) {
			return nil, fmt.Errorf("tap device name %q is not valid", nic.Tap)
		}
		if len(nic.PortForwards) > 0 || nic.UserNet != nil || nic.Restrict {
			return nil, fmt.Errorf("port forwards, restrict and a user network need mode user, not tap")
		}
		// The tap exists already (made by the host's network setup):
		// QEMU must not run scripts to create or tear it down.
		netdev = "tap,id=net" + id + ",ifname=" + nic.Tap + ",script=no,downscript=no"
	default:
		return nil, fmt.Errorf("mode %q, want user or tap", nic.Mode)
	}
	model := nic.Model
	if model == "" {
		model = "virtio-net-pci"
	}
	if !modelPattern.MatchString(model) {
		return nil, fmt.Errorf("model %q is not a device name", model)
	}
	// romfile= drops the iPXE option ROM: a Spec cannot ask for network
	// boot, and loading the ROM costs boot time under TCG.
	dev := model + ",netdev=net" + id + ",id=nic" + id + ",romfile="
	if nic.MAC != "" {
		if !macPattern.MatchString(nic.MAC) {
			return nil, fmt.Errorf("MAC %q is not xx:xx:xx:xx:xx:xx", nic.MAC)
		}
		dev += ",mac=" + strings.ToLower(nic.MAC)
	}
	return []string{"-netdev", netdev, "-device", dev}, nil
}

// mcastOptions formats a multicast NIC's socket netdev options, checking
// the addresses, since they end up on QEMU's command line.
func mcastOptions(nic hypervisor.NIC) (string, error) {
	if len(nic.PortForwards) > 0 || nic.UserNet != nil || nic.Restrict {
		return "", fmt.Errorf("port forwards, restrict and a user network need mode user, not mcast")
	}
	group, err := netip.ParseAddrPort(nic.Multicast)
	if err != nil || !group.Addr().Is4() || !group.Addr().IsMulticast() || group.Port() == 0 {
		return "", fmt.Errorf("multicast address %q is not an IPv4 multicast group and port", nic.Multicast)
	}
	local := nic.MulticastLocal
	if local == "" {
		local = "127.0.0.1"
	}
	la, err := netip.ParseAddr(local)
	if err != nil || !la.Is4() {
		return "", fmt.Errorf("multicast local address %q is not an IPv4 address", nic.MulticastLocal)
	}
	return ",mcast=" + group.String() + ",localaddr=" + la.String(), nil
}

// userNetOptions formats a UserNet as netdev user options, checking each
// address, since they end up on QEMU's command line.
func userNetOptions(un hypervisor.UserNet) (string, error) {
	network, err := netip.ParsePrefix(un.Network)
	if err != nil || !network.Addr().Is4() || network.Masked() != network {
		return "", fmt.Errorf("user network %q is not an IPv4 network in CIDR form", un.Network)
	}
	out := ",net=" + network.String()
	for _, o := range []struct{ key, addr string }{{"host", un.Gateway}, {"dns", un.DNS}, {"dhcpstart", un.DHCPStart}} {
		if o.addr == "" {
			continue
		}
		a, err := netip.ParseAddr(o.addr)
		if err != nil || !network.Contains(a) {
			return "", fmt.Errorf("user network %s: %s address %q is not in it", un.Network, o.key, o.addr)
		}
		out += "," + o.key + "=" + a.String()
	}
	return out, nil
}

// hostfwd formats a port forward as QEMU's hostfwd=proto:addr:port-:port.
func hostfwd(pf hypervisor.PortForward) (string, error) {
	proto := pf.Protocol
	if proto == "" {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" {
		return "", fmt.Errorf("port forward protocol %q, want tcp or udp", pf.Protocol)
	}
	addr := pf.HostAddr
	if addr == "" {
		addr = "127.0.0.1"
	}
	if ip := net.ParseIP(addr); ip == nil || ip.To4() == nil {
		// slirp's hostfwd takes IPv4 addresses only.
		return "", fmt.Errorf("port forward host address %q is not an IPv4 address", pf.HostAddr)
	}
	for _, p := range []int{pf.HostPort, pf.GuestPort} {
		if p < 1 || p > 65535 {
			return "", fmt.Errorf("port forward %d->%d: port out of range", pf.HostPort, pf.GuestPort)
		}
	}
	return fmt.Sprintf("%s:%s:%d-:%d", proto, addr, pf.HostPort, pf.GuestPort), nil
}
