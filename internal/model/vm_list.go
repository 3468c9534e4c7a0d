package model

// VMListQuery narrows, orders and pages a list of VMs. Empty fields do
// not narrow.
type VMListQuery struct {
	// Name is a case-insensitive pattern: * is any run of characters, ?
	// one character; without either it matches names containing it.
	Name string
	// Statuses are observed statuses, any of which matches.
	Statuses []PowerState
	// Host and Pool are ids or names.
	Host, Pool string
	// Owner is a user name; Tenant a tenant id.
	Owner, Tenant string
	// Sort is one of VMSortKeys (default name); Desc reverses it.
	Sort string
	Desc bool
	// Limit caps the page (0: no cap); Offset skips that many matches.
	Limit, Offset int
}

// VMSortKeys are the orders a VM list can be sorted in.
var VMSortKeys = []string{"name", "created_at", "status", "cores", "memory_mib", "host"}

// VMPage is one page of a VM list and how many VMs matched in all.
type VMPage struct {
	VMs   []VM
	Total int
}
