package zstack

import (
	"context"
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Resource sharing, resource references and owner changes. Kumo's
// shareable resources are VMs and images; a share is recorded as a
// "share" object (<resource>:<account> or <resource>:public).

const kindShare = "share"

type sharedResourceInventory struct {
	OwnerAccountUUID    string `json:"ownerAccountUuid"`
	ReceiverAccountUUID string `json:"receiverAccountUuid,omitempty"`
	ToPublic            bool   `json:"toPublic"`
	ResourceType        string `json:"resourceType"`
	ResourceUUID        string `json:"resourceUuid"`
	CreateDate          string `json:"createDate"`
	LastOpDate          string `json:"lastOpDate"`
}

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

// shareOrRevoke serves PUT /accounts/resources/actions, where the
// document puts both ShareResource and RevokeResourceSharing.
func (s *Server) shareOrRevoke(r *http.Request) (any, error) {
	action, err := actionOf(r)
	if err != nil {
		return nil, err
	}
	var api string
	switch action {
	case "shareResource":
		api = "ShareResource"
	case "revokeResourceSharing":
		api = "RevokeResourceSharing"
	default:
		return nil, model.Errorf(model.CodeInvalidArgument, "unknown action %q: use shareResource or revokeResourceSharing", action)
	}
	ctx := r.Context()
	if err := s.checkPolicy(ctx, callerOf(ctx), api); err != nil {
		return nil, err
	}
	var p struct {
		ResourceUUIDs []string `json:"resourceUuids"`
		AccountUUIDs  []string `json:"accountUuids"`
		ToPublic      bool     `json:"toPublic"`
		All           bool     `json:"all"`
	}
	if err := body(r, action, &p); err != nil {
		return nil, err
	}
	if len(p.ResourceUUIDs) == 0 {
		return nil, model.FieldError("resourceUuids", "is required")
	}
	if action == "shareResource" && !p.ToPublic && len(p.AccountUUIDs) == 0 {
		return nil, model.FieldError("accountUuids", "is required unless toPublic is true")
	}
	for _, a := range p.AccountUUIDs {
		if _, err := s.account(ctx, a); err != nil {
			return nil, err
		}
	}
	receivers := p.AccountUUIDs
	if p.ToPublic {
		receivers = append(receivers, "public")
	}
	c := callerOf(ctx)
	for _, id := range p.ResourceUUIDs {
		ref, err := s.resourceRef(ctx, id)
		if err != nil {
			return nil, err
		}
		if !c.admin() && ref.AccountUUID != c.accountUUID {
			return nil, model.Errorf(model.CodePermissionDenied, "%s may not share %s of another account", c.Name, ref.ResourceName)
		}
		if action == "revokeResourceSharing" && p.All {
			shares, err := listObjects[sharedResourceInventory](ctx, s, kindShare)
			if err != nil {
				return nil, err
			}
			for _, sh := range shares {
				if sh.ResourceUUID == ref.ResourceUUID {
					receiver := sh.ReceiverAccountUUID
					if sh.ToPublic {
						receiver = "public"
					}
					s.svc.DeleteZStackObject(ctx, kindShare, ref.ResourceUUID+":"+receiver)
				}
			}
			continue
		}
		for _, a := range receivers {
			key := ref.ResourceUUID + ":" + zid(a)
			if action == "revokeResourceSharing" {
				if err := s.svc.DeleteZStackObject(ctx, kindShare, key); err != nil && !model.IsCode(err, model.CodeNotFound) {
					return nil, err
				}
				continue
			}
			t := date(time.Now())
			sh := sharedResourceInventory{OwnerAccountUUID: ref.AccountUUID, ResourceType: ref.ResourceType, ResourceUUID: ref.ResourceUUID,
				CreateDate: t, LastOpDate: t}
			if a == "public" {
				sh.ToPublic = true
			} else {
				sh.ReceiverAccountUUID = zid(a)
			}
			if err := s.svc.PutZStackObject(ctx, kindShare, key, time.Now(), sh); err != nil {
				return nil, err
			}
		}
	}
	return struct{}{}, nil
}

func (s *Server) querySharedResource(r *http.Request) (any, error) {
	shares, err := listObjects[sharedResourceInventory](r.Context(), s, kindShare)
	if err != nil {
		return nil, err
	}
	c := callerOf(r.Context())
	var visible []sharedResourceInventory
	for _, sh := range shares {
		if c.admin() || sh.OwnerAccountUUID == c.accountUUID || sh.ReceiverAccountUUID == c.accountUUID || sh.ToPublic {
			visible = append(visible, sh)
		}
	}
	return queryReply(r, visible, func(sh sharedResourceInventory) string { return sh.ResourceUUID })
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

// sharedWith returns the uuids of resources shared with an account,
// directly or publicly: queries show them to it besides its own.
func (s *Server) sharedWith(ctx context.Context, accountUUID string) (map[string]bool, error) {
	shares, err := listObjects[sharedResourceInventory](ctx, s, kindShare)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, sh := range shares {
		if sh.ToPublic || sh.ReceiverAccountUUID == accountUUID {
			out[sh.ResourceUUID] = true
		}
	}
	return out, nil
}
