// Package hypervisor defines what the host agent needs from a virtual
// machine runtime. The agent talks only to this interface; the qemu
// package is the real implementation, and a simulated one may exist for
// scale benchmarks only.
package hypervisor

import (
	"context"
	"errors"
	"time"
)

// PowerState is the observed state of one VM on its host.
type PowerState string

// Observed power states. They are what the hypervisor reports, not what
// anyone wants: the control plane compares them with the desired state.
const (
	StateRunning  PowerState = "running"
	StatePaused   PowerState = "paused"
	StateStopped  PowerState = "stopped"  // no process
	StateShutdown PowerState = "shutdown" // process alive, guest powered off
	StateCrashed  PowerState = "crashed"  // guest panicked or QEMU reported an internal error
	StateUnknown  PowerState = "unknown"
)

// ErrNotFound is returned for a VM the driver has no record of on this host.
var ErrNotFound = errors.New("vm not found on this host")

// ErrNoGuestAgent means the guest's agent did not answer: the guest has
// none, or has not started it yet.
var ErrNoGuestAgent = errors.New("the guest agent does not answer")

// Accel is the CPU virtualisation back end used for a VM.
type Accel string

// Accelerators.
const (
	AccelKVM Accel = "kvm"
	AccelTCG Accel = "tcg"
)

// Disk is one block device given to a VM.
type Disk struct {
	Path     string // absolute path of the image file
	Format   string // "qcow2" or "raw"
	Media    bool   // attach as CD-ROM (ISO image, cloud-init seed)
	ReadOnly bool
	// Limits of block I/O; zero means no limit. Total limits and
	// per-direction limits exclude each other.
	IOPSLimit int64
	BPSLimit  int64
	Limits    DiskLimits
}

// DiskLimits caps a disk's reads and writes separately; zero is no limit.
type DiskLimits struct {
	ReadBPS   int64 `json:"read_bps,omitempty"`
	WriteBPS  int64 `json:"write_bps,omitempty"`
	ReadIOPS  int64 `json:"read_iops,omitempty"`
	WriteIOPS int64 `json:"write_iops,omitempty"`
}

// CPU priorities of a VM's process, from the host scheduler's view.
const (
	CPUPriorityHigh   = "high"
	CPUPriorityMedium = "medium" // the default: the host's own priority
	CPUPriorityLow    = "low"
)

// QoS is a VM's share of its host: CPU priority and limits of its
// writable disks. The zero value means medium priority and no limits.
type QoS struct {
	CPUPriority string     `json:"cpu_priority,omitempty"`
	Disk        DiskLimits `json:"disk"`
}

// PortForward maps a host TCP/UDP port to a guest port (user-mode NAT).
type PortForward struct {
	Protocol  string // "tcp" or "udp"
	HostAddr  string // empty means 127.0.0.1
	HostPort  int
	GuestPort int
}

// NIC is one network interface of a VM.
type NIC struct {
	MAC   string // "52:54:00:xx:xx:xx"
	Model string // default "virtio-net-pci"
	// Mode "user" is QEMU user-mode NAT (works without privileges).
	// Mode "tap" attaches to an existing tap device named by Tap.
	// Mode "mcast" joins the layer-2 segment of the VMs whose NICs send
	// to the multicast group and port Multicast ("239.192.1.2:20001"),
	// through the host interface of address MulticastLocal (empty:
	// 127.0.0.1, a segment of this host's VMs only).
	Mode           string
	Tap            string
	Multicast      string
	MulticastLocal string
	PortForwards   []PortForward
	// Restrict, in mode user, cuts the guest off from everything outside
	// its NAT (QEMU restrict=on); forwarded ports still reach it.
	Restrict bool
	// UserNet shapes the virtual network of mode "user"; nil keeps QEMU's
	// 10.0.2.0/24.
	UserNet *UserNet
}

// UserNet is the virtual network QEMU's user-mode NAT shows one guest:
// Kumo makes it the network of the guest's allocated address, so the
// address it configures (from DHCP or its seed) works through the NAT.
type UserNet struct {
	Network   string // CIDR, e.g. "172.16.3.0/24"
	Gateway   string // the address QEMU answers as the router
	DNS       string // the address QEMU answers as the resolver
	DHCPStart string // the first (and, with one guest, only) DHCP lease
}

// Spec is everything needed to start a VM process. It is derived from the
// desired state held by the control plane and handed to the agent whole.
type Spec struct {
	ID        string
	Name      string
	Cores     int
	MemoryMiB int
	Disks     []Disk
	NICs      []NIC
	// BootMedia boots from the first Media disk instead of the first disk.
	BootMedia bool
	// GuestAgent adds a virtio-serial channel for qemu-guest-agent.
	GuestAgent bool
	// CPUPriority is one of the CPUPriority constants; empty is medium.
	CPUPriority string
	// Incoming, if set, starts the VM waiting for its state from a live
	// migration at this address ("tcp:host:port") instead of booting it.
	Incoming string
}

// MigrateRequest sends a running VM to a VM started with Spec.Incoming.
type MigrateRequest struct {
	URI string `json:"uri"` // the destination's Incoming address
	// Incremental copies only what the VM's disks hold above their backing
	// files, which the destination must have too; otherwise the disks are
	// copied whole. Read-only disks (media, seeds) are never copied.
	Incremental bool `json:"incremental"`
}

// Status is what the hypervisor observes about one VM.
type Status struct {
	ID      string
	State   PowerState
	PID     int
	Accel   Accel
	Started time.Time
	// VNCSocket is the unix socket path of the VM's VNC server.
	VNCSocket string
	// Reason says why a crashed VM crashed ("QEMU was killed by signal
	// 9 (killed)"), for people.
	Reason string
}

// Driver runs VMs on one host. Each VM lives in its own directory (dir)
// that the agent owns; the driver keeps its runtime files there (QMP
// socket, pidfile, serial log) so that a restarted agent can re-attach.
// Methods must be safe for concurrent use on different VMs.
type Driver interface {
	// Start launches the VM and returns once its monitor answers. The
	// process must outlive the agent that started it.
	Start(ctx context.Context, dir string, spec Spec) (Status, error)
	// Status reports the observed state; StateStopped if no process runs.
	Status(ctx context.Context, dir string) (Status, error)
	// Shutdown asks the guest to power off (ACPI) and returns at once.
	Shutdown(ctx context.Context, dir string) error
	// PowerOff stops the VM immediately, like pulling the plug.
	PowerOff(ctx context.Context, dir string) error
	// Reboot resets the VM (hard reset, the guest is not asked).
	Reboot(ctx context.Context, dir string) error
	Pause(ctx context.Context, dir string) error
	Resume(ctx context.Context, dir string) error
	// Migrate sends the running VM's memory and disks to the destination
	// and returns once the destination has it all and runs; the source is
	// left paused for the caller to power off. progress gets 0-100.
	Migrate(ctx context.Context, dir string, req MigrateRequest, progress func(percent int)) error
	// SetQoS applies CPU priority and disk limits to a running VM.
	SetQoS(ctx context.Context, dir string, qos QoS) error
	// SetUserPassword sets a guest account's password through the
	// guest agent; it fails if the guest agent does not answer.
	SetUserPassword(ctx context.Context, dir, user, password string) error
	// InsertMedia puts the ISO image at path into the running VM's
	// CD-ROM drive, replacing what was there.
	InsertMedia(ctx context.Context, dir, path string) error
	// EjectMedia empties the running VM's CD-ROM drive; an empty drive
	// is not an error.
	EjectMedia(ctx context.Context, dir string) error
	// Media returns the file in the running VM's CD-ROM drive, "" if
	// it is empty.
	Media(ctx context.Context, dir string) (string, error)
	// SaveSnapshot records the running VM's disks and RAM as internal
	// snapshot name of its qcow2 disks; DeleteSnapshot removes one while
	// the VM runs. Stopped disks are handled by the storage package, and
	// a snapshot is reverted only while the VM is stopped.
	SaveSnapshot(ctx context.Context, dir, name string) error
	DeleteSnapshot(ctx context.Context, dir, name string) error
	// Usage reads the running VM's resource counters.
	Usage(ctx context.Context, dir string) (Usage, error)
	// Close releases the driver's connections to its VMs; the VMs keep
	// running. QEMU serves one QMP client at a time, so a driver that is
	// done must let go for the next one to attach.
	Close() error
}

// Usage is what a running VM has used since its process started:
// counters only grow, so rates come from two readings.
type Usage struct {
	// CPUSeconds is the CPU time of the VM's process (guest and
	// emulation), user and system.
	CPUSeconds float64 `json:"cpu_seconds"`
	// MemoryRSSBytes is the process's resident memory.
	MemoryRSSBytes int64 `json:"memory_rss_bytes"`
	// Disk counters are summed over the VM's disks.
	DiskReadBytes  int64 `json:"disk_read_bytes"`
	DiskWriteBytes int64 `json:"disk_write_bytes"`
	DiskReadOps    int64 `json:"disk_read_ops"`
	DiskWriteOps   int64 `json:"disk_write_ops"`
	// NetMeasured says the network counters are known: the guest's agent
	// reported them (a NIC on QEMU's user-mode NAT has none a host can
	// read).
	NetMeasured bool  `json:"net_measured,omitempty"`
	NetRxBytes  int64 `json:"net_rx_bytes,omitempty"`
	NetTxBytes  int64 `json:"net_tx_bytes,omitempty"`
}
