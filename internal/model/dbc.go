package model

import "time"

// DBCSession is a session id a DBC renter's wallet was issued. The renter
// hands the id to its users together with the wallet's signature of it;
// the pair is their credential.
type DBCSession struct {
	ID        string    `json:"session_id"`
	Wallet    string    `json:"wallet"`
	CreatedAt time.Time `json:"created_at"`
}

// LAN is an isolated layer-2 segment between VMs of one host (DBC's
// "network"): QEMU socket netdevs of its VMs' second NICs on one
// multicast group and port. Kumo gives each member an address of CIDR;
// no DHCP runs on the segment.
type LAN struct {
	Name           string    `json:"name"`
	CIDR           string    `json:"cidr"`
	HostID         string    `json:"host_id"`
	Owner          string    `json:"owner"`
	TenantID       string    `json:"tenant_id"`
	MulticastGroup string    `json:"multicast_group"`
	MulticastPort  int       `json:"multicast_port"`
	CreatedAt      time.Time `json:"created_at"`
	// VlanID is the VLAN id a CloudTower client labelled the LAN with:
	// frames are not tagged, the multicast group isolates the LAN.
	VlanID int `json:"vlan_id"`
	// DisplayName is the name people read when it is not the LAN's
	// name (a CloudTower vlan's "sample name"); '' shows Name.
	DisplayName string `json:"display_name,omitempty"`
}

// LANMember is a VM's place on a LAN.
type LANMember struct {
	VMID    string `json:"vm_id"`
	LAN     string `json:"lan"`
	Address string `json:"address"`
}

// BareMetal is a machine Kumo powers on and off and sets the boot device
// of through its BMC (IPMI), for its owner.
type BareMetal struct {
	// ID is the machine's node id (64 hex digits, derived from UUID).
	ID          string `json:"node_id"`
	UUID        string `json:"uuid"`
	IP          string `json:"ip"`
	OS          string `json:"os"`
	Description string `json:"desc"`
	// IPMIHost is the BMC's host or host:port.
	IPMIHost     string    `json:"ipmi_hostname"`
	IPMIUser     string    `json:"ipmi_username"`
	IPMIPassword string    `json:"-"`
	Owner        string    `json:"owner"`
	TenantID     string    `json:"tenant_id"`
	CreatedAt    time.Time `json:"created_at"`
}
