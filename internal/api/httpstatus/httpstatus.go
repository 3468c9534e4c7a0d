// Package httpstatus maps Kumo's error codes to HTTP status codes, the
// mapping every HTTP API of Kumo shares (each dialect then writes the
// error in its own format).
package httpstatus

import (
	"errors"
	"log/slog"
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
	case model.CodePayloadTooLarge:
		return http.StatusRequestEntityTooLarge
	case model.CodeTooManyRequests:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// Message is the text of an error for a reply (model.PublicMessage).
func Message(err error) string { return model.PublicMessage(err) }

// LogFailure logs what a reply leaves out of a failed request: an
// internal failure as an error, and the cause of any other Kumo error
// (a BMC's socket error behind "does not answer") as a warning. Refusals
// without a cause are the caller's business and are not logged.
func LogFailure(log *slog.Logger, msg string, err error, attrs ...any) {
	var me *model.Error
	switch {
	case model.CodeOf(err) == model.CodeInternal:
		log.Error(msg, append(attrs, "err", err)...)
	case errors.As(err, &me) && me.Err != nil:
		log.Warn(msg, append(attrs, "code", me.Code, "err", err)...)
	}
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
