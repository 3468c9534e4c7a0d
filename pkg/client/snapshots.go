package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// Snapshots lists a VM's snapshots.
func (c *Client) Snapshots(ctx context.Context, vm string) (out []api.Snapshot, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/vms/"+url.PathEscape(vm)+"/snapshots", nil, &out)
}

// CreateSnapshot takes a snapshot of a VM; the task takes it.
func (c *Client) CreateSnapshot(ctx context.Context, vm string, req api.SnapshotsPost) (out api.Task, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/vms/"+url.PathEscape(vm)+"/snapshots", req, &out)
}

// ShareVM shares a VM with tenants (to see, not to change).
func (c *Client) ShareVM(ctx context.Context, vm string, req api.SharesPost) error {
	return c.do(ctx, http.MethodPost, "/v1/vms/"+url.PathEscape(vm)+"/shares", req, nil)
}

// UnshareVM ends shares of a VM.
func (c *Client) UnshareVM(ctx context.Context, vm string, req api.SharesDelete) error {
	return c.do(ctx, http.MethodDelete, "/v1/vms/"+url.PathEscape(vm)+"/shares", req, nil)
}

// UnshareImage ends shares of an image.
func (c *Client) UnshareImage(ctx context.Context, image string, req api.SharesDelete) error {
	return c.do(ctx, http.MethodDelete, "/v1/images/"+url.PathEscape(image)+"/shares", req, nil)
}

// Snapshot shows one snapshot of a VM.
func (c *Client) Snapshot(ctx context.Context, vm, name string) (out api.Snapshot, err error) {
	return out, c.do(ctx, http.MethodGet, vmPath(vm, "snapshots", name), nil, &out)
}

// RevertSnapshot reverts a stopped VM's disk to a snapshot; the task
// reverts it.
func (c *Client) RevertSnapshot(ctx context.Context, vm, name string) (out api.Task, err error) {
	return out, c.do(ctx, http.MethodPost, vmPath(vm, "snapshots", name, "revert"), nil, &out)
}

// DeleteSnapshot deletes a snapshot of a VM; the task deletes it.
func (c *Client) DeleteSnapshot(ctx context.Context, vm, name string) (out api.Task, err error) {
	return out, c.do(ctx, http.MethodDelete, vmPath(vm, "snapshots", name), nil, &out)
}
