package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// shareObject returns the handler sharing an object of a kind ("vm" or
// "image") named by the path's id.
func (s *Server) shareObject(kind string) func(r *http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		var req api.SharesPost
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return nil, s.svc.ShareObject(ctx(r), kind, r.PathValue("id"), req.Tenants, req.Public)
	}
}

// unshareObject returns the handler revoking shares of an object.
func (s *Server) unshareObject(kind string) func(r *http.Request) (any, error) {
	return func(r *http.Request) (any, error) {
		var req api.SharesDelete
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return nil, s.svc.UnshareObject(ctx(r), kind, r.PathValue("id"), req.Tenants, req.Public, req.All)
	}
}
