package model

import (
	"slices"
	"time"
)

// Menus are the permissions of Nano's RBAC model as its portal names
// them. In the core each is a bundle of permissions (Bundles), so a Nano
// role holding a menu grants the same in every API.
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
func IsMenu(m string) bool { return slices.Contains(Menus, m) }

// The built-in role and group: the first admin belongs to the admin group,
// whose admin role holds every permission. They cannot be deleted, so
// there is always a way back to full access.
const (
	AdminRoleName  = "admin"
	AdminGroupName = "admin"
)

// TenantKind says what made a tenant and how its members see each other.
type TenantKind string

// Tenant kinds.
const (
	// TenantPlatform is the built-in tenant of the platform's own users
	// (admins, and users made through /v1, Nano and CloudTower). Its
	// members see each other's objects only through their groups'
	// visibility, as in Nano.
	TenantPlatform TenantKind = "platform"
	// TenantAccount is a ZStack account: its admin logs in with the
	// account's name, its members share the tenant's objects and act on
	// them as their roles allow.
	TenantAccount TenantKind = "account"
	// TenantWallet is a DBC wallet: one member, its own admin.
	TenantWallet TenantKind = "wallet"
)

// DefaultTenantID is the id (and name) of the platform's tenant.
const DefaultTenantID = "default"

// Tenant is a set of users owning objects together, with quotas: a
// ZStack account, a DBC wallet, or the platform itself.
type Tenant struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Kind        TenantKind `json:"kind"`
	Description string     `json:"description"`
	// Visibility is what every member sees of the other members'
	// objects (all of it for accounts, nothing by itself for the
	// platform tenant, whose groups decide).
	Visibility Visibility `json:"visibility"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Visibility says which objects of other members of a group (or tenant)
// its members may see and use. A user always sees its own objects.
type Visibility struct {
	Instances   bool `json:"instance_visible"`
	DiskImages  bool `json:"disk_image_visible"`
	MediaImages bool `json:"media_image_visible"`
}

// Or returns what either shares.
func (v Visibility) Or(o Visibility) Visibility {
	return Visibility{Instances: v.Instances || o.Instances, DiskImages: v.DiskImages || o.DiskImages,
		MediaImages: v.MediaImages || o.MediaImages}
}

// ShareAll shares every kind.
var ShareAll = Visibility{Instances: true, DiskImages: true, MediaImages: true}

// Effect is what a statement does to the permissions it names.
type Effect string

// Effects: a deny always wins over an allow.
const (
	Allow Effect = "allow"
	Deny  Effect = "deny"
)

// Statement grants or denies permissions. Actions are permissions
// ("vm:start"), patterns with * ("vm:*", "*") or bundle names
// ("instance").
type Statement struct {
	Name    string   `json:"name,omitempty"`
	Effect  Effect   `json:"effect"`
	Actions []string `json:"actions"`
	// Given is the statement's actions as the client that wrote it gave
	// them (ZStack API names), kept so it reads back what it wrote; the
	// core evaluates Actions only.
	Given []string `json:"given,omitempty"`
}

// Role is a named set of statements of one tenant, bound to users and
// groups. Nano roles allow menus; ZStack policies are roles too.
type Role struct {
	ID          string      `json:"id"`
	TenantID    string      `json:"tenant_id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Statements  []Statement `json:"statements"`
	Builtin     bool        `json:"builtin"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

// Menus returns the bundles the role's allow statements name, in the
// portal's order: what Nano shows as the role's menus ("*" names them
// all).
func (r Role) Menus() []string {
	out := []string{}
	for _, m := range Menus {
		for _, st := range r.Statements {
			if st.Effect == Allow && (slices.Contains(st.Actions, m) || slices.Contains(st.Actions, "*")) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// MenuRole is the role Nano means by a name and a list of menus.
func MenuRole(name string, menus []string) Role {
	return Role{Name: name, Statements: []Statement{{Effect: Allow, Actions: slices.Clone(menus)}}}
}

// UserGroup is a set of users of one tenant sharing roles and resource
// visibility.
type UserGroup struct {
	ID          string     `json:"id"`
	TenantID    string     `json:"tenant_id"`
	Name        string     `json:"name"`
	Display     string     `json:"display"`
	Description string     `json:"description"`
	Roles       []string   `json:"roles"`   // role names; filled by GetUserGroup
	Members     []string   `json:"members"` // user names; filled by GetUserGroup
	MemberCount int        `json:"member_count"`
	Visibility  Visibility `json:"visibility"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Share makes an object of one tenant readable (and usable, for images)
// by another tenant, or by every tenant when TenantID is "".
type Share struct {
	ObjectKind string    `json:"object_kind"` // "vm" or "image"
	ObjectID   string    `json:"object_id"`
	TenantID   string    `json:"tenant_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// Public reports whether the share is to every tenant.
func (s Share) Public() bool { return s.TenantID == "" }

// OperationLog is one entry of the audit trail: who did what, when, and
// from where.
type OperationLog struct {
	ID      string    `json:"id"`
	Time    time.Time `json:"time"`
	User    string    `json:"user"`
	Address string    `json:"address"`
	Content string    `json:"content"`
}
