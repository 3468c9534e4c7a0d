// Package httpstatus maps Kumo's error codes to HTTP status codes, the
// mapping every HTTP API of Kumo shares (each dialect then writes the
// error in its own format).
package httpstatus

import (
	"errors"
	"net/http"

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
