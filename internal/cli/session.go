package cli

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func loginCmd(g *globals) *cobra.Command {
	var user, password string
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Log in to a Kumo server and remember the session",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if password == "" {
				password = os.Getenv("KUMO_PASSWORD")
			}
			if password == "" {
				var err error
				if password, err = g.readPassword(cmd, "Password: "); err != nil {
					return err
				}
			}
			c := g.client()
			sess, err := c.Login(cmd.Context(), user, password)
			if err != nil {
				return err
			}
			if err := saveConfig(config{Server: c.BaseURL, Token: sess.Token}); err != nil {
				return err
			}
			return g.print(sess, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "Logged in to %s as %s (%s) until %s\n", c.BaseURL, sess.User, sess.Role, sess.ExpiresAt.Local().Format("2006-01-02 15:04"))
			})
		},
	}
	cmd.Flags().StringVarP(&user, "user", "u", "admin", "user name")
	cmd.Flags().StringVarP(&password, "password", "p", "", "password (default: $KUMO_PASSWORD or prompt)")
	return cmd
}

func logoutCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "End the session and forget it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c := g.client()
			err := c.Logout(cmd.Context())
			cfg := loadConfig()
			cfg.Token = ""
			if serr := saveConfig(cfg); err == nil {
				err = serr
			}
			return err
		},
	}
}

// readPassword prompts on stderr and reads a line: without echo from a
// terminal, as it comes from a pipe.
func (g *globals) readPassword(cmd *cobra.Command, prompt string) (string, error) {
	fmt.Fprint(g.stderr, prompt)
	if f, ok := terminal(cmd.InOrStdin()); ok {
		pw, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(g.stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		return string(pw), nil
	}
	line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
