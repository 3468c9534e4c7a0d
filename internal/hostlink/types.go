// Package hostlink is the controller<->agent interface. The same wire
// protocol (JSON over mutual TLS) links the control plane to a remote
// `kumo agent` and to the agent that `kumo server` runs for its own host:
// there is one code path.
//
// Agent endpoints (called by the controller, served by the agent):
//
//	GET    /agent/v1/report               host capacity and every VM's state
//	POST   /agent/v1/vms/{id}/provision   make the VM's directory and disk
//	POST   /agent/v1/vms/{id}/start       start it with the given config
//	PUT    /agent/v1/vms/{id}/state       shutdown|poweroff|reboot|pause|resume
//	GET    /agent/v1/vms/{id}             observed state
//	DELETE /agent/v1/vms/{id}             stop it and remove its files
//	PUT    /agent/v1/vms/{id}/qos         CPU priority and disk limits, live
//	PUT    /agent/v1/vms/{id}/password    a guest password, by the guest agent
//	POST   /agent/v1/vms/{id}/disk        resize|compact|reimage a stopped VM's disk
//	POST   /agent/v1/vms/{id}/incoming    prepare to receive a live migration
//	POST   /agent/v1/vms/{id}/migrate     send a running VM to a prepared host
//	GET    /agent/v1/vms/{id}/media       what is in the running VM's CD-ROM drive
//	POST   /agent/v1/vms/{id}/media       insert a media image (MediaRequest)
//	DELETE /agent/v1/vms/{id}/media       eject it
//	POST   /agent/v1/vms/{id}/snapshots   take a snapshot (SnapshotRequest), live if running
//	PUT    /agent/v1/vms/{id}/snapshots/{name}     revert the stopped VM's disk to it
//	DELETE /agent/v1/vms/{id}/snapshots/{name}     delete it
//	GET    /agent/v1/vms/{id}/vnc         HTTP Upgrade to a byte stream to the VM's VNC server
//	GET    /agent/v1/vms/{id}/serial-console      HTTP Upgrade to the guest's serial port (ttyS0)
//
// Controller endpoints (called by agents, see ControllerPaths):
//
//	POST /cluster/v1/join                 one-time token -> certificate
//	POST /cluster/v1/heartbeat            HostReport, every interval
//	GET  /cluster/v1/images/{id}          image content, for an agent's cache
//	POST /cluster/v1/sweep/claims         SweepClaims: which VM directories have no VM
//	POST /cluster/v1/sweep/report         SweepReport: what the agent removed
package hostlink

import (
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
)

// Paths of the controller's cluster endpoints.
const (
	PathJoin      = "/cluster/v1/join"
	PathHeartbeat = "/cluster/v1/heartbeat"
	PathImages    = "/cluster/v1/images/"
	// PathSweepClaims asks which of the VM directories a starting agent
	// found belong to no VM; PathSweepReport tells what it removed.
	PathSweepClaims = "/cluster/v1/sweep/claims"
	PathSweepReport = "/cluster/v1/sweep/report"
)

// SweepClaims lists the VM directories an agent found at start.
type SweepClaims struct {
	HostID string   `json:"host_id"`
	VMs    []string `json:"vms"`
}

// SweepUnclaimed is the controller's answer: the directories of VMs that
// do not exist (on any host), which the agent may remove.
type SweepUnclaimed struct {
	VMs []string `json:"vms"`
}

// SweepReport is what an agent removed at start: temporary files a crash
// left (relative to its data dir) and the directories of VMs that no
// longer exist, with the bytes each freed.
type SweepReport struct {
	HostID      string      `json:"host_id"`
	Temporaries []SweptFile `json:"temporaries,omitempty"`
	VMs         []SweptFile `json:"vms,omitempty"`
}

// SweptFile is one removed file or directory.
type SweptFile struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
}

// ImageRef names an image an agent must have to make a disk.
type ImageRef struct {
	ID        string            `json:"id"`
	Format    model.ImageFormat `json:"format"`
	SizeBytes int64             `json:"size_bytes"`
	// VirtualSize is what a full copy of the image may take.
	VirtualSize int64  `json:"virtual_size,omitempty"`
	SHA256      string `json:"sha256"`
}

// VMConfig is the desired configuration of a VM, sent whole to its agent.
type VMConfig struct {
	ID         string           `json:"id"`
	Name       string           `json:"name"`
	Cores      int              `json:"cores"`
	MemoryMiB  int              `json:"memory_mib"`
	DiskBytes  int64            `json:"disk_bytes"`
	Image      ImageRef         `json:"image"`
	CloneMode  model.CloneMode  `json:"clone_mode"`
	BootMedia  bool             `json:"boot_media"`
	NICs       []hypervisor.NIC `json:"nics"`
	GuestAgent bool             `json:"guest_agent"`
	// Media, if set, is a media image put in the CD-ROM drive at start
	// and booted from (Nano's start from media); it is not kept for the
	// next start.
	Media *ImageRef `json:"media,omitempty"`
	// CloudInit, if set, is given to the guest as a NoCloud seed.
	CloudInit *model.CloudInit `json:"cloud_init,omitempty"`
	QoS       hypervisor.QoS   `json:"qos"`
	// Network, if set, is the static address of the first NIC, written
	// into the NoCloud seed as network-config (a seed is made for it even
	// without CloudInit).
	Network *model.GuestNetwork `json:"network,omitempty"`
	// StorageDir, if set, is where the VM's disks go instead of its
	// directory under the agent's data dir (a local storage pool).
	StorageDir string `json:"storage_dir,omitempty"`
	// DataDisks are empty disks after the system disk; the agent makes
	// missing ones, grows smaller ones, and removes the files of disks
	// no longer listed when it starts the VM.
	DataDisks []model.DataDisk `json:"data_disks,omitempty"`
	// CloneOf, if set, is a stopped VM on this host whose system disk
	// the new VM's disk is a full copy of (flattened), instead of a
	// clone of Image. Only provisioning reads it.
	CloneOf string `json:"clone_of,omitempty"`
}

// VMStatus is what an agent observes about one VM.
type VMStatus struct {
	ID        string                `json:"id"`
	State     hypervisor.PowerState `json:"state"`
	Accel     string                `json:"accel,omitempty"`
	PID       int                   `json:"pid,omitempty"`
	DiskBytes int64                 `json:"disk_bytes,omitempty"`
	// Reason says why a crashed VM crashed.
	Reason string `json:"reason,omitempty"`
	// Seq orders an agent's observations of a VM: later observations
	// have higher numbers, so a late report cannot undo a newer state.
	Seq int64 `json:"seq"`
	// Busy means a call was changing the VM as the report was made; the
	// report says nothing about its state.
	Busy bool `json:"busy,omitempty"`
	// Usage holds the counters of a running VM, in heartbeats only.
	Usage *hypervisor.Usage `json:"usage,omitempty"`
}

// HostReport is an agent's heartbeat: its capacity and its VMs.
type HostReport struct {
	HostID        string `json:"host_id"`
	Name          string `json:"name"`
	Address       string `json:"address"`
	Accel         string `json:"accel"`
	CPUs          int    `json:"cpus"`
	MemoryBytes   int64  `json:"memory_bytes"`
	DiskBytes     int64  `json:"disk_bytes"`
	DiskFreeBytes int64  `json:"disk_free_bytes"`
	// GPUs counts the host's PCI display controllers.
	GPUs int `json:"gpus,omitempty"`
	// DataDir is where the agent keeps VM disks; the disk figures are of
	// its file system.
	DataDir string `json:"data_dir,omitempty"`
	// CPUUsage is in percent of one CPU (up to 100 * CPUs).
	CPUUsage             float64    `json:"cpu_usage"`
	MemoryAvailableBytes int64      `json:"memory_available_bytes"`
	BootedAt             time.Time  `json:"booted_at"`
	VMs                  []VMStatus `json:"vms"`
	// Seq was taken before the agent listed its VMs: a VM missing from
	// the report had no files on the host as of Seq.
	Seq    int64     `json:"seq"`
	SentAt time.Time `json:"sent_at"`
}

// JoinRequest asks the controller for a certificate.
type JoinRequest struct {
	TokenID     string `json:"token_id"`
	TokenSecret string `json:"token_secret"`
	Name        string `json:"name"`
	Address     string `json:"address"`
	CSR         string `json:"csr"`
}

// JoinResponse carries the agent's new identity.
type JoinResponse struct {
	HostID string `json:"host_id"`
	Cert   string `json:"cert"`
	CA     string `json:"ca"`
}

// HeartbeatResponse tells the agent when to report again.
type HeartbeatResponse struct {
	IntervalMS int64 `json:"interval_ms"`
}

// StateRequest changes a VM's power state.
type StateRequest struct {
	Action string `json:"action"`
}

// MediaRequest puts a media image into a running VM's CD-ROM drive.
type MediaRequest struct {
	Image ImageRef `json:"image"`
}

// MediaStatus is what is in a VM's CD-ROM drive: the id of the media
// image, "" when empty (or when it holds a file that is not an image).
type MediaStatus struct {
	ImageID string `json:"image_id"`
}

// SnapshotRequest names a snapshot to take.
type SnapshotRequest struct {
	Name string `json:"name"`
}

// SnapshotResult says how a snapshot was taken: Running means live, with
// the guest's RAM, through QEMU; otherwise of the stopped disk.
type SnapshotResult struct {
	Running bool `json:"running"`
}

// ConsoleUpgrade is the protocol name of the console tunnels' HTTP
// Upgrade (VNC and serial). Its value predates the serial console and is
// kept so that agents and controllers of either age understand each other.
const ConsoleUpgrade = "kumo-vnc"

// VM power actions an agent accepts.
const (
	ActionShutdown = "shutdown"
	ActionPowerOff = "poweroff"
	ActionReboot   = "reboot"
	ActionPause    = "pause"
	ActionResume   = "resume"
)

// PasswordRequest sets a guest user's password.
type PasswordRequest struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// SerialRequest asks for an excerpt of a VM's serial console log: Lines
// lines from its head or its tail, at most MaxBytes bytes.
type SerialRequest struct {
	FromHead bool
	Lines    int
	MaxBytes int
}

// SerialLog is an excerpt of a VM's serial console log.
type SerialLog struct {
	Text string `json:"text"`
	// Truncated is set when the lines asked for held more than MaxBytes.
	Truncated bool `json:"truncated,omitempty"`
}

// Disk operations on a stopped VM's system disk.
const (
	DiskResize  = "resize"  // grow to SizeBytes
	DiskCompact = "compact" // rewrite to take only the room its data needs
	DiskReimage = "reimage" // replace with a fresh clone of Image
)

// DiskRequest changes a stopped VM's system disk.
type DiskRequest struct {
	Op string `json:"op"`
	// Disk names a data disk (vdb, ...); empty is the system disk.
	Disk      string          `json:"disk,omitempty"`
	SizeBytes int64           `json:"size_bytes,omitempty"`
	Image     ImageRef        `json:"image,omitempty"`
	CloneMode model.CloneMode `json:"clone_mode,omitempty"`
}

// DiskInfo describes a VM's system disk after a change.
type DiskInfo struct {
	VirtualBytes int64 `json:"virtual_bytes"` // what the guest sees
	ActualBytes  int64 `json:"actual_bytes"`  // what the file takes on the host
}

// IncomingResponse tells the controller where a destination waits for a
// live migration and how the source must send its disks.
type IncomingResponse struct {
	URI         string `json:"uri"`
	Incremental bool   `json:"incremental"`
}

// ErrorBody is the JSON of a failed call in either direction. Message
// is what an API user may be told; Detail, the cause behind it (host
// paths, qemu-img's stderr), is for the other side's log only.
type ErrorBody struct {
	Code    model.ErrorCode `json:"code"`
	Message string          `json:"message"`
	Detail  string          `json:"detail,omitempty"`
}
