package client

import (
	"context"
	"net/http"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// SetGuestPassword sets a guest account's password through the running
// VM's guest agent; an empty password is made, and returned.
func (c *Client) SetGuestPassword(ctx context.Context, vm string, req api.GuestPasswordPut) (out api.GuestCredentials, err error) {
	return out, c.do(ctx, http.MethodPut, vmPath(vm, "guest", "password"), req, &out)
}

// GuestCredentials shows the guest account's credentials Kumo last set.
func (c *Client) GuestCredentials(ctx context.Context, vm string) (out api.GuestCredentials, err error) {
	return out, c.do(ctx, http.MethodGet, vmPath(vm, "guest", "credentials"), nil, &out)
}
