package api

import "time"

// AuditEntry is one entry of the audit log: something a person or the
// platform did, such as a login that failed or a VM that crashed.
type AuditEntry struct {
	// ID is the entry's id.
	ID string `json:"id" example:"1764768582123456"`
	// Time is when it happened.
	Time time.Time `json:"time" example:"2026-12-03T13:09:42Z"`
	// User is who did it; empty for the platform itself.
	User string `json:"user" example:"admin"`
	// Address is where it came from: a client address, or "host NAME"
	// for what an agent observed.
	Address string `json:"address" example:"192.0.2.10"`
	// Content says what happened.
	Content string `json:"content" example:"VM web-1 crashed: QEMU was killed by signal 9 (killed); it will be restarted"`
}

// AuditLogFilter selects entries for GET /v1/audit-log, newest first.
type AuditLogFilter struct {
	// After keeps the entries at or after this time (RFC 3339).
	After string `query:"after" example:"2026-12-03T00:00:00Z"`
	// Before keeps the entries before this time (RFC 3339).
	Before string `query:"before" example:"2026-12-04T00:00:00Z"`
	// Limit is how many entries at most (default 100, at most 1000).
	Limit int `query:"limit" example:"50"`
	// Offset skips this many of the newest entries.
	Offset int `query:"offset" example:"0"`
}
