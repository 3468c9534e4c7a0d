package nano

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// A Nano user group holds roles and members; a member gets the menus of
// the group's roles and shares resources as the group's visibility says.

type userGroupSummary struct {
	Name    string `json:"name"`
	Display string `json:"display"`
	Member  int    `json:"member"`
}

type userGroupDetail struct {
	Name    string   `json:"name"`
	Display string   `json:"display"`
	Role    []string `json:"role"`
	Member  []string `json:"member"`
}

type userGroupBody struct {
	Display *string   `json:"display"`
	Role    *[]string `json:"role"`
}

func (s *Server) listUserGroups(r *http.Request) (reply, error) {
	groups, err := s.svc.ListUserGroups(ctx(r), false)
	if err != nil {
		return reply{}, err
	}
	out := make([]userGroupSummary, 0, len(groups))
	for _, g := range groups {
		out = append(out, userGroupSummary{Name: g.Name, Display: g.Display, Member: g.MemberCount})
	}
	return ok(out)
}

func (s *Server) getUserGroup(r *http.Request) (reply, error) {
	g, err := s.svc.GetUserGroup(ctx(r), r.PathValue("group_name"))
	if err != nil {
		return reply{}, err
	}
	return ok(userGroupDetail{Name: g.Name, Display: g.Display, Role: g.Roles, Member: g.Members})
}

func (s *Server) createUserGroup(r *http.Request) (reply, error) {
	var req userGroupBody
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	g := model.UserGroup{Name: r.PathValue("group_name")}
	if req.Display != nil {
		g.Display = *req.Display
	}
	if req.Role != nil {
		g.Roles = *req.Role
	}
	_, err := s.svc.CreateUserGroup(ctx(r), g)
	return done(err)
}

// modifyUserGroup changes the fields the body has and leaves the others.
func (s *Server) modifyUserGroup(r *http.Request) (reply, error) {
	var req userGroupBody
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	_, err := s.svc.UpdateUserGroup(ctx(r), r.PathValue("group_name"), service.GroupUpdate{Display: req.Display, Roles: req.Role})
	return done(err)
}

func (s *Server) deleteUserGroup(r *http.Request) (reply, error) {
	return done(s.svc.DeleteUserGroup(ctx(r), r.PathValue("group_name"), false))
}

// listGroupMembers answers GET /user_groups/members/?group=NAME. The
// document gives the path no parameter although it "queries the members
// of the given group"; the group is taken from the query, as user_search
// does.
// The portal and the FrontEnd name the group in the path:
// /user_groups/{group_name}/members/.
func (s *Server) listGroupMembers(r *http.Request) (reply, error) {
	group := firstOf(r.PathValue("group_name"), r.URL.Query().Get("group"))
	if group == "" {
		return reply{}, model.FieldError("group", "query parameter is required: /user_groups/members/?group=NAME")
	}
	members, err := s.svc.GroupMembers(ctx(r), group)
	if err != nil {
		return reply{}, err
	}
	return ok(members)
}

func (s *Server) addGroupMember(r *http.Request) (reply, error) {
	return done(s.svc.AddGroupMember(ctx(r), r.PathValue("group_name"), r.PathValue("user_name")))
}

func (s *Server) removeGroupMember(r *http.Request) (reply, error) {
	return done(s.svc.RemoveGroupMember(ctx(r), r.PathValue("group_name"), r.PathValue("user_name")))
}
