package api

import "time"

// Image is a disk image (qcow2, raw) or boot medium (iso). Upload one with
// POST /v1/images?name=NAME[&format=FORMAT] and the file as the body.
type Image struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Format      string    `json:"format" enum:"qcow2,raw,iso"`
	State       string    `json:"state"`
	SizeBytes   int64     `json:"size_bytes"`
	VirtualSize int64     `json:"virtual_size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}
