package client

import (
	"context"
	"net/http"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// VMNICs lists a VM's NICs.
func (c *Client) VMNICs(ctx context.Context, vm string) (out []api.NIC, err error) {
	return out, c.do(ctx, http.MethodGet, vmPath(vm, "nics"), nil, &out)
}

// JoinVMNetwork puts a stopped VM on a LAN with a second NIC.
func (c *Client) JoinVMNetwork(ctx context.Context, vm, network string) (out api.NIC, err error) {
	return out, c.do(ctx, http.MethodPost, vmPath(vm, "nics"), api.NICsPost{Network: network}, &out)
}

// LeaveVMNetwork takes a stopped VM off its LAN.
func (c *Client) LeaveVMNetwork(ctx context.Context, vm, network string) error {
	return c.do(ctx, http.MethodDelete, vmPath(vm, "nics", network), nil, nil)
}
