package zstack

import (
	"context"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Resource sharing is the core's (service.ShareObject): a VM or image
// shared with accounts (tenants), or with all, is seen and used by them,
// not changed.

type sharedResourceInventory struct {
	OwnerAccountUUID    string `json:"ownerAccountUuid"`
	ReceiverAccountUUID string `json:"receiverAccountUuid,omitempty"`
	ToPublic            bool   `json:"toPublic"`
	ResourceType        string `json:"resourceType"`
	ResourceUUID        string `json:"resourceUuid"`
	CreateDate          string `json:"createDate"`
	LastOpDate          string `json:"lastOpDate"`
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
	if err := authorizeAPI(ctx, api, permissionOf(api)); err != nil {
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
	tenants := make([]string, 0, len(p.AccountUUIDs))
	for _, a := range p.AccountUUIDs {
		tenants = append(tenants, kumoID(zid(a)))
	}
	for _, id := range p.ResourceUUIDs {
		ref, err := s.resourceRef(ctx, id)
		if err != nil {
			return nil, err
		}
		kind := "vm"
		if ref.ResourceType == "ImageVO" {
			kind = "image"
		}
		if action == "shareResource" {
			err = s.svc.ShareObject(ctx, kind, kumoID(ref.ResourceUUID), tenants, p.ToPublic)
		} else {
			err = s.svc.UnshareObject(ctx, kind, kumoID(ref.ResourceUUID), tenants, p.ToPublic, p.All)
		}
		if err != nil {
			return nil, err
		}
	}
	return struct{}{}, nil
}

func (s *Server) sharedResources(ctx context.Context) ([]sharedResourceInventory, error) {
	shares, err := s.svc.ListShares(ctx)
	if err != nil {
		return nil, err
	}
	refs, err := s.resourceRefs(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]resourceRef{}
	for _, ref := range refs {
		byID[ref.ResourceUUID] = ref
	}
	out := []sharedResourceInventory{}
	for _, sh := range shares {
		inv := sharedResourceInventory{ResourceUUID: zid(sh.ObjectID), ResourceType: "VmInstanceVO", ToPublic: sh.Public(),
			CreateDate: date(sh.CreatedAt), LastOpDate: date(sh.CreatedAt)}
		if sh.ObjectKind == "image" {
			inv.ResourceType = "ImageVO"
		}
		if !sh.Public() {
			inv.ReceiverAccountUUID = zid(sh.TenantID)
		}
		if ref, ok := byID[inv.ResourceUUID]; ok {
			inv.OwnerAccountUUID = ref.AccountUUID
		}
		out = append(out, inv)
	}
	return out, nil
}

func (s *Server) querySharedResource(r *http.Request) (any, error) {
	all, err := s.sharedResources(r.Context())
	if err != nil {
		return nil, err
	}
	return queryReply(r, all, func(sh sharedResourceInventory) string { return sh.ResourceUUID })
}
