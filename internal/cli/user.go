package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func userTable(w *tabwriter.Writer, us ...api.User) {
	fmt.Fprintln(w, "NAME\tROLE\tTENANT\tNICK\tMAIL\tGROUPS")
	for _, u := range us {
		role := u.Role
		if u.TenantAdmin {
			role += " (tenant admin)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, role, u.Tenant, orDash(u.Nick), orDash(u.Mail), orDash(strings.Join(u.Groups, ",")))
	}
}

func userCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users"}
	var req api.UsersPost
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a user (the password is asked for unless --password is given)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Name = args[0]
			var err error
			if req.Password, err = readSecret(cmd, g, req.Password, "Password"); err != nil {
				return err
			}
			u, err := g.client().CreateUser(cmd.Context(), req)
			if err != nil {
				return err
			}
			return g.print(u, func(w *tabwriter.Writer) { userTable(w, u) })
		},
	}
	create.Flags().StringVarP(&req.Password, "password", "p", "", "password, at least 8 characters (default: prompt)")
	create.Flags().StringVar(&req.Role, "role", "", "user (default) or admin")
	create.Flags().StringVar(&req.Tenant, "tenant", "", "tenant (default: yours)")
	create.Flags().StringSliceVar(&req.Groups, "group", nil, "user groups to join (repeat or comma-separate)")
	create.Flags().StringVar(&req.Nick, "nick", "", "display name")
	create.Flags().StringVar(&req.Mail, "mail", "", "mail address")
	create.Flags().StringVar(&req.Description, "description", "", "free text")

	var nick, mail, description string
	set := &cobra.Command{
		Use:   "set NAME [--nick TEXT] [--mail ADDRESS] [--description TEXT]",
		Short: "Change a user's profile",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var patch api.UserPatch
			if cmd.Flags().Changed("nick") {
				patch.Nick = &nick
			}
			if cmd.Flags().Changed("mail") {
				patch.Mail = &mail
			}
			if cmd.Flags().Changed("description") {
				patch.Description = &description
			}
			u, err := g.client().UpdateUser(cmd.Context(), args[0], patch)
			if err != nil {
				return err
			}
			return g.print(u, func(w *tabwriter.Writer) { userTable(w, u) })
		},
	}
	set.Flags().StringVar(&nick, "nick", "", "display name")
	set.Flags().StringVar(&mail, "mail", "", "mail address")
	set.Flags().StringVar(&description, "description", "", "free text")

	var pw api.PasswordPut
	passwd := &cobra.Command{
		Use:   "passwd NAME",
		Short: "Set a user's password (asked for unless --password is given; its other sessions end)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if pw.Password, err = readSecret(cmd, g, pw.Password, "New password"); err != nil {
				return err
			}
			return g.client().SetUserPassword(cmd.Context(), args[0], pw)
		},
	}
	passwd.Flags().StringVarP(&pw.Password, "password", "p", "", "the new password (default: prompt)")
	passwd.Flags().StringVar(&pw.OldPassword, "old", "", "the current password, checked if given")

	cmd.AddCommand(create, set, passwd, &cobra.Command{
		Use:   "list",
		Short: "List the users you manage",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			us, err := g.client().Users(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(us, func(w *tabwriter.Writer) { userTable(w, us...) })
		},
	}, &cobra.Command{
		Use:   "show NAME",
		Short: "Show a user and the roles bound to it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := g.client()
			u, err := c.User(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			rs, err := c.UserRoles(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(struct {
				api.User
				Roles []api.Role `json:"roles"`
			}{u, rs}, func(w *tabwriter.Writer) {
				userTable(w, u)
				fmt.Fprintln(w)
				roleTable(w, rs...)
			})
		},
	}, &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a user with its sessions and memberships",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().DeleteUser(cmd.Context(), args[0])
		},
	})
	return cmd
}
