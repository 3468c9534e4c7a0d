package service

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Tenants own users and objects and have quotas (docs/iam.md). The
// platform's own tenant ("default") holds the admins and the users made
// by /v1, Nano and CloudTower; ZStack accounts and DBC wallets are
// tenants of their own. A tenant's admin user has the tenant's name.

// CreateTenantRequest asks for a new tenant and its admin user.
type CreateTenantRequest struct {
	Name        string
	Kind        model.TenantKind // account (default) or wallet
	Description string
	// AdminPassword is the password of the tenant's admin user, who has
	// the tenant's name.
	AdminPassword string
}

// CreateTenant makes a tenant with its admin user (platform admins only).
// An account starts with model.DefaultAccountQuotas.
func (s *Service) CreateTenant(ctx context.Context, req CreateTenantRequest) (model.Tenant, model.User, error) {
	if err := Authorize(ctx, model.PermTenantCreate); err != nil {
		return model.Tenant{}, model.User{}, err
	}
	if req.Kind == "" {
		req.Kind = model.TenantAccount
	}
	if req.Kind != model.TenantAccount {
		return model.Tenant{}, model.User{}, model.FieldError("kind", "must be %q (wallet tenants come with their wallet's first call)", model.TenantAccount)
	}
	if err := validName("name", req.Name); err != nil {
		return model.Tenant{}, model.User{}, err
	}
	hash, err := hashNewPassword("password", req.AdminPassword)
	if err != nil {
		return model.Tenant{}, model.User{}, err
	}
	if err := (UserInfo{Description: req.Description}).valid(); err != nil {
		return model.Tenant{}, model.User{}, err
	}
	t := model.Tenant{ID: newID(), Name: req.Name, Kind: req.Kind, Description: req.Description, Visibility: model.ShareAll,
		CreatedAt: now(), UpdatedAt: now()}
	u := model.User{ID: newID(), Name: req.Name, PasswordHash: hash, PasswordForm: model.PasswordSHA512, Role: model.RoleUser,
		TenantID: t.ID, TenantAdmin: true, Description: req.Description, CreatedAt: now(), UpdatedAt: now()}
	err = s.db.InTx(ctx, func(q store.Queries) error {
		if err := q.CreateTenant(ctx, t); err != nil {
			return conflict(err, "tenant %q already exists", t.Name)
		}
		if err := q.CreateUser(ctx, u); err != nil {
			return conflict(err, "a user named %q already exists", u.Name)
		}
		for name, v := range model.DefaultAccountQuotas {
			if err := q.SetQuota(ctx, model.Quota{TenantID: t.ID, Name: name, Value: v, UpdatedAt: now()}); err != nil {
				return err
			}
		}
		return nil
	})
	return t, u, err
}

// tenantObject is what authorization knows of a tenant: its own members
// may read it.
func tenantObject(t model.Tenant) owned {
	return owned{kind: "tenant", key: t.Name, tenant: t.ID, shares: everyMember}
}

// GetTenant returns a tenant by id or name: any tenant for platform
// admins, one's own for others.
func (s *Service) GetTenant(ctx context.Context, idOrName string) (model.Tenant, error) {
	p, err := caller(ctx)
	if err != nil {
		return model.Tenant{}, err
	}
	t, err := s.db.GetTenant(ctx, idOrName)
	if err != nil {
		return t, notFound(err, "tenant", idOrName)
	}
	if t.ID == p.TenantID {
		return t, nil
	}
	return t, authorizeOn(ctx, model.PermTenantRead, tenantObject(t))
}

// ListTenants returns the tenants the caller may see: all for platform
// admins, its own for others.
func (s *Service) ListTenants(ctx context.Context) ([]model.Tenant, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.db.ListTenants(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(t model.Tenant) bool {
		return t.ID != p.TenantID && !visibleTo(ctx, model.PermTenantRead, tenantObject(t))
	}), nil
}

// UpdateTenant changes a tenant's description: its admin's or a platform
// admin's business.
func (s *Service) UpdateTenant(ctx context.Context, idOrName, description string) (model.Tenant, error) {
	p, err := caller(ctx)
	if err != nil {
		return model.Tenant{}, err
	}
	t, err := s.GetTenant(ctx, idOrName)
	if err != nil {
		return t, err
	}
	if !p.FullAccess() && !(p.TenantAdmin && p.TenantID == t.ID) {
		return t, denied(p, model.PermTenantUpdate)
	}
	if err := (UserInfo{Description: description}).valid(); err != nil {
		return t, err
	}
	t.Description, t.UpdatedAt = description, now()
	return t, notFound(s.db.UpdateTenant(ctx, t), "tenant", idOrName)
}

// DeleteTenant removes a tenant with its users, groups, roles and quotas
// (platform admins only). A tenant still holding VMs, images, LANs or
// machines is refused: nothing of it is lost by accident.
func (s *Service) DeleteTenant(ctx context.Context, idOrName string) error {
	if err := Authorize(ctx, model.PermTenantDelete); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		t, err := q.GetTenant(ctx, idOrName)
		if err != nil {
			return notFound(err, "tenant", idOrName)
		}
		if t.ID == model.DefaultTenantID {
			return model.Errorf(model.CodeConflict, "the platform's tenant cannot be deleted")
		}
		used, err := q.TenantUsage(ctx, t.ID)
		if err != nil {
			return err
		}
		if used[model.QuotaVMCount]+used[model.QuotaImageCount]+used[store.HoldsLANs]+used[store.HoldsBareMetals] > 0 {
			return model.Errorf(model.CodeConflict, "tenant %s still holds %d VMs, %d images, %d LANs and %d machines: delete them or give them away first",
				t.Name, used[model.QuotaVMCount], used[model.QuotaImageCount], used[store.HoldsLANs], used[store.HoldsBareMetals])
		}
		if err := q.DeleteTenantObjects(ctx, t.ID); err != nil {
			return err
		}
		return notFound(q.DeleteTenant(ctx, t.ID), "tenant", idOrName)
	})
}

// walletTenantID is the id (and name) of a DBC wallet's tenant and of its
// one user: the owner its objects carry.
func walletTenantID(wallet string) string { return DBCOwner(wallet) }

// walletPrincipal returns the caller a verified DBC wallet acts as: the
// admin of its own tenant, made on the wallet's first call.
func (s *Service) walletPrincipal(ctx context.Context, wallet string) (Principal, error) {
	id := walletTenantID(wallet)
	u, err := s.db.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		err = s.db.InTx(ctx, func(q store.Queries) error {
			if _, err := q.GetTenant(ctx, id); errors.Is(err, store.ErrNotFound) {
				if err := q.CreateTenant(ctx, model.Tenant{ID: id, Name: id, Kind: model.TenantWallet, Visibility: model.ShareAll,
					CreatedAt: now(), UpdatedAt: now()}); err != nil {
					return err
				}
			}
			u = model.User{ID: id, Name: id, Role: model.RoleUser, TenantID: id, TenantAdmin: true, CreatedAt: now(), UpdatedAt: now()}
			return q.CreateUser(ctx, u)
		})
		if errors.Is(err, store.ErrConflict) {
			// Another call of the same wallet made it meanwhile.
			u, err = s.db.GetUser(ctx, id)
		}
	}
	if err != nil {
		return Principal{}, internal(err, "make the wallet's tenant")
	}
	return s.principalOf(ctx, u)
}

// Quotas.

// QuotaUsages returns a tenant's quotas with what it uses of each, in
// the order of model.QuotaNames: its admin and members may read them,
// platform admins any tenant's.
func (s *Service) QuotaUsages(ctx context.Context, tenant string) ([]model.QuotaUsage, error) {
	if err := Authorize(ctx, model.PermQuotaRead); err != nil {
		return nil, err
	}
	t, err := s.GetTenant(ctx, tenant)
	if err != nil {
		return nil, err
	}
	limits, err := s.db.ListQuotas(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	used, err := s.db.TenantUsage(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	out := make([]model.QuotaUsage, 0, len(model.QuotaNames))
	for _, name := range model.QuotaNames {
		u := model.QuotaUsage{Name: name, Limit: model.QuotaUnlimited, Used: used[name]}
		for _, l := range limits {
			if l.Name == name {
				u.Limit = l.Value
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// ListQuotas returns the limits set for a tenant ("" for every tenant
// the caller sees).
func (s *Service) ListQuotas(ctx context.Context, tenant string) ([]model.Quota, error) {
	if err := Authorize(ctx, model.PermQuotaRead); err != nil {
		return nil, err
	}
	if tenant == "" {
		ts, err := s.ListTenants(ctx)
		if err != nil {
			return nil, err
		}
		var out []model.Quota
		for _, t := range ts {
			qs, err := s.db.ListQuotas(ctx, t.ID)
			if err != nil {
				return nil, err
			}
			out = append(out, qs...)
		}
		return out, nil
	}
	t, err := s.GetTenant(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return s.db.ListQuotas(ctx, t.ID)
}

// SetQuota sets (value >= 0) or lifts (value < 0) a tenant's limit of a
// quota (platform admins only). A limit below what the tenant holds
// stops new creates; nothing it has is taken away.
func (s *Service) SetQuota(ctx context.Context, tenant, name string, value int64) (model.Quota, error) {
	if err := Authorize(ctx, model.PermQuotaUpdate); err != nil {
		return model.Quota{}, err
	}
	if !slices.Contains(model.QuotaNames, name) {
		return model.Quota{}, model.FieldError("name", "%q is not a quota; quotas are %s", name, strings.Join(model.QuotaNames, ", "))
	}
	t, err := s.GetTenant(ctx, tenant)
	if err != nil {
		return model.Quota{}, err
	}
	qt := model.Quota{TenantID: t.ID, Name: name, Value: value, UpdatedAt: now()}
	if value < 0 {
		err := s.db.DeleteQuota(ctx, t.ID, name)
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		qt.Value = model.QuotaUnlimited
		return qt, err
	}
	return qt, s.db.SetQuota(ctx, qt)
}

// quotaDemand is what a change adds to a tenant's holdings, by quota.
type quotaDemand map[string]int64

// checkQuota refuses a change that takes a tenant over a quota. It runs
// inside the transaction that stores the change and locks the tenant
// first, so concurrent changes of one tenant are checked one after the
// other against what the others stored.
func checkQuota(ctx context.Context, q store.Queries, tenantID string, want quotaDemand) error {
	if err := q.LockTenant(ctx, tenantID); err != nil {
		return notFound(err, "tenant", tenantID)
	}
	limits, err := q.ListQuotas(ctx, tenantID)
	if err != nil || len(limits) == 0 {
		return err
	}
	used, err := q.TenantUsage(ctx, tenantID)
	if err != nil {
		return err
	}
	sort.Slice(limits, func(i, j int) bool { return limits[i].Name < limits[j].Name })
	for _, l := range limits {
		more := want[l.Name]
		if more > 0 && satAdd(used[l.Name], more) > l.Value {
			return model.Errorf(model.CodeQuotaExceeded, "quota exceeded: tenant %s uses %d of its %s quota of %d, and this needs %d more",
				tenantID, used[l.Name], l.Name, l.Value, more)
		}
	}
	return nil
}

// Shares.

// ShareObject shares a VM or an image with tenants (by id or name), or
// with every tenant when public: they may then see and use it, not
// change it. The owner's tenant shares, or a platform admin.
func (s *Service) ShareObject(ctx context.Context, kind, idOrName string, tenants []string, public bool) error {
	return s.share(ctx, kind, idOrName, tenants, public, false, false)
}

// UnshareObject revokes shares of a VM or an image: with the tenants
// named, the public one, or every share when all.
func (s *Service) UnshareObject(ctx context.Context, kind, idOrName string, tenants []string, public, all bool) error {
	return s.share(ctx, kind, idOrName, tenants, public, all, true)
}

func (s *Service) share(ctx context.Context, kind, idOrName string, tenants []string, public, all, revoke bool) error {
	var id string
	switch kind {
	case "vm":
		vm, err := s.GetVM(ctx, idOrName)
		if err != nil {
			return err
		}
		if err := authorizeOn(ctx, model.PermVMShare, s.vmObject(ctx, vm)); err != nil {
			return err
		}
		id = vm.ID
	case "image":
		img, err := s.GetImage(ctx, idOrName)
		if err != nil {
			return err
		}
		if err := authorizeOn(ctx, model.PermImageShare, s.imageObject(ctx, img)); err != nil {
			return err
		}
		id = img.ID
	default:
		return model.FieldError("kind", "VMs and images are shared, not %q", kind)
	}
	var receivers []string
	for _, name := range tenants {
		t, err := s.db.GetTenant(ctx, name)
		if err != nil {
			return notFound(err, "tenant", name)
		}
		receivers = append(receivers, t.ID)
	}
	if public {
		receivers = append(receivers, "")
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		if revoke && all {
			return q.UnshareObject(ctx, kind, id, "", true)
		}
		for _, r := range receivers {
			var err error
			if revoke {
				err = q.UnshareObject(ctx, kind, id, r, false)
			} else {
				err = q.ShareObject(ctx, model.Share{ObjectKind: kind, ObjectID: id, TenantID: r, CreatedAt: now()})
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// ListShares returns the shares the caller may see: of its tenant's
// objects, and those made to its tenant or to all.
func (s *Service) ListShares(ctx context.Context) ([]model.Share, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var out []model.Share
	for _, kind := range []string{"vm", "image"} {
		shares, err := s.db.ListShares(ctx, kind)
		if err != nil {
			return nil, err
		}
		for _, sh := range shares {
			if p.FullAccess() || sh.TenantID == p.TenantID || sh.Public() {
				out = append(out, sh)
				continue
			}
			if owner, err := s.shareOwnerTenant(ctx, sh); err == nil && owner == p.TenantID {
				out = append(out, sh)
			}
		}
	}
	return out, nil
}

func (s *Service) shareOwnerTenant(ctx context.Context, sh model.Share) (string, error) {
	if sh.ObjectKind == "vm" {
		vm, err := s.db.GetVM(ctx, sh.ObjectID)
		return vm.TenantID, err
	}
	img, err := s.db.GetImage(ctx, sh.ObjectID)
	return img.TenantID, err
}

// sharedWith returns a function reporting whether an object of a kind is
// shared with the caller's tenant; the shares are read once, on the
// first question.
func (s *Service) sharedWith(ctx context.Context, kind string) func(id string) bool {
	var set map[string]bool
	return func(id string) bool {
		if set == nil {
			set = map[string]bool{}
			p, _ := PrincipalFrom(ctx)
			shares, err := s.db.ListShares(ctx, kind)
			if err != nil {
				s.log.Warn("read shares", "kind", kind, "err", err)
			}
			for _, sh := range shares {
				if sh.Public() || sh.TenantID == p.TenantID {
					set[sh.ObjectID] = true
				}
			}
		}
		return set[id]
	}
}

// vmObject is what authorization knows of a VM, shares included.
func (s *Service) vmObject(ctx context.Context, vm model.VM) owned {
	shared := s.sharedWith(ctx, "vm")
	return vmObject(vm, func() bool { return shared(vm.ID) })
}

// imageObject is what authorization knows of an image, shares included.
func (s *Service) imageObject(ctx context.Context, img model.Image) owned {
	shared := s.sharedWith(ctx, "image")
	return imageObject(img, func() bool { return shared(img.ID) })
}
