package hostlink

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

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

// SerialLog returns an excerpt of a VM's serial console log.
func (c *AgentClient) SerialLog(ctx context.Context, id string, req SerialRequest) (l SerialLog, err error) {
	q := url.Values{"lines": {strconv.Itoa(req.Lines)}, "max_bytes": {strconv.Itoa(req.MaxBytes)}}
	if req.FromHead {
		q.Set("from", "head")
	}
	err = c.call(ctx, http.MethodGet, "/agent/v1/vms/"+url.PathEscape(id)+"/serial?"+q.Encode(), nil, &l)
	return l, err
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
