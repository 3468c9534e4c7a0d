package model

import "time"

// ImageFormat is the file format of an image.
type ImageFormat string

// Image formats. ISO images are boot media; qcow2 and raw are disk images.
const (
	FormatQCOW2 ImageFormat = "qcow2"
	FormatRaw   ImageFormat = "raw"
	FormatISO   ImageFormat = "iso"
)

// ImageState tracks an upload.
type ImageState string

// Image states.
const (
	ImageUploading ImageState = "uploading"
	ImageReady     ImageState = "ready"
)

// Image is a disk image or boot medium held by the control plane, from
// which VM disks are made.
type Image struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Format      ImageFormat `json:"format"`
	State       ImageState  `json:"state"`
	SizeBytes   int64       `json:"size_bytes"`   // file size
	VirtualSize int64       `json:"virtual_size"` // guest-visible disk size
	SHA256      string      `json:"sha256"`
	Owner       string      `json:"owner"`
	Group       string      `json:"group"`
	TenantID    string      `json:"tenant_id"`
	Tags        []string    `json:"tags"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
}
