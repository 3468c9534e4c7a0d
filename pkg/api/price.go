package api

import "time"

// Price is what a unit of a resource costs per unit of time, from a
// moment on until the next price of the resource.
type Price struct {
	// ID is the price's id.
	ID string `json:"id" example:"6a1d3e5f-2b4c-4d6e-8f01-23456789abcd"`
	// Resource is what is priced.
	Resource string `json:"resource" enum:"cpu,memory,rootvolume" example:"cpu"`
	// Unit is 1 for cpu (per core), a byte unit for memory and disks.
	Unit string `json:"unit" example:"1"`
	// TimeUnit is s, m, h, d, w or mon.
	TimeUnit string `json:"time_unit" enum:"s,m,h,d,w,mon" example:"h"`
	// Price per unit and time unit.
	Price float64 `json:"price" example:"0.05"`
	// EffectiveAt is when it starts to hold.
	EffectiveAt time.Time `json:"effective_at" example:"2026-12-01T00:00:00Z"`
}

// PricesPost is the body of POST /v1/prices.
type PricesPost struct {
	// Resource is what is priced.
	Resource string `json:"resource" required:"true" enum:"cpu,memory,rootvolume" example:"memory"`
	// Unit defaults to 1 for cpu, GB for memory and disks.
	Unit string `json:"unit,omitempty" example:"GB"`
	// TimeUnit is s, m, h, d, w or mon.
	TimeUnit string `json:"time_unit" required:"true" enum:"s,m,h,d,w,mon" example:"h"`
	// Price per unit and time unit.
	Price float64 `json:"price" example:"0.01"`
	// EffectiveAt defaults to the beginning of time.
	EffectiveAt *time.Time `json:"effective_at,omitempty" example:"2026-12-01T00:00:00Z"`
}

// Spending is what a tenant's VMs cost over a period.
type Spending struct {
	// Start and End bound the period.
	Start time.Time `json:"start" example:"2026-12-01T00:00:00Z"`
	// End is the end of the period.
	End time.Time `json:"end" example:"2026-12-03T13:09:42Z"`
	// Total over every resource.
	Total float64 `json:"total" example:"12.5"`
	// Resources is the spending by resource, with each VM's part.
	Resources []ResourceSpending `json:"resources"`
}

// ResourceSpending is the spending on one resource.
type ResourceSpending struct {
	// Resource is what was priced.
	Resource string `json:"resource" example:"cpu"`
	// Spending on it.
	Spending float64 `json:"spending" example:"10"`
	// VMs are each VM's part.
	VMs []VMSpending `json:"vms"`
}

// VMSpending is one VM's part of a resource's spending.
type VMSpending struct {
	// VM is the VM's id, Name its name.
	VM string `json:"vm" example:"0e7fea19-48d9-41f6-a42e-d9b0ab0c0358"`
	// Name is the VM's name.
	Name string `json:"name" example:"build-1"`
	// Spending is its part.
	Spending float64 `json:"spending" example:"2.5"`
	// RunSeconds is how long it ran in the period.
	RunSeconds float64 `json:"run_seconds" example:"3600"`
}
