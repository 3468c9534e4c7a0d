package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// LDAPServers lists LDAP servers (the first is used).
func (c *Client) LDAPServers(ctx context.Context) (out []api.LDAPServer, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/ldap/servers", nil, &out)
}

// CreateLDAPServer adds an LDAP server; the server checks it by binding.
func (c *Client) CreateLDAPServer(ctx context.Context, req api.LDAPServersPost) (out api.LDAPServer, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/ldap/servers", req, &out)
}

// DeleteLDAPServer deletes an LDAP server and its bindings.
func (c *Client) DeleteLDAPServer(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/ldap/servers/"+url.PathEscape(id), nil, nil)
}

// LDAPBindings lists the LDAP bindings the caller sees.
func (c *Client) LDAPBindings(ctx context.Context) (out []api.LDAPBinding, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/ldap/bindings", nil, &out)
}

// CreateLDAPBinding lets a directory entry log in as a user.
func (c *Client) CreateLDAPBinding(ctx context.Context, req api.LDAPBindingsPost) (out api.LDAPBinding, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/ldap/bindings", req, &out)
}

// DeleteLDAPBinding deletes an LDAP binding.
func (c *Client) DeleteLDAPBinding(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/ldap/bindings/"+url.PathEscape(id), nil, nil)
}

// LoginLDAP opens a session with directory credentials and keeps its
// token in the client.
func (c *Client) LoginLDAP(ctx context.Context, req api.LDAPLoginRequest) (api.Session, error) {
	var s api.Session
	err := c.do(ctx, http.MethodPost, "/v1/login/ldap", req, &s)
	if err == nil {
		c.Token = s.Token
	}
	return s, err
}
