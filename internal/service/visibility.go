package service

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Resource visibility: a user sees its own VMs and images; those of other
// members of its user group only when the group's visibility shares that
// kind of resource; admins see everything. Calls without a caller are the
// control plane's own (tasks, heartbeats) and see everything too.
// Something hidden is "not found", so its existence does not leak.

// GetVisibility returns the visibility of the caller's user group; a
// caller without a group shares nothing.
func (s *Service) GetVisibility(ctx context.Context) (model.Visibility, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return model.Visibility{}, model.Errorf(model.CodeUnauthenticated, "login required")
	}
	if p.Group == "" {
		return model.Visibility{}, nil
	}
	g, err := s.db.GetUserGroup(ctx, p.Group)
	return g.Visibility, notFound(err, "user group", p.Group)
}

// SetVisibility sets the visibility of the caller's user group (it is a
// setting of the group, shared by its members).
func (s *Service) SetVisibility(ctx context.Context, v model.Visibility) error {
	if err := Authorize(ctx, model.MenuVisibility); err != nil {
		return err
	}
	p, _ := PrincipalFrom(ctx)
	if p.Group == "" {
		return model.Errorf(model.CodeConflict, "user %s is in no user group, and visibility is a setting of the group", p.Name)
	}
	return notFound(s.db.SetGroupVisibility(ctx, p.Group, v), "user group", p.Group)
}

// canSee reports whether the caller may see a resource of owner in
// group, given which kind of resource its group shares.
func canSee(ctx context.Context, owner, group string, shared func(model.Visibility) bool) bool {
	p, ok := PrincipalFrom(ctx)
	if !ok || p.FullAccess() || owner == p.Name {
		return true
	}
	return group != "" && group == p.Group && shared(p.Visibility)
}

func instancesShared(v model.Visibility) bool { return v.Instances }

// imageShared picks the setting for an image: ISO images are Nano's
// media images, the others its disk images.
func imageShared(img model.Image) func(model.Visibility) bool {
	if img.Format == model.FormatISO {
		return func(v model.Visibility) bool { return v.MediaImages }
	}
	return func(v model.Visibility) bool { return v.DiskImages }
}

// CanSeeVM reports whether the caller may see a VM.
func CanSeeVM(ctx context.Context, vm model.VM) bool {
	return canSee(ctx, vm.Owner, vm.Group, instancesShared)
}

// CanSeeImage reports whether the caller may see an image.
func CanSeeImage(ctx context.Context, img model.Image) bool {
	return canSee(ctx, img.Owner, img.Group, imageShared(img))
}

// ownership fills in and checks the owner and group of a new resource:
// the caller and the owner's group by default. Only admins may create
// resources for others, so nobody can push a resource into another
// user's view.
func (s *Service) ownership(ctx context.Context, owner, group string) (string, string, error) {
	p, ok := PrincipalFrom(ctx)
	if owner == "" {
		owner = p.Name
	}
	if ok && !p.FullAccess() {
		if owner != p.Name {
			return "", "", model.Errorf(model.CodePermissionDenied, "user %s may not create resources owned by %s", p.Name, owner)
		}
		if group != "" && group != p.Group {
			return "", "", model.Errorf(model.CodePermissionDenied, "user %s may not create resources in user group %s", p.Name, group)
		}
		return owner, p.Group, nil
	}
	if group == "" && owner != "" {
		if u, err := s.db.GetUserByName(ctx, owner); err == nil {
			group = u.Group
		}
	}
	return owner, group, nil
}
