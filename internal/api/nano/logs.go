package nano

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// The operation log: every change made through the API is recorded (see
// Server.record); holders of the log menu read, add and delete entries.

type logEntry struct {
	ID      string `json:"id"`
	Time    string `json:"time"`
	Content string `json:"content"`
}

type logList struct {
	Logs  []logEntry `json:"logs"`
	Total int        `json:"total"`
}

type logCreate struct {
	Format  string `json:"format"`
	Content string `json:"content"`
}

type logDelete struct {
	Entries []string `json:"entries"`
}

// Log queries without a limit get this many entries; the document marks
// limit as required, but the portal's first page should not fail for it.
const (
	defaultLogLimit = 100
	maxLogLimit     = 10000
)

// logFilter reads ?limit=&start=&after=&before=.
func logFilter(r *http.Request) (store.LogFilter, error) {
	q := r.URL.Query()
	f := store.LogFilter{Limit: defaultLogLimit}
	number := func(name string, dst *int) error {
		v := q.Get(name)
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return model.FieldError(name, "must be a whole number of at least 0, not %q", v)
		}
		*dst = n
		return nil
	}
	if err := number("limit", &f.Limit); err != nil {
		return f, err
	}
	if f.Limit == 0 || f.Limit > maxLogLimit {
		return f, model.FieldError("limit", "must be between 1 and %d", maxLogLimit)
	}
	if err := number("start", &f.Offset); err != nil {
		return f, err
	}
	var err error
	if f.After, err = logTime(q.Get("after"), "after"); err != nil {
		return f, err
	}
	f.Before, err = logTime(q.Get("before"), "before")
	return f, err
}

// logTime reads a date as the document writes times ("2018-12-01
// 14:57:39", local time), a bare date, or RFC 3339.
func logTime(v, name string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{timeFormat, "2006-01-02", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, v, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, model.FieldError(name, "%q is not a time like \"2018-12-01 14:57:39\" or \"2018-12-01\"", v)
}

func (s *Server) listLogs(r *http.Request) (reply, error) {
	f, err := logFilter(r)
	if err != nil {
		return reply{}, err
	}
	logs, total, err := s.svc.ListOperationLogs(ctx(r), f)
	if err != nil {
		return reply{}, err
	}
	out := logList{Logs: make([]logEntry, 0, len(logs)), Total: total}
	for _, l := range logs {
		out.Logs = append(out.Logs, logEntry{ID: l.ID, Time: l.Time.Local().Format(timeFormat), Content: l.Content})
	}
	return ok(out)
}

func (s *Server) addLog(r *http.Request) (reply, error) {
	var req logCreate
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	if req.Format != "" && req.Format != "string" {
		return reply{}, model.FieldError("format", "only \"string\" is supported, not %q", req.Format)
	}
	return done(s.svc.AddOperationLog(ctx(r), clientAddress(r), req.Content))
}

func (s *Server) deleteLogs(r *http.Request) (reply, error) {
	var req logDelete
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	return done(s.svc.DeleteOperationLogs(ctx(r), req.Entries))
}
