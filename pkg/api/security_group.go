package api

import "time"

// SecurityRule is one inbound rule of a security group or of a VM's
// security policy; rules are matched in order.
type SecurityRule struct {
	// Action is what happens to a matching packet (default accept).
	Action string `json:"action,omitempty" enum:"accept,reject" example:"reject"`
	// Protocol is the packets' protocol (default all).
	Protocol string `json:"protocol,omitempty" enum:"all,tcp,udp,icmp" example:"tcp"`
	// FromAddress is the source address or network; empty matches any.
	FromAddress string `json:"from_address,omitempty" example:"10.0.0.0/8"`
	// ToPort is the guest's port (tcp and udp); 0 matches any.
	ToPort int `json:"to_port,omitempty" example:"22"`
	// Interface is the NIC number, 1 for the first; 0 matches all.
	Interface int `json:"interface,omitempty" example:"0"`
}

// SecurityGroup is a named, ordered rule list that new VMs may copy as
// their security policy.
type SecurityGroup struct {
	// ID is the group's id.
	ID string `json:"id" example:"1b4e28ba-2fa1-11d2-883f-0016d3cca427"`
	// Name is the group's name.
	Name string `json:"name" example:"web"`
	// Description is free text.
	Description string `json:"description" example:"HTTP only"`
	// Owner is the user it belongs to.
	Owner string `json:"owner" example:"pam"`
	// Group is the user group it is shared in, if any.
	Group string `json:"group" example:"ops"`
	// Tenant is its owner's tenant.
	Tenant string `json:"tenant" example:"default"`
	// Enabled groups may be used for new VMs.
	Enabled bool `json:"enabled" example:"true"`
	// Global groups are seen by everyone.
	Global bool `json:"global" example:"false"`
	// DefaultAction is what happens to packets no rule matches.
	DefaultAction string `json:"default_action" enum:"accept,reject" example:"reject"`
	// Rules are matched in order; indexes start at 0.
	Rules []SecurityRule `json:"rules"`
	// CreatedAt is when it was made.
	CreatedAt time.Time `json:"created_at" example:"2026-12-04T10:00:00Z"`
	// UpdatedAt is when it last changed.
	UpdatedAt time.Time `json:"updated_at" example:"2026-12-04T11:00:00Z"`
}

// SecurityGroupsPost is the body of POST /v1/security-groups and of PUT
// /v1/security-groups/{id} (which replaces the settings; the rules stay).
type SecurityGroupsPost struct {
	// Name of the group.
	Name string `json:"name" required:"true" example:"web"`
	// Description is free text.
	Description string `json:"description,omitempty" example:"HTTP only"`
	// Owner is the user it belongs to (default the caller; only admins
	// name others).
	Owner string `json:"owner,omitempty" example:"pam"`
	// Group is the user group it is shared in.
	Group string `json:"group,omitempty" example:"ops"`
	// Enabled groups may be used for new VMs (default true).
	Enabled *bool `json:"enabled,omitempty" example:"true"`
	// Global groups are seen by everyone.
	Global bool `json:"global,omitempty" example:"false"`
	// DefaultAction is what happens to packets no rule matches (default
	// accept).
	DefaultAction string `json:"default_action,omitempty" enum:"accept,reject" example:"reject"`
}

// SecurityGroupsFilter narrows GET /v1/security-groups.
type SecurityGroupsFilter struct {
	// Owner keeps the groups of one user.
	Owner string `query:"owner" description:"only the groups of this user" example:"pam"`
	// Group keeps the groups shared in one user group.
	Group string `query:"group" description:"only the groups shared in this user group" example:"ops"`
	// Enabled keeps the enabled groups.
	Enabled bool `query:"enabled" description:"only enabled groups" example:"true"`
	// Global keeps the global groups.
	Global bool `query:"global" description:"only global groups" example:"false"`
}

// RuleMovePost is the body of POST .../rules/{index}/move.
type RuleMovePost struct {
	// Direction is where the rule moves by one place.
	Direction string `json:"direction" required:"true" enum:"up,down" example:"up"`
}

// SecurityPolicy is the inbound packet policy of one VM.
type SecurityPolicy struct {
	// VM is the VM's id.
	VM string `json:"vm" example:"0f8e2c1a-7d3b-4e5f-9a6b-1c2d3e4f5a6b"`
	// DefaultAction is what happens to packets no rule matches.
	DefaultAction string `json:"default_action" enum:"accept,reject" example:"reject"`
	// Rules are matched in order; indexes start at 0.
	Rules []SecurityRule `json:"rules"`
	// UpdatedAt is when it last changed (zero for a VM that never had
	// one stored).
	UpdatedAt time.Time `json:"updated_at" example:"2026-12-04T11:00:00Z"`
}

// SecurityPolicyPatch is the body of PATCH /v1/vms/{id}/security-policy.
type SecurityPolicyPatch struct {
	// DefaultAction is what happens to packets no rule matches. Guests on
	// user-mode NAT take no inbound traffic, so only reject is honoured.
	DefaultAction string `json:"default_action" required:"true" enum:"accept,reject" example:"reject"`
}
