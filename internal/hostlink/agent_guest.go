package hostlink

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// SetVMQoS applies CPU priority and disk limits to a running VM.
func (c *AgentClient) SetVMQoS(ctx context.Context, id string, qos hypervisor.QoS) error {
	return c.call(ctx, http.MethodPut, "/agent/v1/vms/"+url.PathEscape(id)+"/qos", qos, nil)
}

// SetGuestPassword sets a guest user's password through the guest agent.
func (c *AgentClient) SetGuestPassword(ctx context.Context, id string, req PasswordRequest) error {
	return c.call(ctx, http.MethodPut, "/agent/v1/vms/"+url.PathEscape(id)+"/password", req, nil)
}

// ChangeDisk resizes, compacts or reimages a stopped VM's system disk.
func (c *AgentClient) ChangeDisk(ctx context.Context, id string, req DiskRequest) (d DiskInfo, err error) {
	err = c.call(ctx, http.MethodPost, "/agent/v1/vms/"+url.PathEscape(id)+"/disk", req, &d)
	return d, err
}
