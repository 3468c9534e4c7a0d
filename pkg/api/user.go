package api

import "time"

// User is someone who logs in.
type User struct {
	// ID is the user's id.
	ID string `json:"id" example:"6ba7b810-9dad-11d1-80b4-00c04fd430c8"`
	// Name is the login name.
	Name string `json:"name" example:"pam"`
	// Role is admin (every permission on the platform) or user (what its
	// groups and roles allow).
	Role string `json:"role" enum:"admin,user" example:"user"`
	// Tenant is the id of the tenant it belongs to.
	Tenant string `json:"tenant" example:"default"`
	// TenantAdmin marks its tenant's own admin.
	TenantAdmin bool `json:"tenant_admin" example:"false"`
	// Nick is a display name.
	Nick string `json:"nick" example:"Pam"`
	// Mail is a mail address.
	Mail string `json:"mail" example:"pam@example.com"`
	// Description is free text.
	Description string `json:"description" example:"operations"`
	// Groups are the user groups it is in (shown by GET /v1/users/{id}).
	Groups []string `json:"groups,omitempty" example:"[\"ops\"]"`
	// CreatedAt is when it was made.
	CreatedAt time.Time `json:"created_at" example:"2026-12-04T10:00:00Z"`
	// UpdatedAt is when it last changed.
	UpdatedAt time.Time `json:"updated_at" example:"2026-12-04T11:00:00Z"`
}

// UsersPost is the body of POST /v1/users.
type UsersPost struct {
	// Name is the login name.
	Name string `json:"name" required:"true" example:"pam"`
	// Password is at least 8 characters.
	Password string `json:"password" required:"true" example:"pams-passw0rd"`
	// Role is user (default) or admin (platform admins only).
	Role string `json:"role,omitempty" enum:"admin,user" example:"user"`
	// Tenant is the id or name of its tenant (default the caller's; only
	// platform admins name others).
	Tenant string `json:"tenant,omitempty" example:"default"`
	// Nick is a display name.
	Nick string `json:"nick,omitempty" example:"Pam"`
	// Mail is a mail address.
	Mail string `json:"mail,omitempty" example:"pam@example.com"`
	// Description is free text.
	Description string `json:"description,omitempty" example:"operations"`
	// Groups are user groups of its tenant it joins.
	Groups []string `json:"groups,omitempty" example:"[\"ops\"]"`
}

// UserPatch is the body of PATCH /v1/users/{id}; absent fields stay.
type UserPatch struct {
	// Nick is a display name.
	Nick *string `json:"nick,omitempty" example:"Pam B."`
	// Mail is a mail address.
	Mail *string `json:"mail,omitempty" example:"pam@example.org"`
	// Description is free text.
	Description *string `json:"description,omitempty" example:"on call"`
}

// PasswordPut is the body of PUT /v1/users/{id}/password. The user's
// other sessions end.
type PasswordPut struct {
	// Password is the new password (at least 8 characters).
	Password string `json:"password" required:"true" example:"new-passw0rd"`
	// OldPassword, when given, must be the current one.
	OldPassword string `json:"old_password,omitempty" example:"pams-passw0rd"`
}

// Group is a user group: members of one tenant who get its roles.
type Group struct {
	// ID is the group's id.
	ID string `json:"id" example:"a3bb189e-8bf9-3888-9912-ace4e6543002"`
	// Name is unique in its tenant.
	Name string `json:"name" example:"ops"`
	// Display is a display name.
	Display string `json:"display" example:"Operations"`
	// Description is free text.
	Description string `json:"description" example:"the people on call"`
	// Tenant is the id of its tenant.
	Tenant string `json:"tenant" example:"default"`
	// Roles are the names of the roles its members get.
	Roles []string `json:"roles" example:"[\"operator\"]"`
	// Members are the names of its users.
	Members []string `json:"members" example:"[\"pam\"]"`
	// MemberCount is how many users it has.
	MemberCount int `json:"member_count" example:"1"`
	// Visibility is what its members see of each other's objects.
	Visibility Visibility `json:"visibility"`
	// CreatedAt is when it was made.
	CreatedAt time.Time `json:"created_at" example:"2026-12-04T10:00:00Z"`
	// UpdatedAt is when it last changed.
	UpdatedAt time.Time `json:"updated_at" example:"2026-12-04T11:00:00Z"`
}

// GroupsPost is the body of POST /v1/groups: a group of the caller's
// tenant.
type GroupsPost struct {
	// Name is unique in the tenant.
	Name string `json:"name" required:"true" example:"ops"`
	// Display is a display name.
	Display string `json:"display,omitempty" example:"Operations"`
	// Description is free text.
	Description string `json:"description,omitempty" example:"the people on call"`
	// Roles are names of roles of the tenant its members get.
	Roles []string `json:"roles,omitempty" example:"[\"operator\"]"`
}

// GroupPatch is the body of PATCH /v1/groups/{id}; absent fields stay.
type GroupPatch struct {
	// Name is a new name.
	Name *string `json:"name,omitempty" example:"oncall"`
	// Display is a display name.
	Display *string `json:"display,omitempty" example:"On call"`
	// Description is free text.
	Description *string `json:"description,omitempty" example:"the people on call this week"`
	// Roles replaces the group's roles.
	Roles *[]string `json:"roles,omitempty" example:"[\"operator\",\"viewer\"]"`
}

// Statement allows or denies permissions; a deny wins over an allow.
type Statement struct {
	// Effect is what the statement does.
	Effect string `json:"effect" required:"true" enum:"allow,deny" example:"allow"`
	// Actions are permissions (vm:start), patterns (vm:*, *) or menus
	// (instance).
	Actions []string `json:"actions" required:"true" example:"[\"vm:read\",\"vm:start\"]"`
}

// Role is a named set of statements of one tenant, bound to users and
// groups.
type Role struct {
	// ID is the role's id.
	ID string `json:"id" example:"b1e2c3d4-1111-4222-8333-944455556666"`
	// Name is unique in its tenant.
	Name string `json:"name" example:"operator"`
	// Description is free text.
	Description string `json:"description" example:"starts and stops VMs"`
	// Tenant is the id of its tenant.
	Tenant string `json:"tenant" example:"default"`
	// Statements say what it allows and denies.
	Statements []Statement `json:"statements"`
	// Builtin roles cannot change or go.
	Builtin bool `json:"builtin" example:"false"`
	// CreatedAt is when it was made.
	CreatedAt time.Time `json:"created_at" example:"2026-12-04T10:00:00Z"`
	// UpdatedAt is when it last changed.
	UpdatedAt time.Time `json:"updated_at" example:"2026-12-04T11:00:00Z"`
}

// RolesPost is the body of POST /v1/roles: a role of the caller's tenant.
type RolesPost struct {
	// Name is unique in the tenant.
	Name string `json:"name" required:"true" example:"operator"`
	// Description is free text.
	Description string `json:"description,omitempty" example:"starts and stops VMs"`
	// Statements say what it allows and denies.
	Statements []Statement `json:"statements"`
}

// RolePatch is the body of PATCH /v1/roles/{id}; absent fields stay.
type RolePatch struct {
	// Name is a new name.
	Name *string `json:"name,omitempty" example:"vm-operator"`
	// Description is free text.
	Description *string `json:"description,omitempty" example:"starts, stops and reboots VMs"`
	// Statements replace the role's statements.
	Statements *[]Statement `json:"statements,omitempty"`
}

// Visibility says which objects of the other members of a user group its
// members see and use (a user always sees its own).
type Visibility struct {
	// Instances shares the members' VMs.
	Instances bool `json:"instances" example:"true"`
	// DiskImages shares the members' disk images.
	DiskImages bool `json:"disk_images" example:"false"`
	// MediaImages shares the members' ISO images.
	MediaImages bool `json:"media_images" example:"false"`
}
