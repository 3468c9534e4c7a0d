package client

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// Tenants lists the tenants the caller sees.
func (c *Client) Tenants(ctx context.Context) (out []api.Tenant, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/tenants", nil, &out)
}

// Tenant shows a tenant by id or name.
func (c *Client) Tenant(ctx context.Context, id string) (out api.Tenant, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/tenants/"+url.PathEscape(id), nil, &out)
}

// CreateTenant creates an account tenant and its admin user.
func (c *Client) CreateTenant(ctx context.Context, req api.TenantsPost) (out api.Tenant, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/tenants", req, &out)
}

// DeleteTenant deletes a tenant that holds nothing.
func (c *Client) DeleteTenant(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/tenants/"+url.PathEscape(id), nil, nil)
}

// Quotas shows a tenant's quotas and what it uses of them.
func (c *Client) Quotas(ctx context.Context, tenant string) (out []api.Quota, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/tenants/"+url.PathEscape(tenant)+"/quotas", nil, &out)
}

// SetQuota sets or lifts one quota of a tenant.
func (c *Client) SetQuota(ctx context.Context, tenant, name string, req api.QuotaPut) (out api.Quota, err error) {
	return out, c.do(ctx, http.MethodPut, "/v1/tenants/"+url.PathEscape(tenant)+"/quotas/"+url.PathEscape(name), req, &out)
}

// Spending says what a tenant's VMs cost between start and end (zero
// times: from the beginning, until now), of one owner's VMs if owner is
// not empty.
func (c *Client) Spending(ctx context.Context, tenant string, start, end time.Time, owner string) (out api.Spending, err error) {
	q := url.Values{}
	if !start.IsZero() {
		q.Set("start", start.Format(time.RFC3339))
	}
	if !end.IsZero() {
		q.Set("end", end.Format(time.RFC3339))
	}
	if owner != "" {
		q.Set("owner", owner)
	}
	path := "/v1/tenants/" + url.PathEscape(tenant) + "/spending"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return out, c.do(ctx, http.MethodGet, path, nil, &out)
}

// Prices lists prices.
func (c *Client) Prices(ctx context.Context) (out []api.Price, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/prices", nil, &out)
}

// CreatePrice sets a price from a moment on.
func (c *Client) CreatePrice(ctx context.Context, req api.PricesPost) (out api.Price, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/prices", req, &out)
}

// DeletePrice deletes a price.
func (c *Client) DeletePrice(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/prices/"+url.PathEscape(id), nil, nil)
}
