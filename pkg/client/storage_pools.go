package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// StoragePools lists storage pools.
func (c *Client) StoragePools(ctx context.Context) (out []api.StoragePool, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/storage-pools", nil, &out)
}

// CreateStoragePool creates a storage pool.
func (c *Client) CreateStoragePool(ctx context.Context, req api.StoragePoolsPost) (out api.StoragePool, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/storage-pools", req, &out)
}

// StoragePool shows a storage pool.
func (c *Client) StoragePool(ctx context.Context, id string) (out api.StoragePool, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/storage-pools/"+url.PathEscape(id), nil, &out)
}

// UpdateStoragePool replaces the settings of a storage pool that holds
// no disks.
func (c *Client) UpdateStoragePool(ctx context.Context, id string, req api.StoragePoolsPost) (out api.StoragePool, err error) {
	return out, c.do(ctx, http.MethodPut, "/v1/storage-pools/"+url.PathEscape(id), req, &out)
}

// DeleteStoragePool deletes a storage pool.
func (c *Client) DeleteStoragePool(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/storage-pools/"+url.PathEscape(id), nil, nil)
}
