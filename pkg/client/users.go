package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// Users lists the users the caller manages.
func (c *Client) Users(ctx context.Context) (out []api.User, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/users", nil, &out)
}

// CreateUser creates a user.
func (c *Client) CreateUser(ctx context.Context, req api.UsersPost) (out api.User, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/users", req, &out)
}

// User shows a user by name.
func (c *Client) User(ctx context.Context, name string) (out api.User, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/users/"+url.PathEscape(name), nil, &out)
}

// UpdateUser changes a user's profile.
func (c *Client) UpdateUser(ctx context.Context, name string, req api.UserPatch) (out api.User, err error) {
	return out, c.do(ctx, http.MethodPatch, "/v1/users/"+url.PathEscape(name), req, &out)
}

// DeleteUser deletes a user.
func (c *Client) DeleteUser(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, "/v1/users/"+url.PathEscape(name), nil, nil)
}

// SetUserPassword sets a user's password; req.OldPassword, if given,
// must be the current one.
func (c *Client) SetUserPassword(ctx context.Context, name string, req api.PasswordPut) error {
	return c.do(ctx, http.MethodPut, "/v1/users/"+url.PathEscape(name)+"/password", req, nil)
}

// UserRoles lists the roles bound to a user directly.
func (c *Client) UserRoles(ctx context.Context, name string) (out []api.Role, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/users/"+url.PathEscape(name)+"/roles", nil, &out)
}

// BindUserRole binds a role to a user.
func (c *Client) BindUserRole(ctx context.Context, name, role string) error {
	return c.do(ctx, http.MethodPut, "/v1/users/"+url.PathEscape(name)+"/roles/"+url.PathEscape(role), nil, nil)
}

// UnbindUserRole takes a role from a user.
func (c *Client) UnbindUserRole(ctx context.Context, name, role string) error {
	return c.do(ctx, http.MethodDelete, "/v1/users/"+url.PathEscape(name)+"/roles/"+url.PathEscape(role), nil, nil)
}
