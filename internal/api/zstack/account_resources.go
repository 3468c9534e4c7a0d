package zstack

import (
	"context"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Account resource references: which account owns each VM and image the
// caller sees, their names, and owner changes.

type resourceRef struct {
	UUID         string `json:"uuid"`
	AccountUUID  string `json:"accountUuid"`
	OwnerAccount string `json:"ownerAccountUuid"`
	ResourceUUID string `json:"resourceUuid"`
	ResourceType string `json:"resourceType"`
	ResourceName string `json:"resourceName"`
	IsShared     bool   `json:"isShared"`
	CreateDate   string `json:"createDate"`
	LastOpDate   string `json:"lastOpDate"`
}

// ownerAccount is the uuid of the account owning an object: its
// tenant's, or for the platform's tenant the owner's when the owner is
// an admin (a SystemAdmin account) the caller may see.
func ownerAccount(admins map[string]string, tenantID, owner string) string {
	if id, ok := admins[owner]; ok && tenantID == model.DefaultTenantID {
		return id
	}
	return zid(tenantID)
}

// adminAccounts maps the names of the platform admins the caller sees to
// their account uuids.
func (s *Server) adminAccounts(ctx context.Context) map[string]string {
	out := map[string]string{}
	if !callerOf(ctx).admin() {
		return out
	}
	users, err := s.svc.ListUsers(ctx)
	if err != nil {
		return out
	}
	for _, u := range users {
		if u.Role == model.RoleAdmin {
			out[u.Name] = zid(u.ID)
		}
	}
	return out
}

// resourceRefs lists the VMs and images the caller sees with their
// owning accounts.
func (s *Server) resourceRefs(ctx context.Context) ([]resourceRef, error) {
	admins := s.adminAccounts(ctx)
	vms, err := s.svc.ListVMs(ctx)
	if err != nil && !model.IsCode(err, model.CodePermissionDenied) {
		return nil, err
	}
	var out []resourceRef
	for _, vm := range vms {
		acct := ownerAccount(admins, vm.TenantID, vm.Owner)
		out = append(out, resourceRef{UUID: zid(vm.ID), AccountUUID: acct, OwnerAccount: acct,
			ResourceUUID: zid(vm.ID), ResourceType: "VmInstanceVO", ResourceName: vm.Name,
			CreateDate: date(vm.CreatedAt), LastOpDate: date(vm.UpdatedAt)})
	}
	imgs, err := s.svc.ListImages(ctx)
	if err != nil {
		return nil, err
	}
	for _, img := range imgs {
		acct := ownerAccount(admins, img.TenantID, img.Owner)
		out = append(out, resourceRef{UUID: zid(img.ID), AccountUUID: acct, OwnerAccount: acct,
			ResourceUUID: zid(img.ID), ResourceType: "ImageVO", ResourceName: img.Name, CreateDate: date(img.CreatedAt),
			LastOpDate: date(img.CreatedAt)})
	}
	shares, err := s.svc.ListShares(ctx)
	if err != nil {
		return nil, err
	}
	shared := map[string]bool{}
	for _, sh := range shares {
		shared[zid(sh.ObjectID)] = true
	}
	for i := range out {
		out[i].IsShared = shared[out[i].ResourceUUID]
	}
	return out, nil
}

func (s *Server) resourceRef(ctx context.Context, uuid string) (resourceRef, error) {
	refs, err := s.resourceRefs(ctx)
	if err != nil {
		return resourceRef{}, err
	}
	for _, r := range refs {
		if r.ResourceUUID == zid(uuid) {
			return r, nil
		}
	}
	return resourceRef{}, model.NotFound("resource", uuid)
}

func (s *Server) queryAccountResourceRef(r *http.Request) (any, error) {
	refs, err := s.resourceRefs(r.Context())
	if err != nil {
		return nil, err
	}
	return queryReply(r, refs, func(ref resourceRef) string { return ref.UUID })
}

// getResourceNames is GET /resources/names?uuids=a&uuids=b.
func (s *Server) getResourceNames(r *http.Request) (any, error) {
	refs, err := s.resourceRefs(r.Context())
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, u := range r.URL.Query()["uuids"] {
		want[zid(u)] = true
	}
	out := []map[string]string{}
	for _, ref := range refs {
		if want[ref.ResourceUUID] {
			out = append(out, map[string]string{"uuid": ref.ResourceUUID, "resourceName": ref.ResourceName, "resourceType": ref.ResourceType})
		}
	}
	return map[string]any{"inventories": out}, nil
}

// changeResourceOwner is POST /account/{accountUuid}/resources: the VM
// becomes the account's (its tenant's admin owns it).
func (s *Server) changeResourceOwner(r *http.Request) (any, error) {
	var p struct {
		ResourceUUID string `json:"resourceUuid"`
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	ctx := r.Context()
	a, err := s.account(ctx, r.PathValue("accountUuid"))
	if err != nil {
		return nil, err
	}
	ref, err := s.resourceRef(ctx, p.ResourceUUID)
	if err != nil {
		return nil, err
	}
	if ref.ResourceType != "VmInstanceVO" {
		return nil, errNotSupported("changing the owner of a %s: Kumo changes owners of VM instances only", ref.ResourceType)
	}
	if _, err := s.svc.ChangeVMOwner(ctx, kumoID(ref.ResourceUUID), a.Name); err != nil {
		return nil, err
	}
	ref, err = s.resourceRef(ctx, p.ResourceUUID)
	return inventory(ref), err
}
