package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// SecurityGroups lists the security groups the caller sees that f
// selects.
func (c *Client) SecurityGroups(ctx context.Context, f api.SecurityGroupsFilter) (out []api.SecurityGroup, err error) {
	q := map[string]string{"owner": f.Owner, "group": f.Group}
	if f.Enabled {
		q["enabled"] = "true"
	}
	if f.Global {
		q["global"] = "true"
	}
	return out, c.do(ctx, http.MethodGet, listPath("/v1/security-groups", q, 0, 0), nil, &out)
}

// CreateSecurityGroup creates a security group without rules.
func (c *Client) CreateSecurityGroup(ctx context.Context, req api.SecurityGroupsPost) (out api.SecurityGroup, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/security-groups", req, &out)
}

// SecurityGroup shows a security group by id or name.
func (c *Client) SecurityGroup(ctx context.Context, id string) (out api.SecurityGroup, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/security-groups/"+url.PathEscape(id), nil, &out)
}

// UpdateSecurityGroup replaces a security group's settings.
func (c *Client) UpdateSecurityGroup(ctx context.Context, id string, req api.SecurityGroupsPost) (out api.SecurityGroup, err error) {
	return out, c.do(ctx, http.MethodPut, "/v1/security-groups/"+url.PathEscape(id), req, &out)
}

// DeleteSecurityGroup deletes a security group.
func (c *Client) DeleteSecurityGroup(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/security-groups/"+url.PathEscape(id), nil, nil)
}

func securityGroupRulePath(id string, index int) string {
	return "/v1/security-groups/" + url.PathEscape(id) + "/rules/" + strconv.Itoa(index)
}

// AddSecurityGroupRule appends a rule to a security group.
func (c *Client) AddSecurityGroupRule(ctx context.Context, id string, rule api.SecurityRule) (out api.SecurityGroup, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/security-groups/"+url.PathEscape(id)+"/rules", rule, &out)
}

// UpdateSecurityGroupRule replaces rule index of a security group.
func (c *Client) UpdateSecurityGroupRule(ctx context.Context, id string, index int, rule api.SecurityRule) (out api.SecurityGroup, err error) {
	return out, c.do(ctx, http.MethodPut, securityGroupRulePath(id, index), rule, &out)
}

// DeleteSecurityGroupRule removes rule index of a security group.
func (c *Client) DeleteSecurityGroupRule(ctx context.Context, id string, index int) (out api.SecurityGroup, err error) {
	return out, c.do(ctx, http.MethodDelete, securityGroupRulePath(id, index), nil, &out)
}

// MoveSecurityGroupRule moves rule index of a security group "up" or
// "down" by one.
func (c *Client) MoveSecurityGroupRule(ctx context.Context, id string, index int, direction string) (out api.SecurityGroup, err error) {
	return out, c.do(ctx, http.MethodPost, securityGroupRulePath(id, index)+"/move", api.RuleMovePost{Direction: direction}, &out)
}
