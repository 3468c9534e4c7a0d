package api

// Lists answer a JSON array, one page of it. How many items matched in
// all is in the X-Total-Count header, and when there are more, a Link
// header with rel="next" gives the next page's path.
const (
	// TotalCountHeader holds how many items matched, over all pages.
	TotalCountHeader = "X-Total-Count"
	// DefaultPageSize is the page size when a list is asked for without
	// a limit.
	DefaultPageSize = 100
	// MaxPageSize is the largest page a list answers.
	MaxPageSize = 1000
)

// VMsFilter narrows, orders and pages GET /v1/vms.
type VMsFilter struct {
	// Filter holds space-separated terms that all must match: name=PATTERN
	// (* and ? wildcards; a plain word matches names containing it),
	// status=S[,S...], host=NAME, pool=NAME, owner=USER, tenant=ID; a term
	// without "=" is a name pattern.
	Filter string `query:"filter" description:"space-separated terms, all must match: name=web-* status=running,paused host=h1 pool=default owner=pam tenant=ID; a bare word matches names containing it" example:"name=web-* status=running"`
	// Sort is the order: name (default), created_at, status, cores,
	// memory_mib or host; a leading - reverses it.
	Sort string `query:"sort" description:"name (default), created_at, status, cores, memory_mib or host; a leading - reverses it" example:"-created_at"`
	// Limit is the page size (default 100, at most 1000).
	Limit int `query:"limit" minimum:"0" maximum:"1000" description:"page size (default 100, at most 1000)" example:"50"`
	// Offset skips that many matching VMs.
	Offset int `query:"offset" minimum:"0" description:"how many matching VMs to skip" example:"100"`
}
