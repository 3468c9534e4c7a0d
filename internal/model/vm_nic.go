package model

// NIC types: what a VM's NIC is attached to.
const (
	NICNAT       = "nat"       // the VM's own QEMU user-mode NAT network
	NICLAN       = "lan"       // a LAN of the VM's host
	NICMulticast = "multicast" // a multicast segment of its owner's VMs
)

// VMNIC is one network interface of a VM, in the order the guest sees
// them.
type VMNIC struct {
	Index int
	Type  string // NICNAT, NICLAN or NICMulticast
	MAC   string
	// Network is the LAN's name or the multicast address; "" for NAT.
	Network string
	// Address is the guest's IPv4 address on the NIC, where Kumo
	// assigns it ("" for multicast segments).
	Address string
}
