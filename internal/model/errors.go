package model

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrorCode classifies a failure so every API dialect can map it to its own
// status code and error format.
type ErrorCode string

// Error codes shared by all layers.
const (
	CodeInvalidArgument      ErrorCode = "invalid_argument"
	CodeNotFound             ErrorCode = "not_found"
	CodeConflict             ErrorCode = "conflict"
	CodeUnauthenticated      ErrorCode = "unauthenticated"
	CodePermissionDenied     ErrorCode = "permission_denied"
	CodeQuotaExceeded        ErrorCode = "quota_exceeded"
	CodeInsufficientCapacity ErrorCode = "insufficient_capacity"
	CodeUnavailable          ErrorCode = "unavailable"
	// CodeTooManyRequests refuses an attempt made too soon after too
	// many failed ones (logins); the error's RetryAfter says when.
	CodeTooManyRequests ErrorCode = "too_many_requests"
	// CodeNotImplemented is a feature of a dialect Kumo does not have.
	CodeNotImplemented ErrorCode = "not_implemented"
	// CodePayloadTooLarge is a request body over its route's limit.
	CodePayloadTooLarge ErrorCode = "payload_too_large"
	CodeInternal        ErrorCode = "internal"
)

// Error is a failure with a code, a message meant for the API user, and
// optionally the request field at fault. Error() includes the cause, for
// logs; replies show only Message (see PublicMessage).
type Error struct {
	Code    ErrorCode
	Message string
	Field   string
	Err     error // the underlying cause, not shown to API users
	// RetryAfter, when set, is how long the caller should wait before
	// trying again (HTTP dialects send it as Retry-After).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an *Error with a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError makes an invalid_argument error about one request field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalidArgument, Field: field, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// NotFound reports that the object of the given kind and key does not exist.
func NotFound(kind, key string) *Error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf("%s %q not found", kind, key)}
}

// CodeOf returns the code of err, CodeInternal for errors without one.
func CodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code ErrorCode) bool { return err != nil && CodeOf(err) == code }

// InternalMessage is all an API user is told of an internal failure: its
// text may name host paths, commands or Go types, so it goes to the log.
const InternalMessage = "internal error (the server's log has the details)"

// PublicMessage is the text of err for an API user: a Kumo error's own
// message without its cause (which may name host paths or commands), and
// for an internal failure, code internal or no code at all, only that
// it happened. The caller logs err itself where it needs the details.
func PublicMessage(err error) string {
	var e *Error
	if !errors.As(err, &e) || e.Code == CodeInternal {
		return InternalMessage
	}
	if e.Message == "" {
		return strings.ReplaceAll(string(e.Code), "_", " ")
	}
	return e.Message
}

// RetryAfterOf returns how long err asks the caller to wait, 0 if it
// does not.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
