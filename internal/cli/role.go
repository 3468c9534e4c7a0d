package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func roleTable(w *tabwriter.Writer, rs ...api.Role) {
	fmt.Fprintln(w, "NAME\tTENANT\tSTATEMENTS\tDESCRIPTION")
	for _, r := range rs {
		sts := make([]string, 0, len(r.Statements))
		for _, st := range r.Statements {
			sts = append(sts, st.Effect+" "+strings.Join(st.Actions, ","))
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.Name, r.Tenant, orDash(strings.Join(sts, "; ")), orDash(r.Description))
	}
}

// statementsFrom makes a role's statements from --allow and --deny.
func statementsFrom(allow, deny []string) []api.Statement {
	sts := []api.Statement{}
	if len(allow) > 0 {
		sts = append(sts, api.Statement{Effect: "allow", Actions: allow})
	}
	if len(deny) > 0 {
		sts = append(sts, api.Statement{Effect: "deny", Actions: deny})
	}
	return sts
}

func roleCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "role", Short: "Manage roles (permissions given to users and groups)"}
	show := func(r api.Role, err error) error {
		if err != nil {
			return err
		}
		return g.print(r, func(w *tabwriter.Writer) { roleTable(w, r) })
	}
	var allow, deny []string
	var description string
	create := &cobra.Command{
		Use:   "create NAME --allow PERM,... [--deny PERM,...]",
		Short: "Create a role of your tenant",
		Long:  "Permissions are such as vm:read and vm:start, patterns such as vm:* and *, or menus such as instance.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return show(g.client().CreateRole(cmd.Context(), api.RolesPost{Name: args[0], Description: description, Statements: statementsFrom(allow, deny)}))
		},
	}
	create.Flags().StringSliceVar(&allow, "allow", nil, "permissions it allows (repeat or comma-separate)")
	create.Flags().StringSliceVar(&deny, "deny", nil, "permissions it denies (a deny wins)")
	create.Flags().StringVar(&description, "description", "", "free text")

	var sAllow, sDeny []string
	var name, sDescription string
	set := &cobra.Command{
		Use:   "set NAME [--name NEW] [--allow PERM,...] [--deny PERM,...] [--description TEXT]",
		Short: "Change a role (--allow and --deny replace its statements)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var patch api.RolePatch
			f := cmd.Flags()
			if f.Changed("name") {
				patch.Name = &name
			}
			if f.Changed("description") {
				patch.Description = &sDescription
			}
			if f.Changed("allow") || f.Changed("deny") {
				sts := statementsFrom(sAllow, sDeny)
				patch.Statements = &sts
			}
			return show(g.client().UpdateRole(cmd.Context(), args[0], patch))
		},
	}
	set.Flags().StringVar(&name, "name", "", "a new name")
	set.Flags().StringSliceVar(&sAllow, "allow", nil, "permissions it allows")
	set.Flags().StringSliceVar(&sDeny, "deny", nil, "permissions it denies")
	set.Flags().StringVar(&sDescription, "description", "", "free text")

	var all, unbind bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List roles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			rs, err := g.client().Roles(cmd.Context(), all)
			if err != nil {
				return err
			}
			return g.print(rs, func(w *tabwriter.Writer) { roleTable(w, rs...) })
		},
	}
	list.Flags().BoolVar(&all, "all", false, "of every tenant you reach")
	del := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a role",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().DeleteRole(cmd.Context(), args[0], unbind)
		},
	}
	del.Flags().BoolVar(&unbind, "unbind", false, "take it from its groups and users instead of refusing")
	cmd.AddCommand(create, set, list, del, &cobra.Command{
		Use:   "show NAME",
		Short: "Show a role",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return show(g.client().Role(cmd.Context(), args[0]))
		},
	}, &cobra.Command{
		Use:   "bind ROLE USER",
		Short: "Bind a role to a user",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().BindUserRole(cmd.Context(), args[1], args[0])
		},
	}, &cobra.Command{
		Use:   "unbind ROLE USER",
		Short: "Take a role from a user",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().UnbindUserRole(cmd.Context(), args[1], args[0])
		},
	})
	return cmd
}
