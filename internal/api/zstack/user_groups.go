package zstack

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// ZStack user groups gather users of one account to share policies.
// They are not Nano's user groups (which grant menus), so they are kept
// as dialect objects.

const kindGroup = "group"

type groupInventory struct {
	UUID        string   `json:"uuid"`
	AccountUUID string   `json:"accountUuid"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	UserUUIDs   []string `json:"userUuids"`
	PolicyUUIDs []string `json:"policyUuids"`
	CreateDate  string   `json:"createDate"`
	LastOpDate  string   `json:"lastOpDate"`
}

func (g *groupInventory) removeUser(uuid string) bool {
	n := len(g.UserUUIDs)
	g.UserUUIDs = slices.DeleteFunc(g.UserUUIDs, func(u string) bool { return u == uuid })
	return len(g.UserUUIDs) != n
}

func (s *Server) groups(ctx context.Context) ([]groupInventory, error) {
	return listObjects[groupInventory](ctx, s, kindGroup)
}

func (s *Server) group(ctx context.Context, uuid string) (groupInventory, error) {
	var g groupInventory
	if err := s.svc.GetZStackObject(ctx, kindGroup, zid(uuid), &g); err != nil {
		return g, model.NotFound("user group", uuid)
	}
	return g, s.mayManage(ctx, g.AccountUUID, "user group "+g.Name)
}

func (s *Server) putGroup(ctx context.Context, g groupInventory) error {
	g.LastOpDate = date(time.Now())
	return s.svc.PutZStackObject(ctx, kindGroup, g.UUID, time.Now(), g)
}

func (s *Server) createUserGroup(r *http.Request) (any, error) {
	var p struct{ Name, Description string }
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	if p.Name == "" {
		return nil, model.FieldError("name", "is required")
	}
	t := date(time.Now())
	g := groupInventory{UUID: newUUID(), AccountUUID: callerOf(r.Context()).accountUUID, Name: p.Name, Description: p.Description,
		UserUUIDs: []string{}, PolicyUUIDs: []string{}, CreateDate: t, LastOpDate: t}
	return inventory(g), s.putGroup(r.Context(), g)
}

func (s *Server) deleteUserGroup(r *http.Request) (any, error) {
	g, err := s.group(r.Context(), r.PathValue("uuid"))
	if err != nil {
		return nil, err
	}
	return struct{}{}, s.svc.DeleteZStackObject(r.Context(), kindGroup, g.UUID)
}

func (s *Server) queryUserGroup(r *http.Request) (any, error) {
	all, err := s.groups(r.Context())
	if err != nil {
		return nil, err
	}
	c := callerOf(r.Context())
	var visible []groupInventory
	for _, g := range all {
		if c.admin() || g.AccountUUID == c.accountUUID {
			visible = append(visible, g)
		}
	}
	return queryReply(r, visible, func(g groupInventory) string { return g.UUID })
}

func (s *Server) updateUserGroup(r *http.Request) (any, error) {
	var p struct {
		UUID        string  `json:"uuid"`
		Name        *string `json:"name"`
		Description *string `json:"description"`
	}
	if err := body(r, "updateUserGroup", &p); err != nil {
		return nil, err
	}
	g, err := s.group(r.Context(), p.UUID)
	if err != nil {
		return nil, err
	}
	if p.Name != nil {
		g.Name = *p.Name
	}
	if p.Description != nil {
		g.Description = *p.Description
	}
	return inventory(g), s.putGroup(r.Context(), g)
}

func (s *Server) addUserToGroup(r *http.Request) (any, error) {
	var p struct {
		UserUUID string `json:"userUuid"`
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	g, err := s.group(r.Context(), r.PathValue("groupUuid"))
	if err != nil {
		return nil, err
	}
	u, err := s.user(r.Context(), p.UserUUID)
	if err != nil {
		return nil, err
	}
	if u.AccountUUID != g.AccountUUID {
		return nil, model.Errorf(model.CodeConflict, "user %s and group %s belong to different accounts", u.Name, g.Name)
	}
	if !slices.Contains(g.UserUUIDs, u.UUID) {
		g.UserUUIDs = append(g.UserUUIDs, u.UUID)
	}
	return struct{}{}, s.putGroup(r.Context(), g)
}

func (s *Server) removeUserFromGroup(r *http.Request) (any, error) {
	g, err := s.group(r.Context(), r.PathValue("groupUuid"))
	if err != nil {
		return nil, err
	}
	if !g.removeUser(zid(r.PathValue("userUuid"))) {
		return nil, model.NotFound("user in group "+g.Name, r.PathValue("userUuid"))
	}
	return struct{}{}, s.putGroup(r.Context(), g)
}

func (s *Server) attachPolicyToUserGroup(r *http.Request) (any, error) {
	var p struct {
		PolicyUUID string `json:"policyUuid"`
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	g, err := s.group(r.Context(), r.PathValue("groupUuid"))
	if err != nil {
		return nil, err
	}
	pol, err := s.policy(r.Context(), p.PolicyUUID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(g.PolicyUUIDs, pol.UUID) {
		g.PolicyUUIDs = append(g.PolicyUUIDs, pol.UUID)
	}
	return struct{}{}, s.putGroup(r.Context(), g)
}

// detachPolicy is DELETE /accounts/groups/{groupUuid}/policies/{policyUuid}.
// The document lists DetachPolicyFromUser under this same path, so the
// uuid is looked up as a group first, then as a user.
func (s *Server) detachPolicy(r *http.Request) (any, error) {
	ctx := r.Context()
	owner, policy := zid(r.PathValue("groupUuid")), zid(r.PathValue("policyUuid"))
	if g, err := s.group(ctx, owner); err == nil {
		n := len(g.PolicyUUIDs)
		g.PolicyUUIDs = slices.DeleteFunc(g.PolicyUUIDs, func(p string) bool { return p == policy })
		if n == len(g.PolicyUUIDs) {
			return nil, model.NotFound("policy of group "+g.Name, policy)
		}
		return struct{}{}, s.putGroup(ctx, g)
	} else if !model.IsCode(err, model.CodeNotFound) {
		return nil, err
	}
	return s.detachPoliciesFrom(ctx, owner, []string{policy})
}
