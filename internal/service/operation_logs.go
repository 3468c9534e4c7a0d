package service

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// The operation log is the audit trail of the platform: the API layers
// record every change a user makes (RecordOperation), and holders of the
// log menu read, add and delete entries.

// MaxLogContent bounds one entry's content.
const MaxLogContent = 4096

// logIDs makes entry ids: the UTC time to the microsecond as digits
// (like Nano's 201812011457390001), strictly increasing within this
// process so two entries never share an id.
var logIDs struct {
	sync.Mutex
	last time.Time
}

func nextLogTime() time.Time {
	logIDs.Lock()
	defer logIDs.Unlock()
	t := now().Truncate(time.Microsecond)
	if !t.After(logIDs.last) {
		t = logIDs.last.Add(time.Microsecond)
	}
	logIDs.last = t
	return t
}

func logID(t time.Time) string {
	return t.Format("20060102150405") + fmt.Sprintf("%06d", t.Nanosecond()/1000)
}

var logIDRE = regexp.MustCompile(`^[0-9]{14,20}$`)

// RecordOperation appends what the caller did to the operation log.
// Callers without a principal (logins) name the user in content.
func (s *Service) RecordOperation(ctx context.Context, address, content string) error {
	p, _ := PrincipalFrom(ctx)
	if utf8.RuneCountInString(content) > MaxLogContent {
		content = string([]rune(content)[:MaxLogContent])
	}
	var err error
	// Another controller may take the same microsecond: try the next ones.
	for attempt := 0; attempt < 3; attempt++ {
		t := nextLogTime()
		err = s.db.CreateOperationLog(ctx, model.OperationLog{ID: logID(t), Time: t, User: p.Name, Address: address, Content: content})
		if !errors.Is(err, store.ErrConflict) {
			break
		}
	}
	return err
}

// AddOperationLog adds an entry written by the caller (Nano's POST /logs/).
func (s *Service) AddOperationLog(ctx context.Context, address, content string) error {
	if err := Authorize(ctx, model.PermLogWrite); err != nil {
		return err
	}
	if content == "" {
		return model.FieldError("content", "is required")
	}
	if utf8.RuneCountInString(content) > MaxLogContent || !utf8.ValidString(content) {
		return model.FieldError("content", "must be valid UTF-8 of at most %d characters", MaxLogContent)
	}
	return s.RecordOperation(ctx, address, content)
}

// ListOperationLogs returns the entries the filter selects, newest first,
// and how many match in all. Outside the platform's tenant a caller sees
// the entries of its own tenant's users only.
func (s *Service) ListOperationLogs(ctx context.Context, f store.LogFilter) ([]model.OperationLog, int, error) {
	if err := Authorize(ctx, model.PermLogRead); err != nil {
		return nil, 0, err
	}
	if p, _ := PrincipalFrom(ctx); !p.FullAccess() && p.TenantKind != model.TenantPlatform {
		users, err := s.db.ListTenantUsers(ctx, p.TenantID)
		if err != nil {
			return nil, 0, err
		}
		f.Users = []string{}
		for _, u := range users {
			f.Users = append(f.Users, u.Name)
		}
	}
	if f.Limit < 0 || f.Offset < 0 {
		return nil, 0, model.FieldError("limit", "limit and start must not be negative")
	}
	if !f.After.IsZero() && !f.Before.IsZero() && !f.Before.After(f.After) {
		return nil, 0, model.FieldError("before", "must be later than after")
	}
	return s.db.ListOperationLogs(ctx, f)
}

// DeleteOperationLogs removes entries: all of them, or none if one does
// not exist.
func (s *Service) DeleteOperationLogs(ctx context.Context, ids []string) error {
	if err := requireLogAdmin(ctx); err != nil {
		return err
	}
	if len(ids) == 0 {
		return model.FieldError("entries", "is required: the ids of the entries to delete")
	}
	for _, id := range ids {
		if !logIDRE.MatchString(id) {
			return model.FieldError("entries", "%q is not a log entry id", id)
		}
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		for _, id := range dedupe(ids) {
			if err := q.DeleteOperationLog(ctx, id); err != nil {
				return notFound(err, "log entry", id)
			}
		}
		return nil
	})
}

// requireLogAdmin lets only the platform's own users delete entries: a
// tenant's members must not erase the trail of what they did.
func requireLogAdmin(ctx context.Context) error {
	if err := Authorize(ctx, model.PermLogWrite); err != nil {
		return err
	}
	if p, _ := PrincipalFrom(ctx); !p.FullAccess() && p.TenantKind != model.TenantPlatform {
		return model.Errorf(model.CodePermissionDenied, "user %s may not delete log entries: only the platform's users may", p.Name)
	}
	return nil
}
