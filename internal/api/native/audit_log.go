package native

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// listAuditLog serves GET /v1/audit-log: the service decides whose
// entries the caller sees.
func (s *Server) listAuditLog(r *http.Request) (any, error) {
	q := r.URL.Query()
	f := store.LogFilter{Limit: 100}
	for _, t := range []struct {
		name string
		into *time.Time
	}{{"after", &f.After}, {"before", &f.Before}} {
		if v := q.Get(t.name); v != "" {
			parsed, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return nil, model.FieldError(t.name, "%q is not an RFC 3339 time like 2026-12-01T00:00:00Z", v)
			}
			*t.into = parsed.UTC()
		}
	}
	for _, n := range []struct {
		name string
		into *int
		max  int
	}{{"limit", &f.Limit, 1000}, {"offset", &f.Offset, 1 << 30}} {
		if v := q.Get(n.name); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i < 0 || i > n.max {
				return nil, model.FieldError(n.name, "must be a whole number from 0 to %d", n.max)
			}
			*n.into = i
		}
	}
	logs, _, err := s.svc.ListOperationLogs(ctx(r), f)
	if err != nil {
		return nil, err
	}
	out := make([]api.AuditEntry, 0, len(logs))
	for _, l := range logs {
		out = append(out, api.AuditEntry{ID: l.ID, Time: l.Time, User: l.User, Address: l.Address, Content: l.Content})
	}
	return out, nil
}
