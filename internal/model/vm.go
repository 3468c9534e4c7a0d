package model

import "time"

// PowerState is a VM's power state, desired or observed.
type PowerState string

// Power states. Desired state is one of running, stopped, paused. Observed
// state is any of them plus the transitional and failure states.
const (
	PowerRunning PowerState = "running"
	PowerStopped PowerState = "stopped"
	PowerPaused  PowerState = "paused"
	// Observed only.
	PowerCreating PowerState = "creating" // disk being made
	PowerCrashed  PowerState = "crashed"
	PowerLost     PowerState = "lost" // its host stopped heartbeating
	PowerUnknown  PowerState = "unknown"
)

// What a crash leads to (VM.OnCrash).
const (
	OnCrashRestart = "restart"
	OnCrashStop    = "stop"
)

// RestartsOnCrash reports whether a crash of the VM is followed by a
// restart.
func (v VM) RestartsOnCrash() bool {
	return v.OnCrash == OnCrashRestart || v.OnCrash == "" && v.AutoStart
}

// CloneMode says how a VM's system disk is made from its image.
type CloneMode string

// Clone modes.
const (
	CloneCOW  CloneMode = "cow"
	CloneFull CloneMode = "full"
)

// VM is a virtual machine: its desired spec and power state, and what its
// host last observed.
type VM struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	PoolID      string `json:"pool_id"`
	HostID      string `json:"host_id"`
	ImageID     string `json:"image_id"`
	Cores       int    `json:"cores"`
	MemoryMiB   int    `json:"memory_mib"`
	// DiskBytes is the system disk's virtual size.
	DiskBytes int64     `json:"disk_bytes"`
	CloneMode CloneMode `json:"clone_mode"`
	// BootMedia boots from the image as a CD-ROM (ISO images).
	BootMedia bool `json:"boot_media"`
	// PowerState is the desired power state.
	PowerState PowerState `json:"power_state"`
	// Owner and Group are the user and user group the VM belongs to,
	// TenantID the owner's tenant.
	Owner    string `json:"owner"`
	Group    string `json:"group"`
	TenantID string `json:"tenant_id"`
	// AutoStart starts the VM when its host's agent starts.
	AutoStart  bool       `json:"auto_start"`
	TemplateID string     `json:"template_id,omitempty"`
	CloudInit  *CloudInit `json:"cloud_init,omitempty"`
	QoS        QoS        `json:"qos"`
	// GuestAuth is the guest account whose password Kumo last set
	// through the guest agent, if any.
	GuestAuth *GuestAuth `json:"-"`
	// PortForwards are host ports forwarded to the guest through its
	// user-mode NAT; they apply from the VM's next start.
	PortForwards []PortForward `json:"port_forwards,omitempty"`
	// DataDisks are the VM's disks beside its system disk, in the order
	// the guest sees them after it.
	DataDisks []DataDisk `json:"data_disks,omitempty"`
	// NetworkFilters are DBC security group rules, of the forms its
	// user-mode NAT enforces (see service.NetworkFiltersBlockOutbound).
	NetworkFilters []string `json:"network_filters,omitempty"`
	// Multicast are multicast addresses ("230.0.0.1:5558") of segments
	// the VM joins with a NIC each; its owner's VMs naming the same
	// address share the segment (see service.MulticastSegment).
	Multicast []string `json:"multicast,omitempty"`
	// OnCrash is what a crash of the VM's QEMU leads to: OnCrashRestart,
	// OnCrashStop, or "" (restart if AutoStart, else stop).
	OnCrash string `json:"on_crash,omitempty"`
	// CrashReason, CrashCount and CrashedAt describe the VM's last crash
	// and how many came in a row (for the restart backoff).
	CrashReason string    `json:"crash_reason,omitempty"`
	CrashCount  int       `json:"crash_count,omitempty"`
	CrashedAt   time.Time `json:"crashed_at,omitzero"`
	// Status is the last observed state.
	Status    PowerState `json:"status"`
	Accel     string     `json:"accel,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// CloudInit is what a VM's NoCloud seed tells its guest.
type CloudInit struct {
	AdminName   string `json:"admin_name,omitempty"`
	AdminSecret string `json:"admin_secret,omitempty"`
	DataPath    string `json:"data_path,omitempty"`
	RootEnabled bool   `json:"root_enabled"`
}

// QoS is a VM's share of its host. Zero limits mean no limit.
type QoS struct {
	// CPUPriority is "high", "medium" (the default, also for "") or "low".
	CPUPriority string `json:"cpu_priority,omitempty"`
	ReadBPS     int64  `json:"read_bps,omitempty"`
	WriteBPS    int64  `json:"write_bps,omitempty"`
	ReadIOPS    int64  `json:"read_iops,omitempty"`
	WriteIOPS   int64  `json:"write_iops,omitempty"`
	ReceiveBPS  int64  `json:"receive_bps,omitempty"`
	SendBPS     int64  `json:"send_bps,omitempty"`
}

// GuestAuth is a guest account and its password.
type GuestAuth struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// VM limits enforced on create and resize. The maxima are far above any
// host's, so the checks against real hosts decide; they keep sums of many
// VMs' sizes (quotas, allocations) far from int64's range.
const (
	MinMemoryMiB = 16
	MaxMemoryMiB = 16 << 20 // 16 TiB
	MaxCores     = 256
	// MaxDiskBytes bounds one disk: 64 TiB, qcow2's limit with the
	// default cluster size.
	MaxDiskBytes int64 = 64 << 40
)

// DiskMarginBytes is the room a disk operation needs on its file system
// beyond the data it copies: qcow2 metadata, a fresh overlay's first
// writes, the database's and logs' growth. A create, an upload or a
// snapshot that would leave less free is refused before it starts.
const DiskMarginBytes int64 = 16 << 20

// PortForward forwards a host port to a guest port (QEMU user-mode
// hostfwd).
type PortForward struct {
	Protocol  string `json:"protocol"` // "tcp" or "udp"
	HostPort  int    `json:"host_port"`
	GuestPort int    `json:"guest_port"`
}

// DataDisk is an empty qcow2 disk of a VM beside its system disk.
type DataDisk struct {
	// Name is the disk's virtio name in a guest with no other disks
	// (vdb, vdc, ...): the system disk is vda.
	Name      string `json:"name"`
	SizeBytes int64  `json:"size_bytes"`
	// MountDir is where the owner wants it mounted in the guest; Kumo
	// keeps it for the owner, the guest mounts it.
	MountDir string `json:"mount_dir,omitempty"`
}
