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
		{[]string{"vm", "create", "a", "--image", "guest", "--memory", "0"}, 1, "", "--memory 0: must be at least 1.0 MiB"},
		{[]string{"vm", "create", "a", "--image", "guest", "--memory", "100K"}, 1, "", "--memory 100K: must be at least 1.0 MiB"},
		{[]string{"vm", "create", "a", "--image", "guest", "--cores", "0"}, 1, "", "--cores 0: a VM needs at least 1 core"},
		{[]string{"vm", "create", "a", "--image", "guest", "--disk", "ten"}, 1, "", `--disk: "ten" is not a size`},
		{[]string{"vm", "set", "a", "--memory", "0"}, 1, "", "--memory 0: must be at least 1.0 MiB"},
		{[]string{"vm", "disk", "lst"}, 1, "", `unknown command "lst" for "kumo vm disk"`},
		{[]string{"vm", "disk", "add", "a", "--size", "0"}, 1, "", "--size 0: must be at least 1.0 MiB"},
		{[]string{"vm", "port-forward", "add", "a", "70000", "22"}, 1, "", `host port "70000": a port is a number from 1 to 65535`},
		{[]string{"vm", "port-forward", "remove", "a", "22/sctp"}, 1, "", `host port "22/sctp": the protocol is tcp or udp`},
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
