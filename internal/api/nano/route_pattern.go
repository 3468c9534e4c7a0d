package nano

import "net/http"

// RoutePattern is the pattern of the route r takes ("" for none): what
// /metrics counts requests by, so that its labels stay few whatever
// paths are asked for.
func (s *Server) RoutePattern(r *http.Request) string {
	_, pattern := s.mux.Handler(r)
	return pattern
}
