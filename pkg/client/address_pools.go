package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// AddressPools lists address pools.
func (c *Client) AddressPools(ctx context.Context) (out []api.AddressPool, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/address-pools", nil, &out)
}

// CreateAddressPool creates an address pool.
func (c *Client) CreateAddressPool(ctx context.Context, req api.AddressPoolsPost) (out api.AddressPool, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/address-pools", req, &out)
}

// AddressPool shows an address pool with its ranges and allocations.
func (c *Client) AddressPool(ctx context.Context, id string) (out api.AddressPool, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/address-pools/"+url.PathEscape(id), nil, &out)
}

// UpdateAddressPool replaces an address pool's settings.
func (c *Client) UpdateAddressPool(ctx context.Context, id string, req api.AddressPoolsPost) (out api.AddressPool, err error) {
	return out, c.do(ctx, http.MethodPut, "/v1/address-pools/"+url.PathEscape(id), req, &out)
}

// DeleteAddressPool deletes an address pool.
func (c *Client) DeleteAddressPool(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/address-pools/"+url.PathEscape(id), nil, nil)
}

// AddressRanges lists a pool's ranges of a type ("" for internal).
func (c *Client) AddressRanges(ctx context.Context, pool, rangeType string) (out []api.AddressRange, err error) {
	path := listPath("/v1/address-pools/"+url.PathEscape(pool)+"/ranges", map[string]string{"type": rangeType}, 0, 0)
	return out, c.do(ctx, http.MethodGet, path, nil, &out)
}

// AddAddressRange adds a range to a pool.
func (c *Client) AddAddressRange(ctx context.Context, pool string, req api.AddressRangesPost) (out api.AddressRange, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/address-pools/"+url.PathEscape(pool)+"/ranges", req, &out)
}

// AddressRange shows the range of a pool starting at start, with its
// allocations.
func (c *Client) AddressRange(ctx context.Context, pool, start string) (out api.AddressRange, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/address-pools/"+url.PathEscape(pool)+"/ranges/"+url.PathEscape(start), nil, &out)
}

// RemoveAddressRange removes a range of a pool.
func (c *Client) RemoveAddressRange(ctx context.Context, pool, start string) error {
	return c.do(ctx, http.MethodDelete, "/v1/address-pools/"+url.PathEscape(pool)+"/ranges/"+url.PathEscape(start), nil, nil)
}
