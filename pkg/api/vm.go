package api

import "time"

// VM is a virtual machine. PowerState is what it should be, Status what
// its host last observed.
type VM struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Pool        string `json:"pool"`
	Host        string `json:"host"`
	Image       string `json:"image"`
	Cores       int    `json:"cores"`
	MemoryMiB   int    `json:"memory_mib"`
	DiskBytes   int64  `json:"disk_bytes"`
	CloneMode   string `json:"clone_mode" enum:"cow,full"`
	PowerState  string `json:"power_state" enum:"running,stopped,paused"`
	Status      string `json:"status" enum:"running,stopped,paused,creating,crashed,lost,unknown"`
	Accel       string `json:"accel,omitempty"`
	// OnCrash is what a crash of the VM leads to: restart, stop, or empty
	// (restart if the VM auto-starts, else stop).
	OnCrash string `json:"on_crash,omitempty" enum:"restart,stop" example:"restart"`
	// CrashReason says why the VM last crashed, when it did.
	CrashReason string `json:"crash_reason,omitempty" example:"QEMU was killed by signal 9 (killed)"`
	// CrashedAt is when the VM last crashed.
	CrashedAt *time.Time `json:"crashed_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// VMsPost is the body of POST /v1/vms.
type VMsPost struct {
	Name        string `json:"name" required:"true"`
	Description string `json:"description,omitempty"`
	Image       string `json:"image" required:"true" description:"image id or name"`
	Pool        string `json:"pool,omitempty" description:"pool id or name (default: default)"`
	Cores       int    `json:"cores,omitempty" description:"default 1"`
	MemoryMiB   int    `json:"memory_mib,omitempty" description:"default 512"`
	DiskBytes   int64  `json:"disk_bytes,omitempty" description:"default: the image's virtual size"`
	CloneMode   string `json:"clone_mode,omitempty" enum:"cow,full" description:"cow (default): copy-on-write overlay; full: independent copy"`
	Start       bool   `json:"start,omitempty"`
	OnCrash     string `json:"on_crash,omitempty" enum:"restart,stop" description:"what a crash leads to (default: restart if auto-start, else stop)"`
}

// VMPatch is the body of PATCH /v1/vms/{id}; absent fields stay as they
// are. Cores and memory can only change while the VM is stopped.
type VMPatch struct {
	Description *string `json:"description,omitempty"`
	Cores       *int    `json:"cores,omitempty"`
	MemoryMiB   *int    `json:"memory_mib,omitempty"`
}

// VMStatePut is the body of PUT /v1/vms/{id}/state.
type VMStatePut struct {
	Action         string `json:"action" required:"true" enum:"start,stop,poweroff,reboot,pause,resume"`
	Force          bool   `json:"force,omitempty" description:"stop: power off if the guest does not stop in time"`
	TimeoutSeconds int    `json:"timeout_seconds,omitempty" description:"stop: how long to wait for the guest"`
}

// VMMigratePost moves a running VM live to another host of its pool.
type VMMigratePost struct {
	Host string `json:"host,omitempty" description:"id or name of the target host; empty picks the host with the most free memory"`
}

// VMCreated is the reply to POST /v1/vms: the VM and the task making it.
type VMCreated struct {
	VM   VM   `json:"vm"`
	Task Task `json:"task"`
}
