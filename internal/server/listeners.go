package server

import (
	"net"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/httpguard"
)

// Every listener of `kumo server` is bounded the same way (see
// internal/httpguard): read, write and idle timeouts on each request,
// streaming handlers extending theirs while data flows, and a cap on
// the connections one source address holds at once.

// apiServer returns the hardened http.Server of an API listener.
func (s *Server) apiServer(h http.Handler) *http.Server {
	return httpguard.NewServer(h, s.cfg.Limits, s.log)
}

// guard caps a listener's concurrent connections per source address.
func (s *Server) guard(ln net.Listener) net.Listener {
	return httpguard.LimitPerSource(ln, s.cfg.Limits.WithDefaults().PerSource, s.log)
}
