package api

import "time"

// VM is a virtual machine. PowerState is what it should be, Status what
// its host last observed.
type VM struct {
	// ID is the VM's id.
	ID string `json:"id" example:"5b0c3f0e-2f4a-4d0b-9a77-1c2d3e4f5a6b"`
	// Name is unique among the VMs.
	Name string `json:"name" example:"web-1"`
	// Description is free text.
	Description string `json:"description" example:"the shop's front end"`
	// Pool is the id of the VM's pool.
	Pool string `json:"pool" example:"c1a2b3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"`
	// Host is the id of the host the VM is placed on.
	Host string `json:"host" example:"3f6c2a9e-8b1d-4c7e-9a2f-5d4e3c2b1a09"`
	// Image is the id of the image its system disk was made from.
	Image string `json:"image" example:"8d2f4b6a-1c3e-4f5a-9b7c-2d4e6f8a0b1c"`
	// PoolName is the name of Pool.
	PoolName string `json:"pool_name" example:"default"`
	// HostName is the name of Host.
	HostName string `json:"host_name" example:"rack1-node3"`
	// ImageName is the name of Image (empty once the image is deleted).
	ImageName string `json:"image_name" example:"debian-12"`
	// Cores is the number of virtual CPUs.
	Cores int `json:"cores" example:"2"`
	// MemoryMiB is the guest's RAM in MiB.
	MemoryMiB int `json:"memory_mib" example:"2048"`
	// DiskBytes is the system disk's virtual size.
	DiskBytes int64 `json:"disk_bytes" example:"21474836480"`
	// CloneMode says how the system disk was made from the image: a copy-on-write overlay or a full copy.
	CloneMode string `json:"clone_mode" enum:"cow,full" example:"cow"`
	// PowerState is what the VM should be: Kumo keeps it so.
	PowerState string `json:"power_state" enum:"running,stopped,paused" example:"running"`
	// Status is what its host last observed.
	Status string `json:"status" enum:"running,stopped,paused,creating,crashed,lost,unknown" example:"running"`
	// Accel is how the guest runs while it runs: kvm or tcg.
	Accel string `json:"accel,omitempty" example:"kvm"`
	// OnCrash is what a crash of the VM leads to: restart, stop, or empty
	// (restart if the VM auto-starts, else stop).
	OnCrash string `json:"on_crash,omitempty" enum:"restart,stop" example:"restart"`
	// CrashReason says why the VM last crashed, when it did.
	CrashReason string `json:"crash_reason,omitempty" example:"QEMU was killed by signal 9 (killed)"`
	// CrashedAt is when the VM last crashed.
	CrashedAt *time.Time `json:"crashed_at,omitempty" example:"2026-12-03T13:09:42Z"`
	// CreatedAt is when the VM was made.
	CreatedAt time.Time `json:"created_at" example:"2026-12-01T10:02:00Z"`
	// UpdatedAt is when it last changed.
	UpdatedAt time.Time `json:"updated_at" example:"2026-12-04T08:00:00Z"`
}

// VMsPost is the body of POST /v1/vms.
type VMsPost struct {
	// Name of the new VM.
	Name string `json:"name" required:"true" example:"web-1"`
	// Description is free text.
	Description string `json:"description,omitempty" example:"the shop's front end"`
	// Image is the image to make the system disk from.
	Image string `json:"image" required:"true" description:"image id or name" example:"debian-12"`
	// Pool is the pool to place it in.
	Pool string `json:"pool,omitempty" description:"pool id or name (default: default)" example:"default"`
	// Cores is the number of virtual CPUs.
	Cores int `json:"cores,omitempty" description:"default 1" example:"2"`
	// MemoryMiB is the guest's RAM in MiB.
	MemoryMiB int `json:"memory_mib,omitempty" description:"default 512" example:"2048"`
	// DiskBytes is the system disk's size, at least the image's.
	DiskBytes int64 `json:"disk_bytes,omitempty" description:"default: the image's virtual size" example:"21474836480"`
	// CloneMode is how the disk is made from the image.
	CloneMode string `json:"clone_mode,omitempty" enum:"cow,full" description:"cow (default): copy-on-write overlay; full: independent copy" example:"cow"`
	// Start boots the VM once its disk is made.
	Start bool `json:"start,omitempty" example:"true"`
	// OnCrash is what a crash leads to.
	OnCrash string `json:"on_crash,omitempty" enum:"restart,stop" description:"what a crash leads to (default: restart if auto-start, else stop)" example:"restart"`
	// Template is the VM template whose device choices it takes.
	Template string `json:"template,omitempty" description:"template id or name" example:"linux-virtio"`
	// SecurityGroup is the security group whose rules its security
	// policy starts as a copy of.
	SecurityGroup string `json:"security_group,omitempty" description:"security group id or name" example:"web"`
}

// VMPatch is the body of PATCH /v1/vms/{id}; absent fields stay as they
// are. Cores and memory can only change while the VM is stopped.
type VMPatch struct {
	// Description replaces the VM's.
	Description *string `json:"description,omitempty" example:"the shop's front end"`
	// Cores is the new number of virtual CPUs.
	Cores *int `json:"cores,omitempty" example:"4"`
	// MemoryMiB is the new RAM in MiB.
	MemoryMiB *int `json:"memory_mib,omitempty" example:"4096"`
}

// VMStatePut is the body of PUT /v1/vms/{id}/state.
type VMStatePut struct {
	// Action is the power change.
	Action string `json:"action" required:"true" enum:"start,stop,poweroff,reboot,pause,resume" example:"start"`
	// Force turns a stop that times out into a power-off.
	Force bool `json:"force,omitempty" description:"stop: power off if the guest does not stop in time" example:"true"`
	// TimeoutSeconds bounds a stop's wait for the guest.
	TimeoutSeconds int `json:"timeout_seconds,omitempty" description:"stop: how long to wait for the guest" example:"60"`
}

// VMMigratePost moves a running VM live to another host of its pool.
type VMMigratePost struct {
	// Host is the target host.
	Host string `json:"host,omitempty" description:"id or name of the target host; empty picks the host with the most free memory" example:"rack1-node4"`
}

// VMCreated is the reply to POST /v1/vms: the VM and the task making it.
type VMCreated struct {
	// VM is the new VM, status creating.
	VM VM `json:"vm"`
	// Task makes its disk (and starts it, if asked).
	Task Task `json:"task"`
}
