package api

import "time"

// Image is a disk image (qcow2, raw) or boot medium (iso). Upload one with
// POST /v1/images?name=NAME[&format=FORMAT] and the file as the body.
type Image struct {
	// ID is the image's id.
	ID string `json:"id" example:"8d2f4b6a-1c3e-4f5a-9b7c-2d4e6f8a0b1c"`
	// Name is unique among the images.
	Name string `json:"name" example:"debian-12"`
	// Description is free text.
	Description string `json:"description" example:"Debian 12 generic cloud image"`
	// Format is the content's format, checked at upload.
	Format string `json:"format" enum:"qcow2,raw,iso" example:"qcow2"`
	// State is ready once the upload is complete and checked.
	State string `json:"state" example:"ready"`
	// SizeBytes is the size of the stored file.
	SizeBytes int64 `json:"size_bytes" example:"343932928"`
	// VirtualSize is the size of the disk it holds (for iso and raw, the file size).
	VirtualSize int64 `json:"virtual_size" example:"2147483648"`
	// SHA256 is the hex digest of the stored file.
	SHA256 string `json:"sha256" example:"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"`
	// CreatedAt is when the upload began.
	CreatedAt time.Time `json:"created_at" example:"2026-12-01T10:00:00Z"`
}
