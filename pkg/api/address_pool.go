package api

import "time"

// AddressPool is a set of IPv4 ranges that the guests of the compute
// pools using it take their addresses from.
type AddressPool struct {
	// ID is the pool's id.
	ID string `json:"id" example:"7c9e6679-7425-40de-944b-e07fc1f90ae7"`
	// Name is unique among address pools.
	Name string `json:"name" example:"office"`
	// Gateway is the guests' router, inside every range's network.
	Gateway string `json:"gateway" example:"10.10.0.1"`
	// DNS are the guests' name servers.
	DNS []string `json:"dns" example:"[\"10.10.0.1\"]"`
	// Provider says how a guest learns its address.
	Provider string `json:"provider" enum:"dhcp,cloudinit" example:"dhcp"`
	// Mode is the interface mode; Kumo guests have one NAT interface.
	Mode string `json:"mode" enum:"internal" example:"internal"`
	// Addresses counts the addresses of its internal ranges (shown by
	// GET /v1/address-pools/{id}).
	Addresses int `json:"addresses,omitempty" example:"100"`
	// Allocated counts the addresses guests hold (shown by GET
	// /v1/address-pools/{id}).
	Allocated int `json:"allocated,omitempty" example:"3"`
	// Ranges are its ranges (shown by GET /v1/address-pools/{id}).
	Ranges []AddressRange `json:"ranges,omitempty"`
	// Allocations are the addresses guests hold (shown by GET
	// /v1/address-pools/{id}).
	Allocations []AddressAllocation `json:"allocations,omitempty"`
	// CreatedAt is when it was made.
	CreatedAt time.Time `json:"created_at" example:"2026-12-04T10:00:00Z"`
}

// AddressPoolsPost is the body of POST /v1/address-pools and of PUT
// /v1/address-pools/{id} (which replaces the settings; the name stays).
type AddressPoolsPost struct {
	// Name of the new pool (ignored by PUT).
	Name string `json:"name,omitempty" example:"office"`
	// Gateway is the guests' router.
	Gateway string `json:"gateway" required:"true" example:"10.10.0.1"`
	// DNS are the guests' name servers.
	DNS []string `json:"dns,omitempty" example:"[\"10.10.0.1\"]"`
	// Provider says how a guest learns its address (default dhcp).
	Provider string `json:"provider,omitempty" enum:"dhcp,cloudinit" example:"dhcp"`
	// Mode is the interface mode (default internal, the only one).
	Mode string `json:"mode,omitempty" enum:"internal" example:"internal"`
}

// AddressRange is a run of addresses of a pool, start to end inclusive.
// Ranges never overlap, so the start names a range.
type AddressRange struct {
	// Start is the first address.
	Start string `json:"start" example:"10.10.0.10"`
	// End is the last address.
	End string `json:"end" example:"10.10.0.109"`
	// Netmask is the netmask of the range's network.
	Netmask string `json:"netmask" example:"255.255.255.0"`
	// Type is the range's network type.
	Type string `json:"type" enum:"internal,external" example:"internal"`
	// Pool is the id of its address pool.
	Pool string `json:"pool" example:"7c9e6679-7425-40de-944b-e07fc1f90ae7"`
	// Allocations are the addresses guests hold of it (shown by GET
	// /v1/address-pools/{id}/ranges/{start}).
	Allocations []AddressAllocation `json:"allocations,omitempty"`
	// CreatedAt is when it was added.
	CreatedAt time.Time `json:"created_at" example:"2026-12-04T10:00:00Z"`
}

// AddressRangesPost is the body of POST /v1/address-pools/{id}/ranges.
type AddressRangesPost struct {
	// Start is the first address.
	Start string `json:"start" required:"true" example:"10.10.0.10"`
	// End is the last address.
	End string `json:"end" required:"true" example:"10.10.0.109"`
	// Netmask is the netmask of the range's network.
	Netmask string `json:"netmask" required:"true" example:"255.255.255.0"`
	// Type is the range's network type (default internal, the only one
	// Kumo guests can use).
	Type string `json:"type,omitempty" enum:"internal" example:"internal"`
}

// AddressAllocation is one address held by one VM.
type AddressAllocation struct {
	// Address is the address.
	Address string `json:"address" example:"10.10.0.10"`
	// RangeStart is the start of its range.
	RangeStart string `json:"range_start" example:"10.10.0.10"`
	// VM is the id of the VM holding it.
	VM string `json:"vm" example:"0f8e2c1a-7d3b-4e5f-9a6b-1c2d3e4f5a6b"`
	// CreatedAt is when the VM took it.
	CreatedAt time.Time `json:"created_at" example:"2026-12-04T10:05:00Z"`
}
