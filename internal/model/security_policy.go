package model

import "time"

// Security policy actions.
const (
	ActionAccept = "accept"
	ActionReject = "reject"
)

// SecurityRule matches inbound packets of a guest; the first rule that
// matches decides.
type SecurityRule struct {
	Action   string `json:"action"`
	Protocol string `json:"protocol"` // all, tcp, udp, icmp
	// FromAddress is the source address; empty matches any.
	FromAddress string `json:"from_address,omitempty"`
	// ToPort is the guest port; 0 matches any (and is the only value for
	// icmp and all).
	ToPort int `json:"to_port,omitempty"`
	// Interface is the NIC index, 1 for the first; 0 matches all.
	Interface int `json:"interface"`
}

// SecurityPolicyGroup is a named, ordered rule list that initialises the
// security policy of the guests created with it.
type SecurityPolicyGroup struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Description   string         `json:"description"`
	Owner         string         `json:"owner"`
	Group         string         `json:"group"`
	TenantID      string         `json:"tenant_id"`
	Enabled       bool           `json:"enabled"`
	Global        bool           `json:"global"`
	DefaultAction string         `json:"default_action"`
	Rules         []SecurityRule `json:"rules"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
}

// SecurityPolicy is the inbound packet policy of one guest.
type SecurityPolicy struct {
	VMID          string         `json:"vm_id"`
	DefaultAction string         `json:"default_action"`
	Rules         []SecurityRule `json:"rules"`
	UpdatedAt     time.Time      `json:"updated_at"`
}
