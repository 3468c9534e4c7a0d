package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// UpdatePool changes a pool's description, storage pool or address pool.
func (c *Client) UpdatePool(ctx context.Context, id string, req api.PoolPatch) (out api.Pool, err error) {
	return out, c.do(ctx, http.MethodPatch, "/v1/pools/"+url.PathEscape(id), req, &out)
}
