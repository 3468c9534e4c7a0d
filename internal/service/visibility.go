package service

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Resource visibility: a user sees its own VMs and images; those of other
// members of its tenant when the tenant shares that kind of object (every
// member of an account sees the account's), or of its user groups when a
// group's visibility shares it (Nano); those shared with its tenant;
// admins see everything. Something hidden is "not found", so its
// existence does not leak (see authorize.go).

// GetVisibility returns the visibility of the caller's (first) user
// group; a caller without a group shares nothing.
func (s *Service) GetVisibility(ctx context.Context) (model.Visibility, error) {
	p, err := caller(ctx)
	if err != nil {
		return model.Visibility{}, err
	}
	if p.Group == "" {
		return model.Visibility{}, nil
	}
	g, err := s.db.GetUserGroup(ctx, p.TenantID, p.Group)
	return g.Visibility, notFound(err, "user group", p.Group)
}

// SetVisibility sets the visibility of the caller's (first) user group:
// it is a setting of the group, shared by its members.
func (s *Service) SetVisibility(ctx context.Context, v model.Visibility) error {
	if err := Authorize(ctx, model.PermVisibilityUpdate); err != nil {
		return err
	}
	p, _ := PrincipalFrom(ctx)
	if p.Group == "" {
		return model.Errorf(model.CodeConflict, "user %s is in no user group, and visibility is a setting of the group", p.Name)
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		g, err := q.GetUserGroup(ctx, p.TenantID, p.Group)
		if err != nil {
			return notFound(err, "user group", p.Group)
		}
		g.Visibility, g.UpdatedAt = v, now()
		return notFound(q.UpdateUserGroup(ctx, g), "user group", p.Group)
	})
}

// CanSeeVM reports whether the caller may see a VM (without shares).
func CanSeeVM(ctx context.Context, vm model.VM) bool {
	return visibleTo(ctx, model.PermVMRead, vmObject(vm, nil))
}

// ownership fills in and checks the owner, group and tenant of a new
// object: the caller, its first group and its tenant by default. Only
// admins may create objects for others (in the owner's tenant and first
// group), so nobody can push an object into another user's view.
func (s *Service) ownership(ctx context.Context, owner, group string) (string, string, string, error) {
	p, err := caller(ctx)
	if err != nil {
		return "", "", "", err
	}
	if owner == "" || owner == p.Name {
		if group != "" && group != p.Group && !containsString(p.Groups, group) && !p.FullAccess() {
			return "", "", "", model.Errorf(model.CodePermissionDenied, "user %s may not create resources in user group %s", p.Name, group)
		}
		if group == "" {
			group = p.Group
		}
		if p.controlPlane {
			return "", group, model.DefaultTenantID, nil
		}
		return p.Name, group, p.TenantID, nil
	}
	if !p.FullAccess() {
		return "", "", "", model.Errorf(model.CodePermissionDenied, "user %s may not create resources owned by %s", p.Name, owner)
	}
	u, err := s.db.GetUserByName(ctx, owner)
	if err != nil {
		return "", "", "", notFound(err, "user", owner)
	}
	if group == "" {
		group = u.Group
	}
	return u.Name, group, u.TenantID, nil
}
