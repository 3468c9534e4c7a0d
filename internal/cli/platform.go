package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
)

// addPlatformCommands adds the nouns of the platform's objects to the
// root, and the security policy to kumo vm.
func addPlatformCommands(g *globals, root *cobra.Command) {
	root.AddCommand(networkCmd(g), addressPoolCmd(g), storagePoolCmd(g), templateCmd(g), securityGroupCmd(g),
		userCmd(g), groupCmd(g), roleCmd(g))
	for _, c := range root.Commands() {
		if c.Name() == "vm" {
			c.AddCommand(vmSecurityPolicyCmd(g))
		}
	}
}

// readSecret returns given, or else a line read from standard input
// after a prompt on stderr (without echo on a terminal).
func readSecret(cmd *cobra.Command, g *globals, given, prompt string) (string, error) {
	if given != "" {
		return given, nil
	}
	return g.readPassword(cmd, prompt+": ")
}

// indexArg reads a rule index argument.
func indexArg(s string) (int, error) {
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 {
		return 0, fmt.Errorf("%q is not a rule index (0 for the first)", s)
	}
	return i, nil
}

// orDash shows an empty cell as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
