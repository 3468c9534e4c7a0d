package client

import (
	"context"
	"net/http"
	"strconv"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// PortForwards lists the host ports forwarded to a VM.
func (c *Client) PortForwards(ctx context.Context, vm string) (out []api.PortForward, err error) {
	return out, c.do(ctx, http.MethodGet, vmPath(vm, "port-forwards"), nil, &out)
}

// AddPortForward forwards a host port to a VM, from its next start.
func (c *Client) AddPortForward(ctx context.Context, vm string, req api.PortForwardsPost) (out api.PortForward, err error) {
	return out, c.do(ctx, http.MethodPost, vmPath(vm, "port-forwards"), req, &out)
}

// RemovePortForward stops forwarding a host port to a VM, from its next
// start.
func (c *Client) RemovePortForward(ctx context.Context, vm, protocol string, hostPort int) error {
	return c.do(ctx, http.MethodDelete, vmPath(vm, "port-forwards", protocol, strconv.Itoa(hostPort)), nil, nil)
}
