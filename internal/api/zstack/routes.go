package zstack

import (
	"net/http"
)

// routes lists every endpoint of the ZStack rows of spec/endpoints.tsv in
// the document's order, then the VM instance endpoints Kumo's VMs need.
// docs/zstack-endpoints.md tracks what each does or why it is refused.
func (s *Server) routes() []route {
	rs := []route{
		{method: "POST", path: "/accounts", api: "CreateAccount", handle: s.createAccount},
		{method: "DELETE", path: "/accounts/{uuid}", api: "DeleteAccount", handle: s.deleteAccount},
		{method: "GET", path: "/accounts", api: "QueryAccount", handle: s.queryAccount},
		{method: "GET", path: "/accounts/{uuid}", api: "QueryAccount", handle: s.queryAccount},
		{method: "PUT", path: "/accounts/{uuid}", api: "UpdateAccount", handle: s.updateAccount},
		{method: "PUT", path: "/accounts/login", api: "LogInByAccount", handle: s.logInByAccount, public: true, sync: true},
		{method: "GET", path: "/accounts/quota/{uuid}/usages", api: "GetAccountQuotaUsage", handle: s.getAccountQuotaUsage},
		{method: "GET", path: "/accounts/resources/refs", api: "QueryAccountResourceRef", handle: s.queryAccountResourceRef},
		// ShareResource and RevokeResourceSharing share this path; the body names which.
		{method: "PUT", path: "/accounts/resources/actions", handle: s.shareOrRevoke},
		{method: "POST", path: "/accounts/groups", api: "CreateUserGroup", handle: s.createUserGroup},
		{method: "DELETE", path: "/accounts/groups/{uuid}", api: "DeleteUserGroup", handle: s.deleteUserGroup},
		{method: "GET", path: "/accounts/groups", api: "QueryUserGroup", handle: s.queryUserGroup},
		{method: "GET", path: "/accounts/groups/{uuid}", api: "QueryUserGroup", handle: s.queryUserGroup},
		{method: "PUT", path: "/accounts/groups/actions", api: "UpdateUserGroup", handle: s.updateUserGroup},
		{method: "POST", path: "/accounts/groups/{groupUuid}/users", api: "AddUserToGroup", handle: s.addUserToGroup},
		{method: "POST", path: "/accounts/groups/{groupUuid}/policies", api: "AttachPolicyToUserGroup", handle: s.attachPolicyToUserGroup},
		// DetachPolicyFromUserGroup, and DetachPolicyFromUser as the document lists it.
		{method: "DELETE", path: "/accounts/groups/{groupUuid}/policies/{policyUuid}", api: "DetachPolicyFromUserGroup", handle: s.detachPolicy},
		{method: "DELETE", path: "/accounts/groups/{groupUuid}/users/{userUuid}", api: "RemoveUserFromGroup", handle: s.removeUserFromGroup},
		{method: "POST", path: "/accounts/users", api: "CreateUser", handle: s.createUser},
		{method: "DELETE", path: "/accounts/users/{uuid}", api: "DeleteUser", handle: s.deleteUser},
		{method: "GET", path: "/accounts/users", api: "QueryUser", handle: s.queryUser},
		{method: "GET", path: "/accounts/users/{uuid}", api: "QueryUser", handle: s.queryUser},
		{method: "PUT", path: "/accounts/users/actions", api: "UpdateUser", handle: s.updateUser},
		{method: "PUT", path: "/accounts/users/login", api: "LogInByUser", handle: s.logInByUser, public: true, sync: true},
		{method: "POST", path: "/accounts/users/{userUuid}/policies", api: "AttachPolicyToUser", handle: s.attachPolicyToUser},
		// ZStack's own path of DetachPolicyFromUser.
		{method: "DELETE", path: "/accounts/users/{userUuid}/policies/{policyUuid}", api: "DetachPolicyFromUser", handle: s.detachPolicyFromUser},
		{method: "POST", path: "/accounts/users/{userUuid}/policy-collection", api: "AttachPoliciesToUser", handle: s.attachPoliciesToUser},
		{method: "DELETE", path: "/accounts/users/{userUuid}/policies", api: "DetachPoliciesFromUser", handle: s.detachPoliciesFromUser},
		{method: "POST", path: "/accounts/policies", api: "CreatePolicy", handle: s.createPolicy},
		{method: "DELETE", path: "/accounts/policies/{uuid}", api: "DeletePolicy", handle: s.deletePolicy},
		{method: "GET", path: "/accounts/policies", api: "QueryPolicy", handle: s.queryPolicy},
		{method: "GET", path: "/accounts/policies/{uuid}", api: "QueryPolicy", handle: s.queryPolicy},
		{method: "GET", path: "/accounts/quotas", api: "QueryQuota", handle: s.queryQuota},
		{method: "PUT", path: "/accounts/quotas/actions", api: "UpdateQuota", handle: s.updateQuota},
		{method: "GET", path: "/resources/names", api: "GetResourceNames", handle: s.getResourceNames},
		{method: "GET", path: "/accounts/resources", api: "QuerySharedResource", handle: s.querySharedResource},
		{method: "POST", path: "/account/{accountUuid}/resources", api: "ChangeResourceOwner", handle: s.changeResourceOwner},
		{method: "PUT", path: "/accounts/permissions/actions", api: "CheckApiPermission", handle: s.checkApiPermission, sync: true},
		{method: "GET", path: "/accounts/sessions/{sessionUuid}/valid", api: "ValidateSession", handle: s.validateSession, public: true},
		{method: "PUT", path: "/accounts/sessions/{sessionUuid}/renew", api: "RenewSession", handle: s.renewSession, public: true, sync: true},
		{method: "DELETE", path: "/accounts/sessions/{sessionUuid}", api: "LogOut", handle: s.logOut, public: true, sync: true},
		{method: "POST", path: "/billings/prices", api: "CreateResourcePrice", handle: s.createResourcePrice},
		{method: "DELETE", path: "/billings/prices/{uuid}", api: "DeleteResourcePrice", handle: s.deleteResourcePrice},
		{method: "GET", path: "/billings/prices", api: "QueryResourcePrice", handle: s.queryResourcePrice},
		// The document writes this one "billing", singular; both are served.
		{method: "GET", path: "/billing/prices/{uuid}", api: "QueryResourcePrice", handle: s.queryResourcePrice},
		{method: "GET", path: "/billings/prices/{uuid}", api: "QueryResourcePrice", handle: s.queryResourcePrice},
		{method: "PUT", path: "/billings/accounts/{accountUuid}/actions", api: "CalculateAccountSpending", handle: s.calculateAccountSpending},
		{method: "POST", path: "/scheduler/triggers", api: "CreateSchedulerTrigger", handle: s.createSchedulerTrigger},
		{method: "DELETE", path: "/scheduler/triggers/{uuid}", api: "DeleteSchedulerTrigger", handle: s.deleteSchedulerTrigger},
		{method: "GET", path: "/scheduler/triggers", api: "QuerySchedulerTrigger", handle: s.querySchedulerTrigger},
		{method: "GET", path: "/scheduler/triggers/{uuid}", api: "QuerySchedulerTrigger", handle: s.querySchedulerTrigger},
		{method: "PUT", path: "/scheduler/triggers/{uuid}/actions", api: "UpdateSchedulerTrigger", handle: s.updateSchedulerTrigger},
		{method: "POST", path: "/scheduler/jobs/{schedulerJobUuid}/scheduler/triggers/{schedulerTriggerUuid}", api: "AddSchedulerJobToSchedulerTrigger", handle: s.addSchedulerJobToSchedulerTrigger},
		{method: "DELETE", path: "/scheduler/jobs/{schedulerJobUuid}/scheduler/triggers/{schedulerTriggerUuid}", api: "RemoveSchedulerJobFromSchedulerTrigger", handle: s.removeSchedulerJobFromSchedulerTrigger},
		{method: "POST", path: "/scheduler/jobs", api: "CreateSchedulerJob", handle: s.createSchedulerJob},
		{method: "DELETE", path: "/scheduler/jobs/{uuid}", api: "DeleteSchedulerJob", handle: s.deleteSchedulerJob},
		{method: "GET", path: "/scheduler/jobs", api: "QuerySchedulerJob", handle: s.querySchedulerJob},
		{method: "GET", path: "/scheduler/jobs/{uuid}", api: "QuerySchedulerJob", handle: s.querySchedulerJob},
		{method: "PUT", path: "/scheduler/jobs/{uuid}/actions", api: "UpdateSchedulerJob", handle: s.updateSchedulerJob},
		{method: "GET", path: "/scheduler/jobs/candidates", api: "GetNoTriggerSchedulerJobs", handle: s.getNoTriggerSchedulerJobs},
		{method: "PUT", path: "/schedulers/{uuid}", api: "ChangeSchedulerState", handle: s.changeSchedulerState},
		{method: "POST", path: "/ldap/servers", api: "AddLdapServer", handle: s.ldapPending, pending: ldapMissing},
		{method: "DELETE", path: "/ldap/servers/{uuid}", api: "DeleteLdapServer", handle: s.ldapPending, pending: ldapMissing},
		{method: "GET", path: "/ldap/servers", api: "QueryLdapServer", handle: s.ldapPending, pending: ldapMissing},
		{method: "GET", path: "/ldap/servers/{uuid}", api: "QueryLdapServer", handle: s.ldapPending, pending: ldapMissing},
		{method: "PUT", path: "/ldap/servers/{ldapServerUuid}", api: "UpdateLdapServer", handle: s.ldapPending, pending: ldapMissing},
		{method: "POST", path: "/ldap/bindings", api: "CreateLdapBinding", handle: s.ldapPending, pending: ldapMissing},
		{method: "DELETE", path: "/ldap/bindings/{uuid}", api: "DeleteLdapBinding", handle: s.ldapPending, pending: ldapMissing},
		{method: "GET", path: "/ldap/bindings", api: "QueryLdapBinding", handle: s.ldapPending, pending: ldapMissing},
		{method: "GET", path: "/ldap/bindings/{uuid}", api: "QueryLdapBinding", handle: s.ldapPending, pending: ldapMissing},
		{method: "PUT", path: "/ldap/bindings/actions", api: "CleanInvalidLdapBinding", handle: s.ldapPending, pending: ldapMissing},
		{method: "PUT", path: "/ldap/login", api: "LogInByLdap", handle: s.ldapPending, pending: ldapMissing, public: true, sync: true},
		{method: "GET", path: "/ldap/entry", api: "GetLdapEntry", handle: s.ldapPending, pending: ldapMissing},
		{method: "GET", path: "/ldap/entries/candidates", api: "GetCandidateLdapEntryForBinding", handle: s.ldapPending, pending: ldapMissing},
		{method: "POST", path: "/consoles", api: "RequestConsoleAccess", handle: s.requestConsoleAccess},
		{method: "GET", path: "/consoles/agents", api: "QueryConsoleProxyAgent", handle: s.queryConsoleProxyAgent},
		{method: "GET", path: "/consoles/agents/{uuid}", api: "QueryConsoleProxyAgent", handle: s.queryConsoleProxyAgent},
		{method: "PUT", path: "/consoles/agents", api: "ReconnectConsoleProxyAgent", handle: s.reconnectConsoleProxyAgent},
		{method: "PUT", path: "/consoles/agents/{uuid}/actions", api: "UpdateConsoleProxyAgent", handle: s.updateConsoleProxyAgent},
		{method: "GET", path: "/vm-instances/{uuid}/console-addresses", api: "GetVmConsoleAddress", handle: s.getVmConsoleAddress},
		// GET /api-jobs/{uuid} (异步API轮询地址) is registered by New.

		// VM instances, from the document's examples (issue 4 part 2).
		{method: "POST", path: "/vm-instances", api: "CreateVmInstance", handle: s.createVmInstance},
		{method: "GET", path: "/vm-instances", api: "QueryVmInstance", handle: s.queryVmInstance},
		{method: "GET", path: "/vm-instances/{uuid}", api: "QueryVmInstance", handle: s.queryVmInstance},
		{method: "DELETE", path: "/vm-instances/{uuid}", api: "DestroyVmInstance", handle: s.destroyVmInstance},
		// The action names its API; vmInstanceActions checks its policy.
		{method: "PUT", path: "/vm-instances/{uuid}/actions", handle: s.vmInstanceActions},
		{method: "GET", path: "/images", api: "QueryImage", handle: s.queryImage},
		{method: "GET", path: "/images/{uuid}", api: "QueryImage", handle: s.queryImage},
	}
	return rs
}

// ldapMissing is what the LDAP endpoints wait for.
const ldapMissing = "LDAP: Kumo has no LDAP client yet, so LDAP servers, bindings and LDAP login are not available"

// ldapPending refuses the LDAP endpoints, which need an LDAP client Kumo
// does not have yet.
func (s *Server) ldapPending(r *http.Request) (any, error) {
	return nil, errNotSupported("%s %s: %s", r.Method, r.URL.Path, ldapMissing)
}
