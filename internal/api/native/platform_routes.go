package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// Path and query parameters of the platform routes.
type (
	networkMemberParams struct {
		ID string `path:"id" description:"network name"`
		VM string `path:"vm" description:"VM id or name"`
	}
	addressRangesParams struct {
		ID   string `path:"id" description:"address pool id or name"`
		Type string `query:"type" enum:"internal,external" description:"range type (default internal)"`
	}
	addressRangeParams struct {
		ID    string `path:"id" description:"address pool id or name"`
		Start string `path:"start" description:"the range's first address"`
	}
	ruleIndexParams struct {
		ID    string `path:"id" description:"id or name"`
		Index int    `path:"index" minimum:"0" description:"the rule's index, 0 for the first"`
	}
	allTenantsParams struct {
		All bool `query:"all" description:"of every tenant the caller reaches, not only its own"`
	}
	deleteGroupParams struct {
		ID    string `path:"id" description:"id or name"`
		Force bool   `query:"force" description:"take the members out instead of refusing a group that has some"`
	}
	deleteRoleParams struct {
		ID     string `path:"id" description:"id or name"`
		Unbind bool   `query:"unbind" description:"take the role from its groups and users instead of refusing one still held"`
	}
	userParam struct {
		ID string `path:"id" description:"user name"`
	}
	userRoleParams struct {
		ID   string `path:"id" description:"user name"`
		Role string `path:"role" description:"role id or name"`
	}
	groupMemberParams struct {
		ID   string `path:"id" description:"group id or name"`
		User string `path:"user" description:"user name"`
	}
)

// platformRoutes serve the platform's objects: networks, address pools,
// storage pools, templates, security groups and VM security policies,
// users, groups and roles, and the event stream.
func (s *Server) platformRoutes() []route {
	return []route{
		{method: "PATCH", path: "/v1/pools/{id}", op: "patchPool", perm: model.PermPoolUpdate, summary: "Change a pool's description, storage pool or address pool",
			params: idParam{}, body: api.PoolPatch{}, reply: api.Pool{}, status: http.StatusOK, handle: s.patchPool},

		{method: "GET", path: "/v1/networks", op: "listNetworks", perm: model.PermNetworkRead, summary: "List networks (LANs between VMs of one host)",
			reply: []api.Network{}, status: http.StatusOK, handle: s.listNetworks},
		{method: "POST", path: "/v1/networks", op: "createNetwork", perm: model.PermNetworkCreate, summary: "Create a network on a host",
			body: api.NetworksPost{}, reply: api.Network{}, status: http.StatusCreated, handle: s.createNetwork},
		{method: "GET", path: "/v1/networks/{id}", op: "getNetwork", perm: model.PermNetworkRead, summary: "Show a network",
			params: idParam{}, reply: api.Network{}, status: http.StatusOK, handle: s.getNetwork},
		{method: "PATCH", path: "/v1/networks/{id}", op: "patchNetwork", perm: model.PermNetworkUpdate, summary: "Change a network's display name or VLAN label",
			params: idParam{}, body: api.NetworkPatch{}, reply: api.Network{}, status: http.StatusOK, handle: s.patchNetwork},
		{method: "DELETE", path: "/v1/networks/{id}", op: "deleteNetwork", perm: model.PermNetworkDelete, summary: "Delete a network no VM is on",
			params: idParam{}, status: http.StatusNoContent, handle: s.deleteNetwork},
		{method: "GET", path: "/v1/networks/{id}/members", op: "listNetworkMembers", perm: model.PermNetworkRead, summary: "List the VMs on a network",
			params: idParam{}, reply: []api.NetworkMember{}, status: http.StatusOK, handle: s.listNetworkMembers},
		{method: "POST", path: "/v1/networks/{id}/members", op: "addNetworkMember", perm: model.PermVMUpdate, summary: "Put a stopped VM of the network's host on it",
			params: idParam{}, body: api.NetworkMembersPost{}, reply: []api.NetworkMember{}, status: http.StatusOK, handle: s.addNetworkMember},
		{method: "DELETE", path: "/v1/networks/{id}/members/{vm}", op: "removeNetworkMember", perm: model.PermVMUpdate, summary: "Take a stopped VM off a network",
			params: networkMemberParams{}, status: http.StatusNoContent, handle: s.removeNetworkMember},

		{method: "GET", path: "/v1/address-pools", op: "listAddressPools", perm: model.PermAddressPoolRead, summary: "List address pools",
			reply: []api.AddressPool{}, status: http.StatusOK, handle: s.listAddressPools},
		{method: "POST", path: "/v1/address-pools", op: "createAddressPool", perm: model.PermAddressPoolCreate, summary: "Create an address pool",
			body: api.AddressPoolsPost{}, reply: api.AddressPool{}, status: http.StatusCreated, handle: s.createAddressPool},
		{method: "GET", path: "/v1/address-pools/{id}", op: "getAddressPool", perm: model.PermAddressPoolRead, summary: "Show an address pool with its ranges and allocations",
			params: idParam{}, reply: api.AddressPool{}, status: http.StatusOK, handle: s.getAddressPool},
		{method: "PUT", path: "/v1/address-pools/{id}", op: "putAddressPool", perm: model.PermAddressPoolUpdate, summary: "Replace an address pool's settings",
			params: idParam{}, body: api.AddressPoolsPost{}, reply: api.AddressPool{}, status: http.StatusOK, handle: s.putAddressPool},
		{method: "DELETE", path: "/v1/address-pools/{id}", op: "deleteAddressPool", perm: model.PermAddressPoolDelete, summary: "Delete an address pool no compute pool uses",
			params: idParam{}, status: http.StatusNoContent, handle: s.deleteAddressPool},
		{method: "GET", path: "/v1/address-pools/{id}/ranges", op: "listAddressRanges", perm: model.PermAddressPoolRead, summary: "List an address pool's ranges",
			params: addressRangesParams{}, reply: []api.AddressRange{}, status: http.StatusOK, handle: s.listAddressRanges},
		{method: "POST", path: "/v1/address-pools/{id}/ranges", op: "addAddressRange", perm: model.PermAddressPoolUpdate, summary: "Add a range to an address pool",
			params: idParam{}, body: api.AddressRangesPost{}, reply: api.AddressRange{}, status: http.StatusCreated, handle: s.addAddressRange},
		{method: "GET", path: "/v1/address-pools/{id}/ranges/{start}", op: "getAddressRange", perm: model.PermAddressPoolRead, summary: "Show a range with its allocations",
			params: addressRangeParams{}, reply: api.AddressRange{}, status: http.StatusOK, handle: s.getAddressRange},
		{method: "DELETE", path: "/v1/address-pools/{id}/ranges/{start}", op: "removeAddressRange", perm: model.PermAddressPoolUpdate, summary: "Remove a range no guest holds an address of",
			params: addressRangeParams{}, status: http.StatusNoContent, handle: s.removeAddressRange},

		{method: "GET", path: "/v1/storage-pools", op: "listStoragePools", perm: model.PermStoragePoolRead, summary: "List storage pools",
			reply: []api.StoragePool{}, status: http.StatusOK, handle: s.listStoragePools},
		{method: "POST", path: "/v1/storage-pools", op: "createStoragePool", perm: model.PermStoragePoolCreate, summary: "Create a storage pool",
			body: api.StoragePoolsPost{}, reply: api.StoragePool{}, status: http.StatusCreated, handle: s.createStoragePool},
		{method: "GET", path: "/v1/storage-pools/{id}", op: "getStoragePool", perm: model.PermStoragePoolRead, summary: "Show a storage pool",
			params: idParam{}, reply: api.StoragePool{}, status: http.StatusOK, handle: s.getStoragePool},
		{method: "PUT", path: "/v1/storage-pools/{id}", op: "putStoragePool", perm: model.PermStoragePoolUpdate, summary: "Replace the settings of a storage pool that holds no disks",
			params: idParam{}, body: api.StoragePoolsPost{}, reply: api.StoragePool{}, status: http.StatusOK, handle: s.putStoragePool},
		{method: "DELETE", path: "/v1/storage-pools/{id}", op: "deleteStoragePool", perm: model.PermStoragePoolDelete, summary: "Delete a storage pool no compute pool uses",
			params: idParam{}, status: http.StatusNoContent, handle: s.deleteStoragePool},

		{method: "GET", path: "/v1/templates", op: "listTemplates", perm: model.PermTemplateRead, summary: "List VM templates",
			reply: []api.Template{}, status: http.StatusOK, handle: s.listTemplates},
		{method: "POST", path: "/v1/templates", op: "createTemplate", perm: model.PermTemplateCreate, summary: "Create a VM template",
			body: api.TemplatesPost{}, reply: api.Template{}, status: http.StatusCreated, handle: s.createTemplate},
		{method: "GET", path: "/v1/templates/{id}", op: "getTemplate", perm: model.PermTemplateRead, summary: "Show a VM template",
			params: idParam{}, reply: api.Template{}, status: http.StatusOK, handle: s.getTemplate},
		{method: "PUT", path: "/v1/templates/{id}", op: "putTemplate", perm: model.PermTemplateUpdate, summary: "Replace a VM template's settings",
			params: idParam{}, body: api.TemplatesPost{}, reply: api.Template{}, status: http.StatusOK, handle: s.putTemplate},
		{method: "DELETE", path: "/v1/templates/{id}", op: "deleteTemplate", perm: model.PermTemplateDelete, summary: "Delete a VM template no VM uses",
			params: idParam{}, status: http.StatusNoContent, handle: s.deleteTemplate},

		{method: "GET", path: "/v1/security-groups", op: "listSecurityGroups", perm: model.PermSecurityGroupRead, summary: "List the security groups the caller sees",
			params: api.SecurityGroupsFilter{}, reply: []api.SecurityGroup{}, status: http.StatusOK, handle: s.listSecurityGroups},
		{method: "POST", path: "/v1/security-groups", op: "createSecurityGroup", perm: model.PermSecurityGroupCreate, summary: "Create a security group without rules",
			body: api.SecurityGroupsPost{}, reply: api.SecurityGroup{}, status: http.StatusCreated, handle: s.createSecurityGroup},
		{method: "GET", path: "/v1/security-groups/{id}", op: "getSecurityGroup", perm: model.PermSecurityGroupRead, summary: "Show a security group",
			params: idParam{}, reply: api.SecurityGroup{}, status: http.StatusOK, handle: s.getSecurityGroup},
		{method: "PUT", path: "/v1/security-groups/{id}", op: "putSecurityGroup", perm: model.PermSecurityGroupUpdate, summary: "Replace a security group's settings (its rules stay)",
			params: idParam{}, body: api.SecurityGroupsPost{}, reply: api.SecurityGroup{}, status: http.StatusOK, handle: s.putSecurityGroup},
		{method: "DELETE", path: "/v1/security-groups/{id}", op: "deleteSecurityGroup", perm: model.PermSecurityGroupDelete, summary: "Delete a security group (VMs made with it keep their policy)",
			params: idParam{}, status: http.StatusNoContent, handle: s.deleteSecurityGroup},
		{method: "POST", path: "/v1/security-groups/{id}/rules", op: "addSecurityGroupRule", perm: model.PermSecurityGroupUpdate, summary: "Append a rule to a security group",
			params: idParam{}, body: api.SecurityRule{}, reply: api.SecurityGroup{}, status: http.StatusOK, handle: s.editSecurityGroupRules(service.RuleAdd)},
		{method: "PUT", path: "/v1/security-groups/{id}/rules/{index}", op: "putSecurityGroupRule", perm: model.PermSecurityGroupUpdate, summary: "Replace a rule of a security group",
			params: ruleIndexParams{}, body: api.SecurityRule{}, reply: api.SecurityGroup{}, status: http.StatusOK, handle: s.editSecurityGroupRules(service.RuleModify)},
		{method: "DELETE", path: "/v1/security-groups/{id}/rules/{index}", op: "deleteSecurityGroupRule", perm: model.PermSecurityGroupUpdate, summary: "Remove a rule of a security group",
			params: ruleIndexParams{}, reply: api.SecurityGroup{}, status: http.StatusOK, handle: s.editSecurityGroupRules(service.RuleRemove)},
		{method: "POST", path: "/v1/security-groups/{id}/rules/{index}/move", op: "moveSecurityGroupRule", perm: model.PermSecurityGroupUpdate, summary: "Move a rule of a security group up or down by one",
			params: ruleIndexParams{}, body: api.RuleMovePost{}, reply: api.SecurityGroup{}, status: http.StatusOK, handle: s.editSecurityGroupRules(service.RuleMove)},

		{method: "GET", path: "/v1/vms/{id}/security-policy", op: "getSecurityPolicy", perm: model.PermVMRead, summary: "Show a VM's inbound security policy",
			params: idParam{}, reply: api.SecurityPolicy{}, status: http.StatusOK, handle: s.getSecurityPolicy},
		{method: "PATCH", path: "/v1/vms/{id}/security-policy", op: "patchSecurityPolicy", perm: model.PermVMUpdate, summary: "Set a VM's default inbound action",
			params: idParam{}, body: api.SecurityPolicyPatch{}, reply: api.SecurityPolicy{}, status: http.StatusOK, handle: s.patchSecurityPolicy},
		{method: "POST", path: "/v1/vms/{id}/security-policy/rules", op: "addSecurityPolicyRule", perm: model.PermVMUpdate, summary: "Append a rule to a VM's security policy",
			params: idParam{}, body: api.SecurityRule{}, reply: api.SecurityPolicy{}, status: http.StatusOK, handle: s.editSecurityPolicyRules(service.RuleAdd)},
		{method: "PUT", path: "/v1/vms/{id}/security-policy/rules/{index}", op: "putSecurityPolicyRule", perm: model.PermVMUpdate, summary: "Replace a rule of a VM's security policy",
			params: ruleIndexParams{}, body: api.SecurityRule{}, reply: api.SecurityPolicy{}, status: http.StatusOK, handle: s.editSecurityPolicyRules(service.RuleModify)},
		{method: "DELETE", path: "/v1/vms/{id}/security-policy/rules/{index}", op: "deleteSecurityPolicyRule", perm: model.PermVMUpdate, summary: "Remove a rule of a VM's security policy",
			params: ruleIndexParams{}, reply: api.SecurityPolicy{}, status: http.StatusOK, handle: s.editSecurityPolicyRules(service.RuleRemove)},
		{method: "POST", path: "/v1/vms/{id}/security-policy/rules/{index}/move", op: "moveSecurityPolicyRule", perm: model.PermVMUpdate, summary: "Move a rule of a VM's security policy up or down by one",
			params: ruleIndexParams{}, body: api.RuleMovePost{}, reply: api.SecurityPolicy{}, status: http.StatusOK, handle: s.editSecurityPolicyRules(service.RuleMove)},

		{method: "GET", path: "/v1/users", op: "listUsers", perm: model.PermUserRead, summary: "List the users the caller manages",
			reply: []api.User{}, status: http.StatusOK, handle: s.listUsers},
		{method: "POST", path: "/v1/users", op: "createUser", perm: model.PermUserCreate, summary: "Create a user",
			body: api.UsersPost{}, reply: api.User{}, status: http.StatusCreated, handle: s.createUser},
		{method: "GET", path: "/v1/users/{id}", op: "getUser", perm: model.PermSession, summary: "Show a user (anyone may read itself)",
			params: userParam{}, reply: api.User{}, status: http.StatusOK, handle: s.getUser},
		{method: "PATCH", path: "/v1/users/{id}", op: "patchUser", perm: model.PermSession, summary: "Change a user's profile (anyone may change its own)",
			params: userParam{}, body: api.UserPatch{}, reply: api.User{}, status: http.StatusOK, handle: s.patchUser},
		{method: "DELETE", path: "/v1/users/{id}", op: "deleteUser", perm: model.PermUserDelete, summary: "Delete a user with its sessions and memberships",
			params: userParam{}, status: http.StatusNoContent, handle: s.deleteUser},
		{method: "PUT", path: "/v1/users/{id}/password", op: "putUserPassword", perm: model.PermSession, summary: "Set a user's password (its other sessions end)",
			params: userParam{}, body: api.PasswordPut{}, status: http.StatusNoContent, handle: s.putPassword},
		{method: "GET", path: "/v1/users/{id}/roles", op: "listUserRoles", perm: model.PermSession, summary: "List the roles bound to a user directly",
			params: userParam{}, reply: []api.Role{}, status: http.StatusOK, handle: s.listUserRoles},
		{method: "PUT", path: "/v1/users/{id}/roles/{role}", op: "bindUserRole", perm: model.PermRoleUpdate, summary: "Bind a role to a user",
			params: userRoleParams{}, status: http.StatusNoContent, handle: s.bindUserRole(false)},
		{method: "DELETE", path: "/v1/users/{id}/roles/{role}", op: "unbindUserRole", perm: model.PermRoleUpdate, summary: "Take a role from a user",
			params: userRoleParams{}, status: http.StatusNoContent, handle: s.bindUserRole(true)},

		{method: "GET", path: "/v1/groups", op: "listGroups", perm: model.PermGroupRead, summary: "List user groups",
			params: allTenantsParams{}, reply: []api.Group{}, status: http.StatusOK, handle: s.listGroups},
		{method: "POST", path: "/v1/groups", op: "createGroup", perm: model.PermGroupCreate, summary: "Create a user group of the caller's tenant",
			body: api.GroupsPost{}, reply: api.Group{}, status: http.StatusCreated, handle: s.createGroup},
		{method: "GET", path: "/v1/groups/{id}", op: "getGroup", perm: model.PermGroupRead, summary: "Show a user group with its roles and members",
			params: idParam{}, reply: api.Group{}, status: http.StatusOK, handle: s.getGroup},
		{method: "PATCH", path: "/v1/groups/{id}", op: "patchGroup", perm: model.PermGroupUpdate, summary: "Rename a user group or replace its roles",
			params: idParam{}, body: api.GroupPatch{}, reply: api.Group{}, status: http.StatusOK, handle: s.patchGroup},
		{method: "DELETE", path: "/v1/groups/{id}", op: "deleteGroup", perm: model.PermGroupDelete, summary: "Delete a user group",
			params: deleteGroupParams{}, status: http.StatusNoContent, handle: s.deleteGroup},
		{method: "GET", path: "/v1/groups/{id}/members", op: "listGroupMembers", perm: model.PermGroupRead, summary: "List the names of a user group's members",
			params: idParam{}, reply: []string{}, status: http.StatusOK, handle: s.listGroupMembers},
		{method: "PUT", path: "/v1/groups/{id}/members/{user}", op: "addGroupMember", perm: model.PermGroupUpdate, summary: "Put a user into a user group",
			params: groupMemberParams{}, status: http.StatusNoContent, handle: s.groupMember(false)},
		{method: "DELETE", path: "/v1/groups/{id}/members/{user}", op: "removeGroupMember", perm: model.PermGroupUpdate, summary: "Take a user out of a user group",
			params: groupMemberParams{}, status: http.StatusNoContent, handle: s.groupMember(true)},
		{method: "GET", path: "/v1/visibility", op: "getVisibility", perm: model.PermSession, summary: "Show what the members of the caller's (first) user group see of each other's objects",
			reply: api.Visibility{}, status: http.StatusOK, handle: s.getVisibility},
		{method: "PUT", path: "/v1/visibility", op: "putVisibility", perm: model.PermVisibilityUpdate, summary: "Set what the members of the caller's (first) user group see of each other's objects",
			body: api.Visibility{}, reply: api.Visibility{}, status: http.StatusOK, handle: s.putVisibility},

		{method: "GET", path: "/v1/roles", op: "listRoles", perm: model.PermRoleRead, summary: "List roles",
			params: allTenantsParams{}, reply: []api.Role{}, status: http.StatusOK, handle: s.listRoles},
		{method: "POST", path: "/v1/roles", op: "createRole", perm: model.PermRoleCreate, summary: "Create a role of the caller's tenant",
			body: api.RolesPost{}, reply: api.Role{}, status: http.StatusCreated, handle: s.createRole},
		{method: "GET", path: "/v1/roles/{id}", op: "getRole", perm: model.PermRoleRead, summary: "Show a role",
			params: idParam{}, reply: api.Role{}, status: http.StatusOK, handle: s.getRole},
		{method: "PATCH", path: "/v1/roles/{id}", op: "patchRole", perm: model.PermRoleUpdate, summary: "Rename a role or replace its statements",
			params: idParam{}, body: api.RolePatch{}, reply: api.Role{}, status: http.StatusOK, handle: s.patchRole},
		{method: "DELETE", path: "/v1/roles/{id}", op: "deleteRole", perm: model.PermRoleDelete, summary: "Delete a role",
			params: deleteRoleParams{}, status: http.StatusNoContent, handle: s.deleteRole},

		{method: "GET", path: "/v1/events", op: "streamEvents", perm: model.PermSession,
			summary: "Stream finished tasks and the VM states they leave (text/event-stream; each data line is an Event)",
			reply:   api.Event{}, status: http.StatusOK, eventStream: true, stream: s.streamEvents},
	}
}
