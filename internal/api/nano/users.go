package nano

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Nano calls its users "system administrators"; what each may do comes
// from its user group's roles.

type userInfo struct {
	Nick  string `json:"nick"`
	Mail  string `json:"mail"`
	Group string `json:"group"`
}

type userCreate struct {
	Nick     string `json:"nick"`
	Mail     string `json:"mail"`
	Password string `json:"password"`
}

type userModify struct {
	Nick *string `json:"nick"`
	Mail *string `json:"mail"`
}

type passwordChange struct {
	Old string `json:"old"`
	New string `json:"new"`
}

func userNames(users []model.User) []string {
	names := make([]string, 0, len(users))
	for _, u := range users {
		names = append(names, u.Name)
	}
	return names
}

func (s *Server) listUsers(r *http.Request) (reply, error) {
	users, err := s.svc.ListUsers(ctx(r))
	if err != nil {
		return reply{}, err
	}
	return ok(userNames(users))
}

func (s *Server) getUser(r *http.Request) (reply, error) {
	u, err := s.svc.GetUser(ctx(r), r.PathValue("user_name"))
	if err != nil {
		return reply{}, err
	}
	return ok(userInfo{Nick: u.Nick, Mail: u.Mail, Group: u.Group})
}

func (s *Server) createUser(r *http.Request) (reply, error) {
	var req userCreate
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	if req.Password == "" {
		return reply{}, model.FieldError("password", "is required")
	}
	_, err := s.svc.AddUser(ctx(r), r.PathValue("user_name"), req.Password, service.UserInfo{Nick: req.Nick, Mail: req.Mail})
	return done(err)
}

// modifyUser changes the fields the body has and leaves the others.
func (s *Server) modifyUser(r *http.Request) (reply, error) {
	var req userModify
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	name := r.PathValue("user_name")
	u, err := s.svc.GetUser(ctx(r), name)
	if err != nil {
		return reply{}, err
	}
	info := service.UserInfo{Nick: u.Nick, Mail: u.Mail}
	if req.Nick != nil {
		info.Nick = *req.Nick
	}
	if req.Mail != nil {
		info.Mail = *req.Mail
	}
	return done(s.svc.UpdateUserInfo(ctx(r), name, info))
}

func (s *Server) deleteUser(r *http.Request) (reply, error) {
	return done(s.svc.DeleteUser(ctx(r), r.PathValue("user_name")))
}

func (s *Server) changePassword(r *http.Request) (reply, error) {
	var req passwordChange
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	return done(s.svc.ChangePassword(ctx(r), r.PathValue("user_name"), req.Old, req.New))
}

// searchUsers answers GET /user_search/?group=NAME: the group's members,
// or every user without a group.
func (s *Server) searchUsers(r *http.Request) (reply, error) {
	names, err := s.svc.SearchUsers(ctx(r), r.URL.Query().Get("group"))
	if err != nil {
		return reply{}, err
	}
	return ok(names)
}
