package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// Roles lists the roles of the caller's tenant (of every tenant it
// reaches with all).
func (c *Client) Roles(ctx context.Context, all bool) (out []api.Role, err error) {
	return out, c.do(ctx, http.MethodGet, listPath("/v1/roles", allParam(all), 0, 0), nil, &out)
}

// CreateRole creates a role.
func (c *Client) CreateRole(ctx context.Context, req api.RolesPost) (out api.Role, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/roles", req, &out)
}

// Role shows a role.
func (c *Client) Role(ctx context.Context, id string) (out api.Role, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/roles/"+url.PathEscape(id), nil, &out)
}

// UpdateRole changes a role.
func (c *Client) UpdateRole(ctx context.Context, id string, req api.RolePatch) (out api.Role, err error) {
	return out, c.do(ctx, http.MethodPatch, "/v1/roles/"+url.PathEscape(id), req, &out)
}

// DeleteRole deletes a role; unbind takes it from its groups and users
// instead of refusing.
func (c *Client) DeleteRole(ctx context.Context, id string, unbind bool) error {
	q := map[string]string{}
	if unbind {
		q["unbind"] = "true"
	}
	return c.do(ctx, http.MethodDelete, listPath("/v1/roles/"+url.PathEscape(id), q, 0, 0), nil, nil)
}
