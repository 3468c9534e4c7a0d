package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func vmGuestCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "guest", Short: "Act in a running VM's guest through its guest agent"}
	cmd.AddCommand(vmGuestPasswordCmd(g), vmGuestCredentialsCmd(g))
	return cmd
}

func credentialsTable(w *tabwriter.Writer, c api.GuestCredentials) {
	fmt.Fprintln(w, "USER\tPASSWORD")
	fmt.Fprintf(w, "%s\t%s\n", c.User, c.Password)
}

func vmGuestPasswordCmd(g *globals) *cobra.Command {
	var req api.GuestPasswordPut
	cmd := &cobra.Command{
		Use:   "password VM",
		Short: "Set a guest account's password (a random one unless --password is given; it is printed)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client().SetGuestPassword(cmd.Context(), args[0], req)
			if err != nil {
				return err
			}
			return g.print(c, func(w *tabwriter.Writer) { credentialsTable(w, c) })
		},
	}
	cmd.Flags().StringVar(&req.User, "user", "", "guest account (default: the cloud-init administrator, else root)")
	cmd.Flags().StringVar(&req.Password, "password", "", "the new password (default: a random one)")
	return cmd
}

func vmGuestCredentialsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "credentials VM",
		Short: "Show the guest account's credentials Kumo last set (or gave cloud-init)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client().GuestCredentials(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(c, func(w *tabwriter.Writer) { credentialsTable(w, c) })
		},
	}
}
