package cloudtower

import (
	"net/http"
	"strings"

	"github.com/kumo-cloud/kumo/internal/store"
)

// userAuditLog is CloudTower's UserAuditLog: an entry of Kumo's
// operation log (who changed what through an API, and how it ended).
type userAuditLog struct {
	ID        string  `json:"id"`
	Action    string  `json:"action"`
	Message   string  `json:"message"`
	Username  string  `json:"username"`
	IPAddress string  `json:"ip_address"`
	Status    string  `json:"status"`
	StartedAt *string `json:"started_at"`
	// The SDK's UserAuditLog requires createdAt (so spelt); the guide's
	// local_created_at is kept beside it.
	CreatedAt      string  `json:"createdAt"`
	LocalCreatedAt *string `json:"local_created_at"`
}

// getUserAuditLogs is /get-user-audit-logs.
func (s *Server) getUserAuditLogs(r *http.Request, body []byte) (any, error) {
	q, err := decodeList(body)
	if err != nil {
		return nil, err
	}
	logs, _, err := s.svc.ListOperationLogs(r.Context(), store.LogFilter{})
	if err != nil {
		return nil, err
	}
	all := make([]userAuditLog, 0, len(logs))
	for _, l := range logs {
		st := "SUCCESSED"
		if strings.Contains(l.Content, "(failed with ") {
			st = "FAILED"
		}
		action, _, _ := strings.Cut(strings.TrimPrefix(l.Content, l.User+" "), " (failed with ")
		all = append(all, userAuditLog{ID: l.ID, Action: action, Message: l.Content, Username: l.User, IPAddress: l.Address,
			Status: st, StartedAt: timestamp(l.Time), CreatedAt: str(timestamp(l.Time)), LocalCreatedAt: timestamp(l.Time)})
	}
	return list(q, all)
}

// systemAuditLog is CloudTower's SystemAuditLog: what the system did.
// In Kumo that is the task history: every long operation, who asked
// for it, and how it ended.
type systemAuditLog struct {
	ID           string  `json:"id"`
	LocalID      string  `json:"local_id"`
	Action       string  `json:"action"`
	Message      string  `json:"message"`
	Status       string  `json:"status"`
	ResourceID   string  `json:"resource_id"`
	ResourceType string  `json:"resource_type"`
	StartedAt    *string `json:"started_at"`
	FinishedAt   *string `json:"finished_at"`
	CreatedAt    *string `json:"local_created_at"`
}

// getSystemAuditLogs is /get-system-audit-logs.
func (s *Server) getSystemAuditLogs(r *http.Request, body []byte) (any, error) {
	q, err := decodeList(body)
	if err != nil {
		return nil, err
	}
	ts, err := s.svc.ListTasks(r.Context(), store.TaskFilter{})
	if err != nil {
		return nil, err
	}
	all := make([]systemAuditLog, 0, len(ts))
	for _, t := range ts {
		msg := t.Kind + " " + t.TargetType + " " + t.TargetID
		if t.Error != "" {
			msg += ": " + t.Error
		}
		all = append(all, systemAuditLog{ID: t.ID, LocalID: t.ID, Action: t.Kind, Message: msg, Status: taskStatus(t.State), ResourceID: t.TargetID,
			ResourceType: t.TargetType, StartedAt: timestamp(t.StartedAt), FinishedAt: timestamp(t.FinishedAt),
			CreatedAt: timestamp(t.CreatedAt)})
	}
	return list(q, all)
}

// str is a timestamp that the SDK requires, "" for none.
func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
