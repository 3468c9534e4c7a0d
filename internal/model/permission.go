package model

import (
	"path"
	"slices"
	"strings"
)

// Permission names one thing a caller may do: an action on a kind of
// object, written "kind:action" ("vm:start", "image:delete"). Roles hold
// statements over permissions; every service method names the permission
// it needs, so every API asks the same question for the same operation.
// See docs/iam.md for the vocabulary and how each dialect maps onto it.
type Permission string

// Kind returns the object kind a permission is about ("vm").
func (p Permission) Kind() string {
	k, _, _ := strings.Cut(string(p), ":")
	return k
}

// PermSession is the permission of calls any logged-in caller may make:
// their service methods decide per object (one's own profile, the
// objects one sees). Routes name it explicitly, so no route is open by
// omission.
const PermSession Permission = "session"

// The permission vocabulary. Objects of the first group belong to a
// tenant (an owner and its tenant); the rest are the platform's.
const (
	PermVMRead     Permission = "vm:read"
	PermVMCreate   Permission = "vm:create"
	PermVMUpdate   Permission = "vm:update" // name, size, disks, NICs, media, QoS, network settings
	PermVMDelete   Permission = "vm:delete"
	PermVMStart    Permission = "vm:start"
	PermVMStop     Permission = "vm:stop" // graceful stop and power-off
	PermVMReboot   Permission = "vm:reboot"
	PermVMPause    Permission = "vm:pause"
	PermVMResume   Permission = "vm:resume"
	PermVMSnapshot Permission = "vm:snapshot" // take, revert and delete snapshots
	PermVMConsole  Permission = "vm:console"
	PermVMGuest    Permission = "vm:guest" // guest agent: passwords
	PermVMShare    Permission = "vm:share"
	// PermVMMigrate moves a VM between hosts: placement is the
	// platform's business, so tenants never hold it.
	PermVMMigrate Permission = "vm:migrate"

	PermImageRead   Permission = "image:read" // disk images
	PermImageCreate Permission = "image:create"
	PermImageUpdate Permission = "image:update"
	PermImageDelete Permission = "image:delete"
	PermImageShare  Permission = "image:share"

	PermMediaRead   Permission = "media:read" // ISO images
	PermMediaCreate Permission = "media:create"
	PermMediaUpdate Permission = "media:update"
	PermMediaDelete Permission = "media:delete"

	PermNetworkRead   Permission = "network:read" // LANs
	PermNetworkCreate Permission = "network:create"
	PermNetworkUpdate Permission = "network:update"
	PermNetworkDelete Permission = "network:delete"

	PermSecurityGroupRead   Permission = "security_group:read"
	PermSecurityGroupCreate Permission = "security_group:create"
	PermSecurityGroupUpdate Permission = "security_group:update"
	PermSecurityGroupDelete Permission = "security_group:delete"

	PermBareMetalRead   Permission = "bare_metal:read"
	PermBareMetalCreate Permission = "bare_metal:create"
	PermBareMetalDelete Permission = "bare_metal:delete"
	PermBareMetalPower  Permission = "bare_metal:power"

	PermScheduleRead   Permission = "schedule:read"
	PermScheduleCreate Permission = "schedule:create"
	PermScheduleUpdate Permission = "schedule:update"
	PermScheduleDelete Permission = "schedule:delete"

	PermUserRead   Permission = "user:read"
	PermUserCreate Permission = "user:create"
	PermUserUpdate Permission = "user:update"
	PermUserDelete Permission = "user:delete"

	PermGroupRead   Permission = "group:read"
	PermGroupCreate Permission = "group:create"
	PermGroupUpdate Permission = "group:update" // members, roles, visibility
	PermGroupDelete Permission = "group:delete"

	PermRoleRead   Permission = "role:read"
	PermRoleCreate Permission = "role:create"
	PermRoleUpdate Permission = "role:update" // statements, bindings
	PermRoleDelete Permission = "role:delete"

	PermQuotaRead    Permission = "quota:read"
	PermSpendingRead Permission = "spending:read"
	PermLogRead      Permission = "log:read"
	PermLogWrite     Permission = "log:write" // add and delete entries

	// Platform objects.
	PermPoolRead          Permission = "pool:read" // compute pools
	PermPoolCreate        Permission = "pool:create"
	PermPoolUpdate        Permission = "pool:update"
	PermPoolDelete        Permission = "pool:delete"
	PermHostRead          Permission = "host:read"
	PermHostUpdate        Permission = "host:update" // join tokens, enable, storage paths
	PermStoragePoolRead   Permission = "storage_pool:read"
	PermStoragePoolCreate Permission = "storage_pool:create"
	PermStoragePoolUpdate Permission = "storage_pool:update"
	PermStoragePoolDelete Permission = "storage_pool:delete"
	PermAddressPoolRead   Permission = "address_pool:read"
	PermAddressPoolCreate Permission = "address_pool:create"
	PermAddressPoolUpdate Permission = "address_pool:update"
	PermAddressPoolDelete Permission = "address_pool:delete"
	PermTemplateRead      Permission = "template:read"
	PermTemplateCreate    Permission = "template:create"
	PermTemplateUpdate    Permission = "template:update"
	PermTemplateDelete    Permission = "template:delete"
	PermTenantRead        Permission = "tenant:read"
	PermTenantCreate      Permission = "tenant:create"
	PermTenantUpdate      Permission = "tenant:update"
	PermTenantDelete      Permission = "tenant:delete"
	PermQuotaUpdate       Permission = "quota:update"
	PermPriceRead         Permission = "price:read"
	PermPriceCreate       Permission = "price:create"
	PermPriceDelete       Permission = "price:delete"
	PermLDAPRead          Permission = "ldap:read"
	PermLDAPCreate        Permission = "ldap:create"
	PermLDAPUpdate        Permission = "ldap:update"
	PermLDAPDelete        Permission = "ldap:delete"
	PermVisibilityUpdate  Permission = "visibility:update"
)

// Permissions lists the whole vocabulary.
var Permissions = []Permission{
	PermVMRead, PermVMCreate, PermVMUpdate, PermVMDelete, PermVMStart, PermVMStop, PermVMReboot, PermVMPause,
	PermVMResume, PermVMSnapshot, PermVMConsole, PermVMGuest, PermVMShare, PermVMMigrate,
	PermImageRead, PermImageCreate, PermImageUpdate, PermImageDelete, PermImageShare,
	PermMediaRead, PermMediaCreate, PermMediaUpdate, PermMediaDelete,
	PermNetworkRead, PermNetworkCreate, PermNetworkUpdate, PermNetworkDelete,
	PermSecurityGroupRead, PermSecurityGroupCreate, PermSecurityGroupUpdate, PermSecurityGroupDelete,
	PermBareMetalRead, PermBareMetalCreate, PermBareMetalDelete, PermBareMetalPower,
	PermScheduleRead, PermScheduleCreate, PermScheduleUpdate, PermScheduleDelete,
	PermUserRead, PermUserCreate, PermUserUpdate, PermUserDelete,
	PermGroupRead, PermGroupCreate, PermGroupUpdate, PermGroupDelete,
	PermRoleRead, PermRoleCreate, PermRoleUpdate, PermRoleDelete,
	PermQuotaRead, PermSpendingRead, PermLogRead, PermLogWrite, PermVisibilityUpdate,
	PermPoolRead, PermPoolCreate, PermPoolUpdate, PermPoolDelete, PermHostRead, PermHostUpdate,
	PermStoragePoolRead, PermStoragePoolCreate, PermStoragePoolUpdate, PermStoragePoolDelete,
	PermAddressPoolRead, PermAddressPoolCreate, PermAddressPoolUpdate, PermAddressPoolDelete,
	PermTemplateRead, PermTemplateCreate, PermTemplateUpdate, PermTemplateDelete,
	PermTenantRead, PermTenantCreate, PermTenantUpdate, PermTenantDelete, PermQuotaUpdate,
	PermPriceRead, PermPriceCreate, PermPriceDelete, PermLDAPRead, PermLDAPCreate, PermLDAPUpdate, PermLDAPDelete,
}

// IsPermission reports whether p is in the vocabulary.
func IsPermission(p Permission) bool { return slices.Contains(Permissions, p) }

// tenantKinds are the kinds of objects a tenant owns and manages itself.
var tenantKinds = []string{"vm", "image", "media", "network", "security_group", "bare_metal", "schedule",
	"user", "group", "role"}

// TenantGrantable reports whether a role of a tenant other than the
// platform's may grant p: permissions on the tenant's own objects, and
// reads of the platform objects a tenant uses (pools and templates to
// create VMs in and from). A tenant can never grant itself pools, hosts,
// quotas or migration, whatever its policies say.
func TenantGrantable(p Permission) bool {
	if p == PermVMMigrate {
		return false
	}
	switch p {
	case PermPoolRead, PermTemplateRead, PermQuotaRead, PermSpendingRead, PermLogRead, PermVisibilityUpdate:
		return true
	}
	return slices.Contains(tenantKinds, p.Kind())
}

// MatchedBy reports whether a statement action matches a permission: the
// permission itself, a pattern with * wildcards ("vm:*", "*"), or the
// name of a bundle holding it.
func (p Permission) MatchedBy(action string) bool {
	if b, ok := Bundles[action]; ok {
		return slices.Contains(b, p)
	}
	ok, _ := path.Match(action, string(p))
	return ok
}

// Bundles are named sets of permissions that roles may hold as a whole.
// They are Nano's menus: a Nano role is a role whose allow statement
// names bundles, so what a menu grants is the same in every API. A menu
// also grants the reads its feature needs elsewhere (making an instance
// needs pools, images and templates to be listed).
var Bundles = map[string][]Permission{
	MenuDashboard: {PermPoolRead, PermHostRead, PermVMRead},
	MenuComputePool: {PermPoolRead, PermPoolCreate, PermPoolUpdate, PermPoolDelete, PermHostRead, PermHostUpdate,
		PermVMMigrate, PermStoragePoolRead, PermAddressPoolRead},
	MenuAddressPool: {PermAddressPoolRead, PermAddressPoolCreate, PermAddressPoolUpdate, PermAddressPoolDelete, PermHostRead,
		PermNetworkRead, PermNetworkCreate, PermNetworkUpdate, PermNetworkDelete},
	MenuStoragePool: {PermStoragePoolRead, PermStoragePoolCreate, PermStoragePoolUpdate, PermStoragePoolDelete},
	MenuInstance: {PermVMRead, PermVMCreate, PermVMUpdate, PermVMDelete, PermVMStart, PermVMStop, PermVMReboot,
		PermVMPause, PermVMResume, PermVMSnapshot, PermVMConsole, PermVMGuest,
		PermPoolRead, PermHostRead, PermImageRead, PermMediaRead, PermTemplateRead, PermSecurityGroupRead,
		PermNetworkRead, PermAddressPoolRead},
	MenuDiskImage:      {PermImageRead, PermImageCreate, PermImageUpdate, PermImageDelete},
	MenuMediaImage:     {PermMediaRead, PermMediaCreate, PermMediaUpdate, PermMediaDelete},
	MenuTemplate:       {PermTemplateRead, PermTemplateCreate, PermTemplateUpdate, PermTemplateDelete},
	MenuSecurityPolicy: {PermSecurityGroupRead, PermSecurityGroupCreate, PermSecurityGroupUpdate, PermSecurityGroupDelete},
	MenuUser: {PermUserRead, PermUserCreate, PermUserUpdate, PermUserDelete, PermGroupRead, PermGroupCreate,
		PermGroupUpdate, PermGroupDelete, PermRoleRead, PermRoleCreate, PermRoleUpdate, PermRoleDelete, PermTenantRead},
	MenuLog:        {PermLogRead, PermLogWrite},
	MenuVisibility: {PermVisibilityUpdate},
}

// TenantAdminPermissions are what the admin of a tenant (a ZStack
// account, a DBC wallet) may do without any role: everything a tenant
// may be granted.
func TenantAdminPermissions() []Permission {
	var out []Permission
	for _, p := range Permissions {
		if TenantGrantable(p) {
			out = append(out, p)
		}
	}
	return out
}

// TenantReaderPermissions are what every member of an account tenant
// may do without any role: read the tenant's objects (ZStack lets users
// query by default).
func TenantReaderPermissions() []Permission {
	var out []Permission
	for _, p := range TenantAdminPermissions() {
		if strings.HasSuffix(string(p), ":read") {
			out = append(out, p)
		}
	}
	return out
}
