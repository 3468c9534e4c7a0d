package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// Templates lists VM templates.
func (c *Client) Templates(ctx context.Context) (out []api.Template, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/templates", nil, &out)
}

// CreateTemplate creates a VM template.
func (c *Client) CreateTemplate(ctx context.Context, req api.TemplatesPost) (out api.Template, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/templates", req, &out)
}

// Template shows a VM template.
func (c *Client) Template(ctx context.Context, id string) (out api.Template, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/templates/"+url.PathEscape(id), nil, &out)
}

// UpdateTemplate replaces a VM template's settings.
func (c *Client) UpdateTemplate(ctx context.Context, id string, req api.TemplatesPost) (out api.Template, err error) {
	return out, c.do(ctx, http.MethodPut, "/v1/templates/"+url.PathEscape(id), req, &out)
}

// DeleteTemplate deletes a VM template no VM uses.
func (c *Client) DeleteTemplate(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/templates/"+url.PathEscape(id), nil, nil)
}
