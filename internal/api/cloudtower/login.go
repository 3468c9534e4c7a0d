package cloudtower

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Source   string `json:"source"`
}

type loginToken struct {
	Token string `json:"token"`
}

// login is /login: a Kumo session whose token goes, as it is, into the
// Authorization header of later calls. Only LOCAL users exist in Kumo.
func (s *Server) login(r *http.Request, body []byte) (any, error) {
	var req loginRequest
	if err := decodeStrict(body, &req); err != nil {
		return nil, err
	}
	switch {
	case req.Username == "":
		return nil, model.FieldError("username", "is required")
	case req.Password == "":
		return nil, model.FieldError("password", "is required")
	case req.Source == "":
		return nil, model.FieldError("source", "is required (LOCAL)")
	case req.Source != "LOCAL":
		return nil, errRefused("source " + req.Source + ": Kumo has only LOCAL users")
	}
	token, _, err := s.svc.Login(r.Context(), req.Username, req.Password)
	if err != nil {
		return nil, err
	}
	return withTask[loginToken]{nil, loginToken{token}}, nil
}
