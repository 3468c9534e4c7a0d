package nano

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
)

// A Nano role is a named list of menus (permissions); user groups hold
// roles.

type roleBody struct {
	Menu *[]string `json:"menu"`
}

// menu returns the body's menus; the field is required, so an empty body
// is not read as "no permissions".
func (b roleBody) menu() ([]string, error) {
	if b.Menu == nil {
		return nil, model.FieldError("menu", "is required: a list of menus such as [\"dashboard\", \"instance\"]")
	}
	return kumoMenus(*b.Menu)
}

func (s *Server) listRoles(r *http.Request) (reply, error) {
	roles, err := s.svc.ListRoles(ctx(r), false)
	if err != nil {
		return reply{}, err
	}
	names := make([]string, 0, len(roles))
	for _, role := range roles {
		names = append(names, role.Name)
	}
	return ok(names)
}

func (s *Server) getRole(r *http.Request) (reply, error) {
	role, err := s.svc.GetRole(ctx(r), r.PathValue("role_name"))
	if err != nil {
		return reply{}, err
	}
	return ok(map[string][]string{"menu": portalMenus(role.Menus())})
}

func (s *Server) createRole(r *http.Request) (reply, error) {
	var req roleBody
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	menu, err := req.menu()
	if err != nil {
		return reply{}, err
	}
	_, err = s.svc.CreateMenuRole(ctx(r), r.PathValue("role_name"), menu)
	return done(err)
}

func (s *Server) modifyRole(r *http.Request) (reply, error) {
	var req roleBody
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	menu, err := req.menu()
	if err != nil {
		return reply{}, err
	}
	_, err = s.svc.SetRoleMenus(ctx(r), r.PathValue("role_name"), menu)
	return done(err)
}

func (s *Server) deleteRole(r *http.Request) (reply, error) {
	return done(s.svc.DeleteRole(ctx(r), r.PathValue("role_name"), false))
}
