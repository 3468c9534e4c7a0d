package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestUnknownCommandsFail: a typo or a missing subcommand exits non-zero
// and says what was unknown, instead of printing help and exiting 0 (a
// script must see it failed); version answers both ways.
func TestUnknownCommandsFail(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"version"}, 0, "kumo ", ""},
		{[]string{"--version"}, 0, "kumo ", ""},
		{[]string{"nothing"}, 1, "", `unknown command "nothing" for "kumo"`},
		{[]string{"vm", "lst"}, 1, "", `unknown command "lst" for "kumo vm"`},
		{[]string{"vm"}, 1, "", `"kumo vm" needs a subcommand`},
		{[]string{"host", "frobnicate"}, 1, "", `unknown command "frobnicate" for "kumo host"`},
		{[]string{"server", "--log-format", "xml", "--data-dir", t.TempDir(), "--listen", "127.0.0.1:0"}, 1, "", `--log-format "xml": use text or json`},
	} {
		var out, errOut bytes.Buffer
		code := Execute(tc.args, &out, &errOut)
		if code != tc.code || !strings.HasPrefix(out.String(), tc.stdout) || !strings.Contains(errOut.String(), tc.stderr) {
			t.Errorf("kumo %s: exit %d, stdout %q, stderr %q; want exit %d, stdout starting %q, stderr with %q",
				strings.Join(tc.args, " "), code, out.String(), errOut.String(), tc.code, tc.stdout, tc.stderr)
		}
	}
}
