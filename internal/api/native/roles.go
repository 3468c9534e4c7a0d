package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func roleToAPI(r model.Role) api.Role {
	out := api.Role{ID: r.ID, Name: r.Name, Description: r.Description, Tenant: r.TenantID, Builtin: r.Builtin,
		Statements: make([]api.Statement, 0, len(r.Statements)), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	for _, st := range r.Statements {
		acts := st.Actions
		if acts == nil {
			acts = []string{}
		}
		out.Statements = append(out.Statements, api.Statement{Effect: string(st.Effect), Actions: acts})
	}
	return out
}

func rolesToAPI(rs []model.Role) []api.Role {
	out := make([]api.Role, 0, len(rs))
	for _, r := range rs {
		out = append(out, roleToAPI(r))
	}
	return out
}

func statementsOf(sts []api.Statement) []model.Statement {
	out := make([]model.Statement, 0, len(sts))
	for _, st := range sts {
		out = append(out, model.Statement{Effect: model.Effect(st.Effect), Actions: st.Actions})
	}
	return out
}

func (s *Server) listRoles(r *http.Request) (any, error) {
	all, err := boolQuery(r, "all")
	if err != nil {
		return nil, err
	}
	rs, err := s.svc.ListRoles(ctx(r), all)
	if err != nil {
		return nil, err
	}
	return rolesToAPI(rs), nil
}

func (s *Server) createRole(r *http.Request) (any, error) {
	var req api.RolesPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	role, err := s.svc.CreateRole(ctx(r), model.Role{Name: req.Name, Description: req.Description, Statements: statementsOf(req.Statements)})
	if err != nil {
		return nil, err
	}
	return roleToAPI(role), nil
}

func (s *Server) getRole(r *http.Request) (any, error) {
	role, err := s.svc.GetRole(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return roleToAPI(role), nil
}

func (s *Server) patchRole(r *http.Request) (any, error) {
	var req api.RolePatch
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	upd := service.RoleUpdate{Name: req.Name, Description: req.Description}
	if req.Statements != nil {
		sts := statementsOf(*req.Statements)
		upd.Statements = &sts
	}
	role, err := s.svc.UpdateRole(ctx(r), r.PathValue("id"), upd)
	if err != nil {
		return nil, err
	}
	return roleToAPI(role), nil
}

func (s *Server) deleteRole(r *http.Request) (any, error) {
	unbind, err := boolQuery(r, "unbind")
	if err != nil {
		return nil, err
	}
	return nil, s.svc.DeleteRole(ctx(r), r.PathValue("id"), unbind)
}
