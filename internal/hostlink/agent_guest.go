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

// PrepareIncoming makes the destination of a live migration ready.
func (c *AgentClient) PrepareIncoming(ctx context.Context, cfg VMConfig) (r IncomingResponse, err error) {
	err = c.call(ctx, http.MethodPost, "/agent/v1/vms/"+url.PathEscape(cfg.ID)+"/incoming", cfg, &r)
	return r, err
}

// MigrateVM sends a running VM to a prepared destination and returns when
// it is there.
func (c *AgentClient) MigrateVM(ctx context.Context, id string, req hypervisor.MigrateRequest) (s VMStatus, err error) {
	err = c.call(ctx, http.MethodPost, "/agent/v1/vms/"+url.PathEscape(id)+"/migrate", req, &s)
	return s, err
}
