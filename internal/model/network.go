package model

import "time"

// StorageType is the back end of a storage pool.
type StorageType string

// Storage types. Only local storage exists: every host keeps its disks on
// its own file system. NFS and Ceph are named so that they can be refused
// clearly.
const (
	StorageLocal StorageType = "local"
	StorageNFS   StorageType = "nfs"
	StorageCeph  StorageType = "ceph"
)

// StoragePool is where the VMs of a compute pool keep their disks. A local
// pool is a directory (Target) on every host of the compute pools that use
// it; an empty Target means each agent's own data directory.
type StoragePool struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Type      StorageType `json:"type"`
	Host      string      `json:"host"`
	Target    string      `json:"target"`
	CreatedAt time.Time   `json:"created_at"`
}

// AddressProvider says how a guest learns its allocated address.
type AddressProvider string

// Address providers.
const (
	// ProviderDHCP: the host's DHCP service hands the guest its address.
	ProviderDHCP AddressProvider = "dhcp"
	// ProviderCloudInit: the address is written into the guest's NoCloud
	// seed and configured statically.
	ProviderCloudInit AddressProvider = "cloudinit"
)

// Address range types (Nano's internal and external networks).
const (
	RangeInternal = "internal"
	RangeExternal = "external"
)

// AddressPool is a set of IPv4 address ranges that guests of the compute
// pools using it get their addresses from.
type AddressPool struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Gateway  string          `json:"gateway"`
	DNS      []string        `json:"dns"`
	Provider AddressProvider `json:"provider"`
	// Mode is the interface mode: internal, external or both.
	Mode      string    `json:"mode"`
	CreatedAt time.Time `json:"created_at"`
}

// AddressRange is a run of consecutive addresses of one pool, Start to
// End inclusive, in the network given by Netmask. Ranges never overlap,
// so Start names a range across all pools.
type AddressRange struct {
	Start     string    `json:"start"`
	End       string    `json:"end"`
	Netmask   string    `json:"netmask"`
	PoolID    string    `json:"pool_id"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
}

// AddressAllocation is one address held by one VM.
type AddressAllocation struct {
	Address    string    `json:"address"`
	PoolID     string    `json:"pool_id"`
	RangeStart string    `json:"range_start"`
	VMID       string    `json:"vm_id"`
	CreatedAt  time.Time `json:"created_at"`
}

// GuestNetwork is the static IPv4 configuration of a VM's first NIC, made
// from its address allocation.
type GuestNetwork struct {
	Address string   `json:"address"`
	Prefix  int      `json:"prefix"`
	Gateway string   `json:"gateway,omitempty"`
	DNS     []string `json:"dns,omitempty"`
	// Provider says whether the guest is told by DHCP or by its seed; Kumo
	// does both (see service.vmConfig), so either way it gets Address.
	Provider AddressProvider `json:"provider,omitempty"`
}
