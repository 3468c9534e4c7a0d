package service

import (
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/internal/model"
)

func TestValidSnapshotName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"before-upgrade", true},
		{"v1.2_b", true},
		{"1a", true},
		{"123", false}, // qemu-img would read it as a snapshot number
		{"", false},
		{"a b", false},
		{"-x", false},
		{"x;quit", false},
		{strings.Repeat("a", 64), false},
	} {
		err := validSnapshotName("name", tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("%q: %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && !model.IsCode(err, model.CodeInvalidArgument) {
			t.Errorf("%q: code %s, want invalid_argument", tc.name, model.CodeOf(err))
		}
	}
}
