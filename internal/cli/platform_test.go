package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestPlatformCommandsRefuseUnknown: the platform's nouns and their
// groups of subcommands fail on what they do not know.
func TestPlatformCommandsRefuseUnknown(t *testing.T) {
	for _, args := range [][]string{
		{"network", "lst"}, {"address-pool", "range", "lst"}, {"storage-pool", "x"}, {"template", "x"},
		{"security-group", "rule", "x"}, {"vm", "security-policy", "x"}, {"vm", "security-policy", "rule", "x"},
		{"user", "x"}, {"group", "member", "x"}, {"group", "visibility", "x"}, {"role", "x"},
	} {
		var out, errOut bytes.Buffer
		if code := Execute(args, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), `unknown command "`+args[len(args)-1]+`"`) {
			t.Errorf("kumo %s: exit %d, stderr %q", strings.Join(args, " "), code, errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := Execute([]string{"security-group", "rule", "remove", "web", "first"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "not a rule index") {
		t.Errorf("a rule index that is no number: exit %d, stderr %q", code, errOut.String())
	}
}
