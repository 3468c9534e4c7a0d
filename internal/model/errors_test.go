package model

import (
	"errors"
	"fmt"
	"testing"
)

// TestPublicMessage checks what an API user is told of an error: a Kumo
// error's message without its cause, and nothing of an internal one.
func TestPublicMessage(t *testing.T) {
	cause := errors.New("qemu-img convert /var/lib/kumo/vms/x/root.qcow2: exit status 1")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&Error{Code: CodeConflict, Message: "the disk has snapshots", Err: cause}, "the disk has snapshots"},
		{fmt.Errorf("compact disk of VM x: %w", &Error{Code: CodeConflict, Message: "the disk has snapshots", Err: cause}), "the disk has snapshots"},
		{FieldError("cores", "must be positive"), "cores: must be positive"},
		{cause, InternalMessage},
		{fmt.Errorf("make disk: %w", cause), InternalMessage},
		{&Error{Code: CodeInternal, Message: "HTTP 502 from /agent/v1/vms", Err: cause}, InternalMessage},
		{&Error{Code: CodeUnavailable, Err: cause}, "unavailable"},
	} {
		if got := PublicMessage(tc.err); got != tc.want {
			t.Errorf("PublicMessage(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	// The cause stays in Error(), for logs.
	if e := (&Error{Code: CodeConflict, Message: "m", Err: cause}); e.Error() != "m: "+cause.Error() {
		t.Errorf("Error() = %q", e.Error())
	}
}
