// Package httpstatus maps Kumo's error codes to HTTP status codes, the
// mapping every HTTP API of Kumo shares (each dialect then writes the
// error in its own format).
package httpstatus

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Of returns the HTTP status for an error code.
func Of(code model.ErrorCode) int {
	switch code {
	case model.CodeInvalidArgument:
		return http.StatusBadRequest
	case model.CodeUnauthenticated:
		return http.StatusUnauthorized
	case model.CodePermissionDenied, model.CodeQuotaExceeded:
		return http.StatusForbidden
	case model.CodeNotFound:
		return http.StatusNotFound
	case model.CodeConflict, model.CodeInsufficientCapacity:
		return http.StatusConflict
	case model.CodeUnavailable:
		return http.StatusServiceUnavailable
	case model.CodeNotImplemented:
		return http.StatusNotImplemented
	case model.CodeTooManyRequests:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// Message is the text of an error for a reply: a Kumo error's own
// message, anything else marked as internal.
func Message(err error) string {
	var me *model.Error
	if errors.As(err, &me) {
		return err.Error()
	}
	return "internal error: " + err.Error()
}

// SetRetryAfter sets the Retry-After header (whole seconds, rounded up)
// of a reply to an error that asks the caller to wait.
func SetRetryAfter(w http.ResponseWriter, err error) {
	d := model.RetryAfterOf(err)
	if d <= 0 {
		return
	}
	secs := int64((d + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
}
