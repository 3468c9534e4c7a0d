package api

import "time"

// Tenant owns users and objects and has quotas: the platform's own
// ("default"), a ZStack account, or a DBC wallet.
type Tenant struct {
	// ID is the tenant's id.
	ID string `json:"id" example:"8b7f0c52-3c11-4c6e-9d93-6c3f2f8b8e1a"`
	// Name is the tenant's name, also the name of its admin user.
	Name string `json:"name" example:"acme"`
	// Kind says what made it.
	Kind string `json:"kind" enum:"platform,account,wallet" example:"account"`
	// Description is free text.
	Description string `json:"description" example:"ACME's GPU room"`
	// CreatedAt is when it was made.
	CreatedAt time.Time `json:"created_at" example:"2026-12-03T13:09:42Z"`
}

// TenantsPost is the body of POST /v1/tenants: an account tenant and its
// admin user, who has the tenant's name.
type TenantsPost struct {
	// Name of the tenant and of its admin user.
	Name string `json:"name" required:"true" example:"acme"`
	// Password of the admin user (at least 8 characters).
	Password string `json:"password" required:"true" example:"acme-passw0rd"`
	// Description is free text.
	Description string `json:"description,omitempty" example:"ACME's GPU room"`
}

// Quota is one limit of a tenant and what the tenant uses of it.
type Quota struct {
	// Name of the quota.
	Name string `json:"name" enum:"vm.count,vm.running,vm.cores,vm.memory_bytes,disk.bytes,image.count,image.bytes" example:"vm.count"`
	// Limit is the most the tenant may hold; -1 is no limit.
	Limit int64 `json:"limit" example:"20"`
	// Used is what the tenant holds now.
	Used int64 `json:"used" example:"3"`
}

// QuotaPut is the body of PUT /v1/tenants/{id}/quotas/{name}.
type QuotaPut struct {
	// Limit is the new limit; -1 lifts it.
	Limit int64 `json:"limit" required:"true" example:"5"`
}
