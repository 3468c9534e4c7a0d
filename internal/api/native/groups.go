package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func groupToAPI(g model.UserGroup) api.Group {
	out := api.Group{ID: g.ID, Name: g.Name, Display: g.Display, Description: g.Description, Tenant: g.TenantID, Roles: g.Roles,
		Members: g.Members, MemberCount: g.MemberCount, Visibility: visibilityToAPI(g.Visibility), CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
	if out.Roles == nil {
		out.Roles = []string{}
	}
	if out.Members == nil {
		out.Members = []string{}
	} else {
		out.MemberCount = len(out.Members)
	}
	return out
}

func (s *Server) listGroups(r *http.Request) (any, error) {
	all, err := boolQuery(r, "all")
	if err != nil {
		return nil, err
	}
	gs, err := s.svc.ListUserGroups(ctx(r), all)
	if err != nil {
		return nil, err
	}
	out := make([]api.Group, 0, len(gs))
	for _, g := range gs {
		out = append(out, groupToAPI(g))
	}
	return out, nil
}

func (s *Server) createGroup(r *http.Request) (any, error) {
	var req api.GroupsPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	g, err := s.svc.CreateUserGroup(ctx(r), model.UserGroup{Name: req.Name, Display: req.Display, Description: req.Description, Roles: req.Roles})
	if err != nil {
		return nil, err
	}
	// With its members, if the caller may read groups; else as changed.
	if full, err := s.svc.GetUserGroup(ctx(r), g.ID); err == nil {
		g = full
	}
	return groupToAPI(g), nil
}

func (s *Server) groupByName(r *http.Request, idOrName string) (any, error) {
	g, err := s.svc.GetUserGroup(ctx(r), idOrName)
	if err != nil {
		return nil, err
	}
	return groupToAPI(g), nil
}

func (s *Server) getGroup(r *http.Request) (any, error) { return s.groupByName(r, r.PathValue("id")) }

func (s *Server) patchGroup(r *http.Request) (any, error) {
	var req api.GroupPatch
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	g, err := s.svc.UpdateUserGroup(ctx(r), r.PathValue("id"), service.GroupUpdate{Name: req.Name, Display: req.Display,
		Description: req.Description, Roles: req.Roles})
	if err != nil {
		return nil, err
	}
	// With its members, if the caller may read groups; else as changed.
	if full, err := s.svc.GetUserGroup(ctx(r), g.ID); err == nil {
		g = full
	}
	return groupToAPI(g), nil
}

func (s *Server) deleteGroup(r *http.Request) (any, error) {
	force, err := boolQuery(r, "force")
	if err != nil {
		return nil, err
	}
	return nil, s.svc.DeleteUserGroup(ctx(r), r.PathValue("id"), force)
}

func (s *Server) listGroupMembers(r *http.Request) (any, error) {
	ms, err := s.svc.GroupMembers(ctx(r), r.PathValue("id"))
	if ms == nil {
		ms = []string{}
	}
	return ms, err
}

func (s *Server) groupMember(remove bool) func(r *http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		if remove {
			return nil, s.svc.RemoveGroupMember(ctx(r), r.PathValue("id"), r.PathValue("user"))
		}
		return nil, s.svc.AddGroupMember(ctx(r), r.PathValue("id"), r.PathValue("user"))
	}
}

func visibilityToAPI(v model.Visibility) api.Visibility {
	return api.Visibility{Instances: v.Instances, DiskImages: v.DiskImages, MediaImages: v.MediaImages}
}

func (s *Server) getVisibility(r *http.Request) (any, error) {
	v, err := s.svc.GetVisibility(ctx(r))
	if err != nil {
		return nil, err
	}
	return visibilityToAPI(v), nil
}

func (s *Server) putVisibility(r *http.Request) (any, error) {
	var req api.Visibility
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if err := s.svc.SetVisibility(ctx(r), model.Visibility{Instances: req.Instances, DiskImages: req.DiskImages, MediaImages: req.MediaImages}); err != nil {
		return nil, err
	}
	return s.getVisibility(r)
}
