package zstack

import (
	"context"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Account resource references: which account owns each VM and image,
// their names, and owner changes.

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

// resourceRefs lists every VM and image with its owning account.
func (s *Server) resourceRefs(ctx context.Context) ([]resourceRef, error) {
	owners, err := s.ownerAccounts(ctx)
	if err != nil {
		return nil, err
	}
	sys := asSystem(ctx)
	vms, err := s.svc.ListVMs(sys)
	if err != nil {
		return nil, err
	}
	var out []resourceRef
	for _, vm := range vms {
		out = append(out, resourceRef{UUID: zid(vm.ID), AccountUUID: owners[vm.Owner], OwnerAccount: owners[vm.Owner],
			ResourceUUID: zid(vm.ID), ResourceType: "VmInstanceVO", ResourceName: vm.Name,
			CreateDate: date(vm.CreatedAt), LastOpDate: date(vm.UpdatedAt)})
	}
	imgs, err := s.svc.ListImages(sys)
	if err != nil {
		return nil, err
	}
	for _, img := range imgs {
		out = append(out, resourceRef{UUID: zid(img.ID), AccountUUID: owners[img.Owner], OwnerAccount: owners[img.Owner],
			ResourceUUID: zid(img.ID), ResourceType: "ImageVO", ResourceName: img.Name, CreateDate: date(img.CreatedAt),
			LastOpDate: date(img.CreatedAt)})
	}
	shares, err := listObjects[sharedResourceInventory](ctx, s, kindShare)
	if err != nil {
		return nil, err
	}
	shared := map[string]bool{}
	for _, sh := range shares {
		shared[sh.ResourceUUID] = true
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
	c := callerOf(r.Context())
	var visible []resourceRef
	for _, ref := range refs {
		if c.admin() || ref.AccountUUID == c.accountUUID {
			visible = append(visible, ref)
		}
	}
	return queryReply(r, visible, func(ref resourceRef) string { return ref.UUID })
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
	c := callerOf(r.Context())
	out := []map[string]string{}
	for _, ref := range refs {
		if want[ref.ResourceUUID] && (c.admin() || ref.AccountUUID == c.accountUUID) {
			out = append(out, map[string]string{"uuid": ref.ResourceUUID, "resourceName": ref.ResourceName, "resourceType": ref.ResourceType})
		}
	}
	return map[string]any{"inventories": out}, nil
}

// changeResourceOwner is POST /account/{accountUuid}/resources: the VM
// becomes the account's (the Kumo user of the account owns it).
func (s *Server) changeResourceOwner(r *http.Request) (any, error) {
	var p struct {
		ResourceUUID string `json:"resourceUuid"`
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	ctx := r.Context()
	if err := requireAdmin(ctx, "change resource owners"); err != nil {
		return nil, err
	}
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
