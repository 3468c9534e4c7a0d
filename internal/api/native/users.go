package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func userToAPI(u model.User) api.User {
	return api.User{ID: u.ID, Name: u.Name, Role: u.Role, Tenant: u.TenantID, TenantAdmin: u.TenantAdmin, Nick: u.Nick, Mail: u.Mail,
		Description: u.Description, Groups: u.Groups, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func (s *Server) listUsers(r *http.Request) (any, error) {
	us, err := s.svc.ListUsers(ctx(r))
	if err != nil {
		return nil, err
	}
	out := make([]api.User, 0, len(us))
	for _, u := range us {
		out = append(out, userToAPI(u))
	}
	return out, nil
}

func (s *Server) createUser(r *http.Request) (any, error) {
	var req api.UsersPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	u, err := s.svc.CreateUser(ctx(r), service.CreateUserRequest{Name: req.Name, Password: req.Password, Role: req.Role, Tenant: req.Tenant,
		Info: service.UserInfo{Nick: req.Nick, Mail: req.Mail, Description: req.Description}, Groups: req.Groups})
	if err != nil {
		return nil, err
	}
	// With its groups, if the caller may read users; else as made.
	if full, err := s.svc.GetUser(ctx(r), u.Name); err == nil {
		u = full
	}
	return userToAPI(u), nil
}

func (s *Server) userByName(r *http.Request, name string) (any, error) {
	u, err := s.svc.GetUser(ctx(r), name)
	if err != nil {
		return nil, err
	}
	return userToAPI(u), nil
}

func (s *Server) getUser(r *http.Request) (any, error) { return s.userByName(r, r.PathValue("id")) }

func (s *Server) patchUser(r *http.Request) (any, error) {
	var req api.UserPatch
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	u, err := s.svc.GetUser(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	info := service.UserInfo{Nick: u.Nick, Mail: u.Mail, Description: u.Description}
	if req.Nick != nil {
		info.Nick = *req.Nick
	}
	if req.Mail != nil {
		info.Mail = *req.Mail
	}
	if req.Description != nil {
		info.Description = *req.Description
	}
	if err := s.svc.UpdateUserInfo(ctx(r), u.Name, info); err != nil {
		return nil, err
	}
	return s.userByName(r, u.Name)
}

func (s *Server) deleteUser(r *http.Request) (any, error) {
	return nil, s.svc.DeleteUser(ctx(r), r.PathValue("id"))
}

func (s *Server) putPassword(r *http.Request) (any, error) {
	var req api.PasswordPut
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if req.OldPassword != "" {
		return nil, s.svc.ChangePassword(ctx(r), r.PathValue("id"), req.OldPassword, req.Password)
	}
	return nil, s.svc.SetPassword(ctx(r), r.PathValue("id"), req.Password)
}

func (s *Server) listUserRoles(r *http.Request) (any, error) {
	rs, err := s.svc.UserRoles(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return rolesToAPI(rs), nil
}

func (s *Server) bindUserRole(unbind bool) func(r *http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		if unbind {
			return nil, s.svc.UnbindUserRole(ctx(r), r.PathValue("role"), r.PathValue("id"))
		}
		return nil, s.svc.BindUserRole(ctx(r), r.PathValue("role"), r.PathValue("id"))
	}
}
