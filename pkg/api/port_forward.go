package api

// PortForward forwards a port of the VM's host, on all its addresses, to
// a port of the guest's NAT NIC. Changes apply from the VM's next start.
type PortForward struct {
	// Protocol is tcp or udp.
	Protocol string `json:"protocol" enum:"tcp,udp" example:"tcp"`
	// HostPort is the port on the host.
	HostPort int `json:"host_port" example:"2222"`
	// GuestPort is the port in the guest.
	GuestPort int `json:"guest_port" example:"22"`
}

// PortForwardsPost is the body of POST /v1/vms/{id}/port-forwards.
type PortForwardsPost struct {
	// Protocol is tcp or udp.
	Protocol string `json:"protocol,omitempty" enum:"tcp,udp" default:"tcp" example:"tcp"`
	// HostPort is the port on the host: free among the host's VMs.
	HostPort int `json:"host_port" required:"true" example:"2222"`
	// GuestPort is the port in the guest.
	GuestPort int `json:"guest_port" required:"true" example:"22"`
}
