// Package cli holds the kumo command line: the server and agent commands
// and the client subcommands of the native API.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/internal/version"
	"github.com/kumo-cloud/kumo/pkg/client"
)

// globals are the flags every client command shares.
type globals struct {
	server string
	token  string
	output string
	stdout io.Writer
	stderr io.Writer
}

// Execute runs the command line with the process's standard input and
// returns the exit code.
func Execute(args []string, stdout, stderr io.Writer) int {
	return ExecuteWithInput(args, os.Stdin, stdout, stderr)
}

// ExecuteWithInput is Execute reading standard input from stdin (as
// kumo vm console does).
func ExecuteWithInput(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "kumo",
		Short:         "Kumo: a private cloud of QEMU virtual machines",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version.String(),
		// A command that is only a group of subcommands (kumo, kumo vm)
		// refuses what it does not know instead of printing help and
		// exiting 0.
		Args: cobra.NoArgs,
		RunE: groupRun,
	}
	root.SetVersionTemplate("kumo {{.Version}}\n")
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&g.server, "server", "", "Kumo server URL (default: from 'kumo login', $KUMO_SERVER, or http://127.0.0.1:8080)")
	root.PersistentFlags().StringVar(&g.token, "token", "", "session token (default: from 'kumo login' or $KUMO_TOKEN)")
	root.PersistentFlags().StringVarP(&g.output, "output", "o", "table", "output format: table, json or yaml")
	root.AddCommand(serverCmd(g), agentCmd(g), loginCmd(g), logoutCmd(g), vmCmd(g), imageCmd(g), hostCmd(g), taskCmd(g), poolCmd(g), versionCmd(g),
		tenantCmd(g), priceCmd(g), scheduleCmd(g), ldapCmd(g), auditLogCmd(g))
	addPlatformCommands(g, root)
	for group, fn := range map[string]func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective){
		"vm": g.completeVMs, "image": g.completeImages, "host": g.completeHosts, "pool": g.completePools,
	} {
		if c, _, err := root.Find([]string{group}); err == nil && c != root {
			g.completeArgs(c, fn)
		}
	}
	refuseUnknownSubcommands(root)
	root.SetArgs(args)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "Error:", err)
		var ce *client.Error
		if errors.As(err, &ce) && ce.Field != "" {
			fmt.Fprintln(stderr, "Field:", ce.Field)
		}
		return 1
	}
	return 0
}

func versionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of this kumo binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(g.stdout, "kumo", version.String())
			return nil
		},
	}
}

// groupRun is what a group command (one with subcommands only) does when
// called alone or with an unknown subcommand: say so and fail.
func groupRun(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unknown command %q for %q; see '%s --help'", args[0], cmd.CommandPath(), cmd.CommandPath())
	}
	cmd.Help()
	return fmt.Errorf("%q needs a subcommand; see '%s --help'", cmd.CommandPath(), cmd.CommandPath())
}

// refuseUnknownSubcommands makes every group command under c fail on an
// unknown subcommand (cobra prints help and exits 0 for a command with
// no Run of its own).
func refuseUnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		if sub.HasSubCommands() && sub.Run == nil && sub.RunE == nil {
			sub.Args = cobra.ArbitraryArgs
			sub.RunE = groupRun
		}
		refuseUnknownSubcommands(sub)
	}
}

// config is what 'kumo login' remembers.
type config struct {
	Server string `json:"server"`
	Token  string `json:"token"`
}

func configPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "kumo", "config.json")
}

func loadConfig() config {
	var c config
	if raw, err := os.ReadFile(configPath()); err == nil {
		json.Unmarshal(raw, &c)
	}
	return c
}

func saveConfig(c config) error {
	if err := os.MkdirAll(filepath.Dir(configPath()), 0o700); err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(c, "", "  ")
	return os.WriteFile(configPath(), raw, 0o600)
}

// client returns an API client from flags, environment and saved config,
// in that order of precedence.
func (g *globals) client() *client.Client {
	c := loadConfig()
	server := firstNonEmpty(g.server, os.Getenv("KUMO_SERVER"), c.Server, "http://127.0.0.1:8080")
	token := firstNonEmpty(g.token, os.Getenv("KUMO_TOKEN"), c.Token)
	return client.New(server, token)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// print writes v as JSON, or calls table to print a human table.
func (g *globals) print(v any, table func(w *tabwriter.Writer)) error {
	switch g.output {
	case "json":
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "yaml":
		return writeYAML(g.stdout, v)
	case "table", "":
		w := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
		table(w)
		return w.Flush()
	}
	return fmt.Errorf("unknown output format %q: use table, json or yaml", g.output)
}

// parseSize reads sizes like 512, 512M, 10G, 1T into bytes; a bare number
// is taken in the given default unit.
func parseSize(given string, defaultUnit int64) (int64, error) {
	s := strings.TrimSpace(strings.ToUpper(given))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "IB"), "B")
	unit := defaultUnit
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'K':
			unit, s = 1<<10, s[:n-1]
		case 'M':
			unit, s = 1<<20, s[:n-1]
		case 'G':
			unit, s = 1<<30, s[:n-1]
		case 'T':
			unit, s = 1<<40, s[:n-1]
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a size (examples: 512M, 10G)", given)
	}
	return int64(v * float64(unit)), nil
}

// sizeFlag reads the size given to --name (a bare number in defaultUnit)
// and refuses what no VM can have: zero, or less than min bytes.
func sizeFlag(name, s string, defaultUnit, min int64) (int64, error) {
	b, err := parseSize(s, defaultUnit)
	if err != nil {
		return 0, fmt.Errorf("--%s: %w", name, err)
	}
	if b < min {
		return 0, fmt.Errorf("--%s %s: must be at least %s", name, s, humanBytes(min))
	}
	return b, nil
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
