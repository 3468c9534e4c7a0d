package api

// NIC is one of a VM's network interfaces: its first NIC, on its own
// user-mode NAT network, then a NIC on the LAN it joined, if any, then one
// per multicast segment it names.
type NIC struct {
	// Index is the NIC's place in the guest (0 is eth0).
	Index int `json:"index" example:"1"`
	// Type is what the NIC is attached to.
	Type string `json:"type" enum:"nat,lan,multicast" example:"lan"`
	// MAC is the NIC's MAC address, derived from the VM's id.
	MAC string `json:"mac" example:"52:54:01:3d:4e:5f"`
	// Network names what it is attached to: the LAN's name, or the
	// multicast address; empty for the NAT NIC.
	Network string `json:"network,omitempty" example:"backend"`
	// Address is the guest's IPv4 address on it, where Kumo assigns one.
	Address string `json:"address,omitempty" example:"192.168.10.2"`
}

// NICsPost is the body of POST /v1/vms/{id}/nics: a stopped VM joins a
// LAN of its host with a second NIC, from its next start.
type NICsPost struct {
	// Network is the LAN to join.
	Network string `json:"network" required:"true" description:"LAN name" example:"backend"`
}
