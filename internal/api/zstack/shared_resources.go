package zstack

import (
	"context"
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Resource sharing. Kumo's shareable resources are VMs and images
// (account_resources.go); a share is recorded as a "share" object
// (<resource>:<account> or <resource>:public), and queries of VMs and
// images show shared ones to the receiving accounts.

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
