package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// Networks lists the networks (LANs) the caller sees.
func (c *Client) Networks(ctx context.Context) (out []api.Network, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/networks", nil, &out)
}

// CreateNetwork creates a network on a host.
func (c *Client) CreateNetwork(ctx context.Context, req api.NetworksPost) (out api.Network, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/networks", req, &out)
}

// Network shows a network by name.
func (c *Client) Network(ctx context.Context, name string) (out api.Network, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/networks/"+url.PathEscape(name), nil, &out)
}

// UpdateNetwork changes a network's display name or VLAN label.
func (c *Client) UpdateNetwork(ctx context.Context, name string, req api.NetworkPatch) (out api.Network, err error) {
	return out, c.do(ctx, http.MethodPatch, "/v1/networks/"+url.PathEscape(name), req, &out)
}

// DeleteNetwork deletes a network no VM is on.
func (c *Client) DeleteNetwork(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, "/v1/networks/"+url.PathEscape(name), nil, nil)
}

// NetworkMembers lists the VMs on a network.
func (c *Client) NetworkMembers(ctx context.Context, name string) (out []api.NetworkMember, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/networks/"+url.PathEscape(name)+"/members", nil, &out)
}

// AddNetworkMember puts a stopped VM on a network and returns the
// network's members.
func (c *Client) AddNetworkMember(ctx context.Context, name, vm string) (out []api.NetworkMember, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/networks/"+url.PathEscape(name)+"/members", api.NetworkMembersPost{VM: vm}, &out)
}

// RemoveNetworkMember takes a stopped VM off a network.
func (c *Client) RemoveNetworkMember(ctx context.Context, name, vm string) error {
	return c.do(ctx, http.MethodDelete, "/v1/networks/"+url.PathEscape(name)+"/members/"+url.PathEscape(vm), nil, nil)
}
