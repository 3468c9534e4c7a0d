package service

import (
	"context"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Authorization happens here, for every API (docs/iam.md). A service
// method names the permission it needs and, for an object, checks that
// the caller reaches it:
//
//  1. no caller: unauthenticated;
//  2. the caller's roles do not grant the permission: permission denied;
//  3. the object is not the caller's to see: not found, so its existence
//     does not leak;
//  4. the object is only shared with the caller's tenant and the
//     permission changes it: permission denied.

// Principal is the authenticated caller of a service method.
type Principal struct {
	UserID    string
	Name      string
	Role      string
	SessionID string
	// TenantID is the caller's tenant; TenantAdmin marks the tenant's own
	// admin (a ZStack account's login, a DBC wallet).
	TenantID    string
	TenantKind  model.TenantKind
	TenantAdmin bool
	// Group is the caller's first user group ("" for none), Groups all of
	// them; Menu the bundles (Nano menus) its roles name; Visibility what
	// its groups share of other members' objects.
	Group      string
	Groups     []string
	Menu       []string
	Visibility model.Visibility
	// tenantVisibility is what the tenant shares among its members.
	tenantVisibility model.Visibility
	statements       []model.Statement
	// controlPlane marks Kumo's own work (tasks, schedules): it was
	// authorised when it was asked for.
	controlPlane bool
}

// FullAccess reports whether the caller is an admin, who may do and see
// everything whatever its roles say, so a mistake in roles can never
// lock the platform's administrators out.
func (p Principal) FullAccess() bool { return p.controlPlane || p.Role == model.RoleAdmin }

// Can reports whether the caller holds a permission: admins hold all; a
// tenant other than the platform's holds only what a tenant may be
// granted (model.TenantGrantable), its admin all of that; anyone else
// what its roles' statements allow and none denies. Members of an
// account may read its objects without a role, as ZStack users query
// by default.
func (p Principal) Can(perm model.Permission) bool {
	if p.FullAccess() || perm == model.PermSession {
		return true
	}
	if p.TenantKind != model.TenantPlatform && !model.TenantGrantable(perm) {
		return false
	}
	if p.TenantAdmin {
		return true
	}
	allowed := false
	for _, st := range p.statements {
		for _, a := range st.Actions {
			if !perm.MatchedBy(a) {
				continue
			}
			if st.Effect == model.Deny {
				return false
			}
			allowed = true
		}
	}
	if !allowed && p.TenantKind == model.TenantAccount && strings.HasSuffix(string(perm), ":read") {
		return true
	}
	return allowed
}

// Allows reports whether the caller holds one of the permissions.
func (p Principal) Allows(perms ...model.Permission) bool {
	for _, perm := range perms {
		if p.Can(perm) {
			return true
		}
	}
	return false
}

type principalKey struct{}

// WithPrincipal returns a context carrying the caller.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller carried by ctx.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// controlPlanePrincipal is Kumo itself, running work that was authorised
// when it was asked for (tasks, scheduled jobs, heartbeats).
var controlPlanePrincipal = Principal{Name: "kumo", Role: model.RoleAdmin, TenantID: model.DefaultTenantID,
	TenantKind: model.TenantPlatform, controlPlane: true}

// asControlPlane returns a context in which Kumo acts for itself.
func asControlPlane(ctx context.Context) context.Context {
	return WithPrincipal(ctx, controlPlanePrincipal)
}

// caller returns the authenticated caller or an unauthenticated error.
func caller(ctx context.Context) (Principal, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return Principal{}, model.Errorf(model.CodeUnauthenticated, "login required")
	}
	return p, nil
}

// Authorize fails unless the caller holds one of the permissions; none
// means any logged-in caller. Dialects ask it before they parse a
// request, so a refusal comes in their own form; the service methods
// ask again.
func Authorize(ctx context.Context, perms ...model.Permission) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if len(perms) == 0 || p.Allows(perms...) {
		return nil
	}
	return denied(p, perms...)
}

func denied(p Principal, perms ...model.Permission) error {
	names := make([]string, len(perms))
	for i, perm := range perms {
		names[i] = string(perm)
	}
	return model.Errorf(model.CodePermissionDenied, "user %s may not do this: it needs the %s permission, which its roles do not grant%s",
		p.Name, strings.Join(names, " or "), menuHint(perms))
}

// menuHint names the Nano menus that grant a permission, for users
// whose roles are made of menus.
func menuHint(perms []model.Permission) string {
	var menus []string
	for _, m := range model.Menus {
		for _, perm := range perms {
			if perm.MatchedBy(m) {
				menus = append(menus, m)
				break
			}
		}
	}
	if len(menus) == 0 {
		return ""
	}
	return " (the " + strings.Join(menus, " or ") + " menu does)"
}

// requireAdmin fails unless the caller is an admin of the platform.
func requireAdmin(ctx context.Context) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if !p.FullAccess() {
		return model.Errorf(model.CodePermissionDenied, "user %s may not do this: admin role required", p.Name)
	}
	return nil
}

func requesterOf(ctx context.Context) string {
	p, _ := PrincipalFrom(ctx)
	return p.Name
}

// owned is what authorization knows of an object: its kind and name (for
// messages), owner, tenant and group, which kind of visibility shares
// it, and whether it is shared with the caller's tenant.
type owned struct {
	kind, key            string
	owner, tenant, group string
	shares               func(model.Visibility) bool
	// sharedWithCaller reports whether the object is shared with the
	// caller's tenant; asked only when nothing else makes it visible.
	sharedWithCaller func() bool
}

// sees reports whether the caller may see an object, and whether only
// because it is shared with the caller's tenant (then it may not change
// it).
func (p Principal) sees(o owned) (visible, readOnly bool) {
	switch {
	case p.FullAccess(), o.owner != "" && o.owner == p.Name:
		return true, false
	case o.tenant == p.TenantID && p.TenantAdmin:
		return true, false
	case o.tenant == p.TenantID && o.shares != nil && o.shares(p.tenantVisibility):
		return true, false
	case o.tenant == p.TenantID && o.group != "" && o.shares != nil && o.shares(p.Visibility) && containsString(p.Groups, o.group):
		return true, false
	case o.sharedWithCaller != nil && o.sharedWithCaller():
		return true, true
	}
	return false, false
}

// authorizeOn checks that the caller holds perm and reaches the object.
func authorizeOn(ctx context.Context, perm model.Permission, o owned) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if !p.Can(perm) {
		return denied(p, perm)
	}
	visible, readOnly := p.sees(o)
	if !visible {
		return model.NotFound(o.kind, o.key)
	}
	if readOnly && !readsOnly(perm) {
		return model.Errorf(model.CodePermissionDenied, "%s %s is shared with tenant %s to use, not to change", o.kind, o.key, p.TenantID)
	}
	return nil
}

// visibleTo reports whether the caller holds perm and reaches the object
// (for filtering lists).
func visibleTo(ctx context.Context, perm model.Permission, o owned) bool {
	return authorizeOn(ctx, perm, o) == nil
}

func readsOnly(perm model.Permission) bool { return strings.HasSuffix(string(perm), ":read") }

func containsString(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func instancesShared(v model.Visibility) bool { return v.Instances }

// vmObject is what authorization knows of a VM.
func vmObject(vm model.VM, sharedWithCaller func() bool) owned {
	return owned{kind: "VM", key: vm.Name, owner: vm.Owner, tenant: vm.TenantID, group: vm.Group,
		shares: instancesShared, sharedWithCaller: sharedWithCaller}
}

// imageObject is what authorization knows of an image: ISO images are
// Nano's media images, the others its disk images.
func imageObject(img model.Image, sharedWithCaller func() bool) owned {
	o := owned{kind: "image", key: img.Name, owner: img.Owner, tenant: img.TenantID, group: img.Group,
		sharedWithCaller: sharedWithCaller, shares: func(v model.Visibility) bool { return v.DiskImages }}
	if img.Format == model.FormatISO {
		o.shares = func(v model.Visibility) bool { return v.MediaImages }
	}
	return o
}

// imagePerm returns the permission of an action on an image: disk images
// and media (ISO) are told apart, as Nano's menus do.
func imagePerm(img model.Image, action string) model.Permission {
	kind := "image"
	if img.Format == model.FormatISO {
		kind = "media"
	}
	return model.Permission(kind + ":" + action)
}
