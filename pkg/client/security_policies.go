package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func securityPolicyPath(vm string) string {
	return "/v1/vms/" + url.PathEscape(vm) + "/security-policy"
}

// SecurityPolicy shows a VM's inbound security policy.
func (c *Client) SecurityPolicy(ctx context.Context, vm string) (out api.SecurityPolicy, err error) {
	return out, c.do(ctx, http.MethodGet, securityPolicyPath(vm), nil, &out)
}

// SetSecurityDefaultAction sets a VM's default inbound action.
func (c *Client) SetSecurityDefaultAction(ctx context.Context, vm, action string) (out api.SecurityPolicy, err error) {
	return out, c.do(ctx, http.MethodPatch, securityPolicyPath(vm), api.SecurityPolicyPatch{DefaultAction: action}, &out)
}

// AddSecurityPolicyRule appends a rule to a VM's security policy.
func (c *Client) AddSecurityPolicyRule(ctx context.Context, vm string, rule api.SecurityRule) (out api.SecurityPolicy, err error) {
	return out, c.do(ctx, http.MethodPost, securityPolicyPath(vm)+"/rules", rule, &out)
}

// UpdateSecurityPolicyRule replaces rule index of a VM's security policy.
func (c *Client) UpdateSecurityPolicyRule(ctx context.Context, vm string, index int, rule api.SecurityRule) (out api.SecurityPolicy, err error) {
	return out, c.do(ctx, http.MethodPut, securityPolicyPath(vm)+"/rules/"+strconv.Itoa(index), rule, &out)
}

// DeleteSecurityPolicyRule removes rule index of a VM's security policy.
func (c *Client) DeleteSecurityPolicyRule(ctx context.Context, vm string, index int) (out api.SecurityPolicy, err error) {
	return out, c.do(ctx, http.MethodDelete, securityPolicyPath(vm)+"/rules/"+strconv.Itoa(index), nil, &out)
}

// MoveSecurityPolicyRule moves rule index of a VM's security policy "up"
// or "down" by one.
func (c *Client) MoveSecurityPolicyRule(ctx context.Context, vm string, index int, direction string) (out api.SecurityPolicy, err error) {
	return out, c.do(ctx, http.MethodPost, securityPolicyPath(vm)+"/rules/"+strconv.Itoa(index)+"/move", api.RuleMovePost{Direction: direction}, &out)
}
