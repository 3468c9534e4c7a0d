package zstack

import (
	"context"
	"net/http"
	"slices"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// ZStack user groups are the groups of an account's tenant: they gather
// its users to share policies (roles).

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

// groupID is the Kumo id of a ZStack group uuid.
func groupID(uuid string) string { return kumoID(zid(uuid)) }

func (s *Server) groupInventory(ctx context.Context, id string) (groupInventory, error) {
	g, err := s.svc.GetUserGroup(ctx, id)
	if err != nil {
		return groupInventory{}, err
	}
	inv := groupInventory{UUID: zid(g.ID), AccountUUID: zid(g.TenantID), Name: g.Name, Description: g.Description,
		UserUUIDs: []string{}, PolicyUUIDs: []string{}, CreateDate: date(g.CreatedAt), LastOpDate: date(later(g.CreatedAt, g.UpdatedAt))}
	for _, name := range g.Members {
		if u, err := s.svc.GetUser(ctx, name); err == nil {
			inv.UserUUIDs = append(inv.UserUUIDs, zid(u.ID))
		}
	}
	roles, err := s.svc.GroupRoleObjects(ctx, g.ID)
	for _, r := range roles {
		inv.PolicyUUIDs = append(inv.PolicyUUIDs, zid(r.ID))
	}
	return inv, err
}

func (s *Server) createUserGroup(r *http.Request) (any, error) {
	var p struct{ Name, Description string }
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	if p.Name == "" {
		return nil, model.FieldError("name", "is required")
	}
	g, err := s.svc.CreateUserGroup(r.Context(), model.UserGroup{Name: p.Name, Description: p.Description})
	if err != nil {
		return nil, err
	}
	inv, err := s.groupInventory(r.Context(), g.ID)
	return inventory(inv), err
}

// deleteUserGroup deletes a group with its members' memberships, as
// ZStack does.
func (s *Server) deleteUserGroup(r *http.Request) (any, error) {
	return struct{}{}, s.svc.DeleteUserGroup(r.Context(), groupID(r.PathValue("uuid")), true)
}

func (s *Server) queryUserGroup(r *http.Request) (any, error) {
	ctx := r.Context()
	groups, err := s.svc.ListUserGroups(ctx, true)
	if err != nil {
		return nil, err
	}
	out := []groupInventory{}
	for _, g := range groups {
		if g.TenantID == model.DefaultTenantID && g.Name == model.AdminGroupName {
			continue // the platform's built-in group, not an account's
		}
		inv, err := s.groupInventory(ctx, g.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return queryReply(r, out, func(g groupInventory) string { return g.UUID })
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
	g, err := s.svc.UpdateUserGroup(r.Context(), groupID(p.UUID), service.GroupUpdate{Name: p.Name, Description: p.Description})
	if err != nil {
		return nil, err
	}
	inv, err := s.groupInventory(r.Context(), g.ID)
	return inventory(inv), err
}

func (s *Server) addUserToGroup(r *http.Request) (any, error) {
	var p struct {
		UserUUID string `json:"userUuid"`
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	name, err := s.userName(r.Context(), p.UserUUID)
	if err != nil {
		return nil, err
	}
	g, err := s.svc.GetUserGroup(r.Context(), groupID(r.PathValue("groupUuid")))
	if err != nil {
		return nil, err
	}
	if slices.Contains(g.Members, name) {
		return struct{}{}, nil // already in it: no change, as ZStack answers
	}
	return struct{}{}, s.svc.AddGroupMember(r.Context(), g.ID, name)
}

func (s *Server) removeUserFromGroup(r *http.Request) (any, error) {
	name, err := s.userName(r.Context(), r.PathValue("userUuid"))
	if err != nil {
		return nil, err
	}
	return struct{}{}, s.svc.RemoveGroupMember(r.Context(), groupID(r.PathValue("groupUuid")), name)
}

func (s *Server) attachPolicyToUserGroup(r *http.Request) (any, error) {
	var p struct {
		PolicyUUID string `json:"policyUuid"`
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	return struct{}{}, s.svc.BindGroupRole(r.Context(), groupID(r.PathValue("groupUuid")), roleID(p.PolicyUUID))
}

// detachPolicy is DELETE /accounts/groups/{groupUuid}/policies/{policyUuid}.
// The document lists DetachPolicyFromUser under this same path, so the
// uuid is looked up as a group first, then as a user.
func (s *Server) detachPolicy(r *http.Request) (any, error) {
	ctx := r.Context()
	owner, policy := r.PathValue("groupUuid"), r.PathValue("policyUuid")
	if _, err := s.svc.GetUserGroup(ctx, groupID(owner)); err == nil {
		return struct{}{}, s.svc.UnbindGroupRole(ctx, groupID(owner), roleID(policy))
	} else if !model.IsCode(err, model.CodeNotFound) {
		return nil, err
	}
	return s.bindPolicies(ctx, owner, []string{policy}, true)
}
