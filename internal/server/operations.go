package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/metrics"
	"github.com/kumo-cloud/kumo/internal/service"
)

// operations adds the endpoints of whoever runs Kumo, beside /v1 on the
// API listener:
//   - GET /healthz: 200 while the process serves HTTP (a liveness probe);
//   - GET /readyz: 200 once every API serves and the database answers,
//     503 with the reason otherwise (a readiness probe, a load balancer);
//   - GET /metrics: Prometheus metrics, for a session token with
//     host:read unless --metrics-public.
func (s *Server) operations(mux *http.ServeMux, m *metrics.Metrics) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		plain(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !s.ready.Load() {
			plain(w, http.StatusServiceUnavailable, "not ready: starting or stopping")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.db.Ping(ctx); err != nil {
			s.log.Warn("readiness: the database does not answer", "err", err)
			plain(w, http.StatusServiceUnavailable, "not ready: the database does not answer")
			return
		}
		plain(w, http.StatusOK, "ready")
	})
	scrape := m.Handler()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if !s.cfg.MetricsPublic {
			token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			p, _, err := s.svc.Authenticate(r.Context(), strings.TrimSpace(token))
			if err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="kumo"`)
				plain(w, http.StatusUnauthorized, "metrics need a session token with host:read (Authorization: Bearer TOKEN), or a server started with --metrics-public")
				return
			}
			if err := s.svc.AuthorizeMetrics(service.WithPrincipal(r.Context(), p)); err != nil {
				plain(w, http.StatusForbidden, "metrics need the host:read permission")
				return
			}
		}
		scrape.ServeHTTP(w, r)
	})
}

func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(msg + "\n"))
}
