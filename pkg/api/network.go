package api

import "time"

// Network is a LAN: an isolated layer-2 segment between VMs of one host,
// seen by them on a second NIC.
type Network struct {
	// Name is the network's name and id (6-10 letters or digits).
	Name string `json:"name" example:"backnet1"`
	// DisplayName is the name people read when it is not Name; empty
	// shows Name.
	DisplayName string `json:"display_name,omitempty" example:"back office"`
	// CIDR is the IPv4 network its VMs take addresses from.
	CIDR string `json:"cidr" example:"192.168.66.0/24"`
	// Host is the id of the host the network spans.
	Host string `json:"host" example:"5d0c2a8e-0b1f-4f7a-9a53-2e4b9d1c7f60"`
	// Owner is the user who made it.
	Owner string `json:"owner" example:"pam"`
	// Tenant is the id of the tenant whose members use it.
	Tenant string `json:"tenant" example:"default"`
	// VlanID is a label (0-4094); frames are not tagged.
	VlanID int `json:"vlan_id" example:"0"`
	// CreatedAt is when it was made.
	CreatedAt time.Time `json:"created_at" example:"2026-12-04T10:00:00Z"`
}

// NetworksPost is the body of POST /v1/networks.
type NetworksPost struct {
	// Name of the new network: 6-10 letters or digits.
	Name string `json:"name" required:"true" example:"backnet1"`
	// DisplayName is the name people read, free text.
	DisplayName string `json:"display_name,omitempty" example:"back office"`
	// CIDR is an IPv4 network from /8 to /29.
	CIDR string `json:"cidr" required:"true" example:"192.168.66.0/24"`
	// Host is the id or name of the host the network is for.
	Host string `json:"host" required:"true" example:"host-1"`
}

// NetworkPatch is the body of PATCH /v1/networks/{id}; absent fields
// stay.
type NetworkPatch struct {
	// DisplayName is the new display name; empty shows the name.
	DisplayName *string `json:"display_name,omitempty" example:"front office"`
	// VlanID is the new VLAN label (0-4094).
	VlanID *int `json:"vlan_id,omitempty" example:"42"`
}

// NetworkMember is a VM's place on a network.
type NetworkMember struct {
	// VM is the VM's id.
	VM string `json:"vm" example:"0f8e2c1a-7d3b-4e5f-9a6b-1c2d3e4f5a6b"`
	// VMName is the VM's name.
	VMName string `json:"vm_name" example:"web-1"`
	// Address is the VM's address on the network.
	Address string `json:"address" example:"192.168.66.2"`
}

// NetworkMembersPost is the body of POST /v1/networks/{id}/members: a
// stopped VM of the network's host joins it (its second NIC appears at
// its next start).
type NetworkMembersPost struct {
	// VM is the id or name of the VM.
	VM string `json:"vm" required:"true" example:"web-1"`
}
