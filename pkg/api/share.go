package api

// SharesPost is the body of POST /v1/images/{id}/shares and
// /v1/vms/{id}/shares: the tenants the object is shared with (they may
// see and use it, not change it), or every tenant.
type SharesPost struct {
	// Tenants are ids or names of the tenants to share with.
	Tenants []string `json:"tenants,omitempty" example:"[\"acme\"]"`
	// Public shares with every tenant.
	Public bool `json:"public,omitempty" example:"false"`
}

// SharesDelete is the body of DELETE /v1/images/{id}/shares and
// /v1/vms/{id}/shares.
type SharesDelete struct {
	// Tenants are ids or names of the tenants whose share ends.
	Tenants []string `json:"tenants,omitempty" example:"[\"acme\"]"`
	// Public ends the share with every tenant.
	Public bool `json:"public,omitempty" example:"true"`
	// All ends every share of the object.
	All bool `json:"all,omitempty" example:"false"`
}
