package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func allParam(all bool) map[string]string {
	if all {
		return map[string]string{"all": "true"}
	}
	return nil
}

// Groups lists the user groups of the caller's tenant (of every tenant it
// reaches with all).
func (c *Client) Groups(ctx context.Context, all bool) (out []api.Group, err error) {
	return out, c.do(ctx, http.MethodGet, listPath("/v1/groups", allParam(all), 0, 0), nil, &out)
}

// CreateGroup creates a user group.
func (c *Client) CreateGroup(ctx context.Context, req api.GroupsPost) (out api.Group, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/groups", req, &out)
}

// Group shows a user group with its roles and members.
func (c *Client) Group(ctx context.Context, id string) (out api.Group, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/groups/"+url.PathEscape(id), nil, &out)
}

// UpdateGroup changes a user group.
func (c *Client) UpdateGroup(ctx context.Context, id string, req api.GroupPatch) (out api.Group, err error) {
	return out, c.do(ctx, http.MethodPatch, "/v1/groups/"+url.PathEscape(id), req, &out)
}

// DeleteGroup deletes a user group; force takes its members out instead
// of refusing.
func (c *Client) DeleteGroup(ctx context.Context, id string, force bool) error {
	q := map[string]string{}
	if force {
		q["force"] = "true"
	}
	return c.do(ctx, http.MethodDelete, listPath("/v1/groups/"+url.PathEscape(id), q, 0, 0), nil, nil)
}

// GroupMembers lists the names of a user group's members.
func (c *Client) GroupMembers(ctx context.Context, id string) (out []string, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/groups/"+url.PathEscape(id)+"/members", nil, &out)
}

// AddGroupMember puts a user into a user group.
func (c *Client) AddGroupMember(ctx context.Context, id, user string) error {
	return c.do(ctx, http.MethodPut, "/v1/groups/"+url.PathEscape(id)+"/members/"+url.PathEscape(user), nil, nil)
}

// RemoveGroupMember takes a user out of a user group.
func (c *Client) RemoveGroupMember(ctx context.Context, id, user string) error {
	return c.do(ctx, http.MethodDelete, "/v1/groups/"+url.PathEscape(id)+"/members/"+url.PathEscape(user), nil, nil)
}

// Visibility shows what the members of the caller's (first) user group
// see of each other's objects.
func (c *Client) Visibility(ctx context.Context) (out api.Visibility, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/visibility", nil, &out)
}

// SetVisibility sets what the members of the caller's (first) user group
// see of each other's objects.
func (c *Client) SetVisibility(ctx context.Context, v api.Visibility) (out api.Visibility, err error) {
	return out, c.do(ctx, http.MethodPut, "/v1/visibility", v, &out)
}
