package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func vmPath(vm string, rest ...string) string {
	p := "/v1/vms/" + url.PathEscape(vm)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

// VMDisks lists a VM's disks, the system disk (vda) first.
func (c *Client) VMDisks(ctx context.Context, vm string) (out []api.Disk, err error) {
	return out, c.do(ctx, http.MethodGet, vmPath(vm, "disks"), nil, &out)
}

// AddVMDisk adds an empty data disk to a stopped VM.
func (c *Client) AddVMDisk(ctx context.Context, vm string, req api.DisksPost) (out api.Disk, err error) {
	return out, c.do(ctx, http.MethodPost, vmPath(vm, "disks"), req, &out)
}

// ResizeVMDisk grows a stopped VM's disk; the task grows it.
func (c *Client) ResizeVMDisk(ctx context.Context, vm, disk string, sizeBytes int64) (out api.Task, err error) {
	return out, c.do(ctx, http.MethodPatch, vmPath(vm, "disks", disk), api.DiskPatch{SizeBytes: sizeBytes}, &out)
}

// RemoveVMDisk removes a stopped VM's data disk.
func (c *Client) RemoveVMDisk(ctx context.Context, vm, disk string) error {
	return c.do(ctx, http.MethodDelete, vmPath(vm, "disks", disk), nil, nil)
}
