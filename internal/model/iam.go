package model

import "time"

// Menus are the permissions of Nano's RBAC model: a role is a named set of
// menus, a user group holds roles, and a user gets the menus of its
// group's roles. The names are those Nano's portal shows.
const (
	MenuDashboard      = "dashboard"
	MenuComputePool    = "compute_pool"
	MenuAddressPool    = "address_pool"
	MenuStoragePool    = "storage_pool"
	MenuInstance       = "instance"
	MenuDiskImage      = "disk_image"
	MenuMediaImage     = "media_image"
	MenuTemplate       = "template"
	MenuSecurityPolicy = "security_policy"
	MenuUser           = "user"
	MenuLog            = "log"
	MenuVisibility     = "visibility"
)

// Menus lists every menu, in the portal's order.
var Menus = []string{MenuDashboard, MenuComputePool, MenuAddressPool, MenuStoragePool, MenuInstance, MenuDiskImage,
	MenuMediaImage, MenuTemplate, MenuSecurityPolicy, MenuUser, MenuLog, MenuVisibility}

// IsMenu reports whether m names a menu.
func IsMenu(m string) bool {
	for _, known := range Menus {
		if m == known {
			return true
		}
	}
	return false
}

// The built-in role and group: the first admin belongs to the admin group,
// whose admin role holds every menu. They cannot be deleted, so there is
// always a way back to full access.
const (
	AdminRoleName  = "admin"
	AdminGroupName = "admin"
)

// Role is a named set of menus.
type Role struct {
	Name string   `json:"name"`
	Menu []string `json:"menu"`
}

// Visibility says which resources of other members of a user group its
// members may see and use. A user always sees its own resources.
type Visibility struct {
	Instances   bool `json:"instance_visible"`
	DiskImages  bool `json:"disk_image_visible"`
	MediaImages bool `json:"media_image_visible"`
}

// UserGroup is a set of users sharing roles and resource visibility. A
// user belongs to at most one group, so its menus and visibility are never
// ambiguous.
type UserGroup struct {
	Name        string     `json:"name"`
	Display     string     `json:"display"`
	Roles       []string   `json:"roles"`
	Members     []string   `json:"members"` // user names; filled by GetUserGroup
	MemberCount int        `json:"member_count"`
	Visibility  Visibility `json:"visibility"`
	CreatedAt   time.Time  `json:"created_at"`
}

// OperationLog is one entry of the audit trail: who did what, when, and
// from where.
type OperationLog struct {
	ID      string    `json:"id"`
	Time    time.Time `json:"time"`
	User    string    `json:"user"`
	Address string    `json:"address"`
	Content string    `json:"content"`
}
