package api

// Disk is one of a VM's disks: its system disk (vda, made from its
// image) or an empty data disk (vdb, vdc, ...).
type Disk struct {
	// Name is the disk's virtio name in the guest: vda for the system
	// disk, vdb, vdc, ... for data disks.
	Name string `json:"name" example:"vdb"`
	// Index is the disk's place: 0 is the system disk, data disks follow.
	Index int `json:"index" example:"1"`
	// Type says whether it is the system disk or a data disk.
	Type string `json:"type" enum:"system,data" example:"data"`
	// SizeBytes is the disk's virtual size.
	SizeBytes int64 `json:"size_bytes" example:"10737418240"`
	// MountDir is where the owner wants a data disk mounted in the guest
	// (kept for the owner; the guest mounts it).
	MountDir string `json:"mount_dir,omitempty" example:"/data"`
}

// DisksPost is the body of POST /v1/vms/{id}/disks: a new empty data
// disk for a stopped VM, there from its next start.
type DisksPost struct {
	// SizeBytes is the new disk's virtual size, a multiple of 512.
	SizeBytes int64 `json:"size_bytes" required:"true" example:"10737418240"`
	// MountDir is where the owner wants it mounted in the guest.
	MountDir string `json:"mount_dir,omitempty" example:"/data"`
}

// DiskPatch is the body of PATCH /v1/vms/{id}/disks/{disk}: a stopped
// VM's disk grows to a new size.
type DiskPatch struct {
	// SizeBytes is the disk's new virtual size: larger than now, a
	// multiple of 512.
	SizeBytes int64 `json:"size_bytes" required:"true" example:"21474836480"`
}
