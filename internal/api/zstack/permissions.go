package zstack

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// apiPermissions names the core permission each ZStack API needs. Every
// route's API must be here (New panics otherwise), and a policy
// statement naming APIs grants or denies the permissions behind them
// (docs/iam.md), so an Allow of StartVmInstance allows vm:start through
// every Kumo API. APIs of model.PermSession are open to any logged-in
// caller; their service methods decide per object.
var apiPermissions = map[string]model.Permission{
	"CreateAccount": model.PermTenantCreate, "DeleteAccount": model.PermTenantDelete, "QueryAccount": model.PermSession,
	"UpdateAccount": model.PermSession, "LogInByAccount": model.PermSession, "GetAccountQuotaUsage": model.PermQuotaRead,
	"QueryAccountResourceRef": model.PermSession, "ShareResource": model.PermSession, "RevokeResourceSharing": model.PermSession,
	"CreateUserGroup": model.PermGroupCreate, "DeleteUserGroup": model.PermGroupDelete, "QueryUserGroup": model.PermGroupRead,
	"UpdateUserGroup": model.PermGroupUpdate, "AddUserToGroup": model.PermGroupUpdate, "AttachPolicyToUserGroup": model.PermGroupUpdate,
	"DetachPolicyFromUserGroup": model.PermGroupUpdate, "RemoveUserFromGroup": model.PermGroupUpdate,
	"CreateUser": model.PermUserCreate, "DeleteUser": model.PermUserDelete, "QueryUser": model.PermUserRead, "UpdateUser": model.PermSession,
	"LogInByUser": model.PermSession, "AttachPolicyToUser": model.PermRoleUpdate, "DetachPolicyFromUser": model.PermRoleUpdate,
	"AttachPoliciesToUser": model.PermRoleUpdate, "DetachPoliciesFromUser": model.PermRoleUpdate,
	"CreatePolicy": model.PermRoleCreate, "DeletePolicy": model.PermRoleDelete, "QueryPolicy": model.PermRoleRead,
	"QueryQuota": model.PermQuotaRead, "UpdateQuota": model.PermQuotaUpdate, "GetResourceNames": model.PermSession, "QuerySharedResource": model.PermSession,
	"ChangeResourceOwner": model.PermTenantUpdate, "CheckApiPermission": model.PermSession, "ValidateSession": model.PermSession, "RenewSession": model.PermSession,
	"LogOut":              model.PermSession,
	"CreateResourcePrice": model.PermPriceCreate, "DeleteResourcePrice": model.PermPriceDelete, "QueryResourcePrice": model.PermPriceRead,
	"CalculateAccountSpending": model.PermSpendingRead,
	"CreateSchedulerTrigger":   model.PermScheduleCreate, "DeleteSchedulerTrigger": model.PermScheduleDelete,
	"QuerySchedulerTrigger": model.PermScheduleRead, "UpdateSchedulerTrigger": model.PermScheduleUpdate,
	"AddSchedulerJobToSchedulerTrigger": model.PermScheduleUpdate, "RemoveSchedulerJobFromSchedulerTrigger": model.PermScheduleUpdate,
	"CreateSchedulerJob": model.PermScheduleCreate, "DeleteSchedulerJob": model.PermScheduleDelete, "QuerySchedulerJob": model.PermScheduleRead,
	"UpdateSchedulerJob": model.PermScheduleUpdate, "GetNoTriggerSchedulerJobs": model.PermScheduleRead,
	"ChangeSchedulerState": model.PermScheduleUpdate,
	"AddLdapServer":        model.PermLDAPCreate, "DeleteLdapServer": model.PermLDAPDelete, "QueryLdapServer": model.PermLDAPRead,
	"UpdateLdapServer": model.PermLDAPUpdate, "CreateLdapBinding": model.PermLDAPUpdate, "DeleteLdapBinding": model.PermLDAPUpdate,
	"QueryLdapBinding": model.PermLDAPRead, "CleanInvalidLdapBinding": model.PermLDAPUpdate, "LogInByLdap": model.PermSession,
	"GetLdapEntry": model.PermLDAPRead, "GetCandidateLdapEntryForBinding": model.PermLDAPRead,
	"RequestConsoleAccess": model.PermVMConsole, "QueryConsoleProxyAgent": model.PermHostRead,
	"ReconnectConsoleProxyAgent": model.PermHostUpdate, "UpdateConsoleProxyAgent": model.PermHostUpdate,
	"GetVmConsoleAddress": model.PermVMConsole,
	"CreateVmInstance":    model.PermVMCreate, "QueryVmInstance": model.PermVMRead, "DestroyVmInstance": model.PermVMDelete,
	"StartVmInstance": model.PermVMStart, "StopVmInstance": model.PermVMStop, "RebootVmInstance": model.PermVMReboot,
	"PauseVmInstance": model.PermVMPause, "ResumeVmInstance": model.PermVMResume, "UpdateVmInstance": model.PermVMUpdate,
	"QueryImage": model.PermImageRead, "QueryApiJob": model.PermSession,
	// Views the SDK's and terraform's create path reads (zones.go ...).
	"ExpungeVmInstance": model.PermVMDelete, "QueryZone": model.PermPoolRead, "QueryCluster": model.PermPoolRead,
	"QueryHost": model.PermHostRead, "QueryL3Network": model.PermSession, "QueryInstanceOffering": model.PermSession,
	"QueryVolume": model.PermVMRead, "QueryVmNic": model.PermVMRead, "QueryVolumeSnapshot": model.PermVMRead,
	"CreateVolumeSnapshot": model.PermVMSnapshot, "DeleteVolumeSnapshot": model.PermVMSnapshot,
	"RevertVolumeFromSnapshot": model.PermVMSnapshot,
	// Refused (routes.go says why); named so policies may name them.
	"CreateInstanceOffering": model.PermPoolUpdate, "DeleteInstanceOffering": model.PermPoolUpdate,
	"CreateDataVolume": model.PermVMUpdate, "CreateL3Network": model.PermNetworkCreate,
}

// permissionOf returns the permission of an API; unknown APIs are a
// programming error.
func permissionOf(api string) model.Permission {
	perm, ok := apiPermissions[api]
	if !ok {
		panic(fmt.Sprintf("zstack: API %s names no permission in apiPermissions", api))
	}
	return perm
}

// authorizeAPI asks the service whether the caller may call an API.
func authorizeAPI(ctx context.Context, api string, perm model.Permission) error {
	if api == "" {
		// A route serving several APIs checks the one its body names.
		return service.Authorize(ctx, model.PermSession)
	}
	if err := service.Authorize(ctx, perm); err != nil {
		c := callerOf(ctx)
		return model.Errorf(model.CodePermissionDenied, "%s is not allowed to call API%sMsg: %v", c.Name, api, err)
	}
	return nil
}

// actionMatches reports whether a statement action names an API:
// "instance:APIStartVmInstanceMsg", "org.zstack.header.vm.APIStartVmInstanceMsg",
// "StartVmInstance", with * as a wildcard ("instance:*", "*").
func actionMatches(action, api string) bool {
	msg := "API" + api + "Msg"
	tail := action
	if i := strings.LastIndexAny(tail, ":."); i >= 0 {
		tail = tail[i+1:]
	}
	for _, pattern := range []string{action, tail} {
		for _, name := range []string{msg, api} {
			if ok, _ := path.Match(pattern, name); ok {
				return true
			}
		}
	}
	return false
}

// corePermissions translates a statement's actions (ZStack API names and
// patterns) into the core permissions of the APIs they name.
func corePermissions(actions []string) []string {
	set := map[string]bool{}
	for _, a := range actions {
		for api, perm := range apiPermissions {
			if perm != model.PermSession && actionMatches(a, api) {
				set[string(perm)] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// apiName reads an API name as CheckApiPermission gets it
// ("APIStartVmInstanceMsg", "org.zstack...APIStartVmInstanceMsg",
// "StartVmInstance").
func apiName(name string) string {
	api := strings.TrimSuffix(strings.TrimPrefix(name, "API"), "Msg")
	if i := strings.LastIndexAny(api, ".:"); i >= 0 {
		api = strings.TrimSuffix(strings.TrimPrefix(api[i+1:], "API"), "Msg")
	}
	return api
}

// knownAPI reports whether Kumo serves an API.
func knownAPI(api string) bool {
	_, ok := apiPermissions[api]
	return ok
}
