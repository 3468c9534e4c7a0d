package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func groupTable(w *tabwriter.Writer, gs ...api.Group) {
	fmt.Fprintln(w, "NAME\tDISPLAY\tTENANT\tROLES\tMEMBERS")
	for _, gr := range gs {
		members := strings.Join(gr.Members, ",")
		if members == "" && gr.MemberCount > 0 {
			members = fmt.Sprintf("(%d)", gr.MemberCount)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", gr.Name, orDash(gr.Display), gr.Tenant, orDash(strings.Join(gr.Roles, ",")), orDash(members))
	}
}

func groupCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "group", Short: "Manage user groups"}
	show := func(gr api.Group, err error) error {
		if err != nil {
			return err
		}
		return g.print(gr, func(w *tabwriter.Writer) { groupTable(w, gr) })
	}
	var req api.GroupsPost
	create := &cobra.Command{
		Use:   "create NAME [--role ROLE]...",
		Short: "Create a user group of your tenant",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Name = args[0]
			return show(g.client().CreateGroup(cmd.Context(), req))
		},
	}
	create.Flags().StringSliceVar(&req.Roles, "role", nil, "roles its members get (repeat or comma-separate)")
	create.Flags().StringVar(&req.Display, "display", "", "display name")
	create.Flags().StringVar(&req.Description, "description", "", "free text")

	var name, display, description string
	var roles []string
	set := &cobra.Command{
		Use:   "set NAME [--name NEW] [--role ROLE]... [--display TEXT] [--description TEXT]",
		Short: "Change a user group (--role replaces its roles)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var patch api.GroupPatch
			f := cmd.Flags()
			if f.Changed("name") {
				patch.Name = &name
			}
			if f.Changed("display") {
				patch.Display = &display
			}
			if f.Changed("description") {
				patch.Description = &description
			}
			if f.Changed("role") {
				patch.Roles = &roles
			}
			return show(g.client().UpdateGroup(cmd.Context(), args[0], patch))
		},
	}
	set.Flags().StringVar(&name, "name", "", "a new name")
	set.Flags().StringSliceVar(&roles, "role", nil, "the group's roles (replaces them; --role '' for none)")
	set.Flags().StringVar(&display, "display", "", "display name")
	set.Flags().StringVar(&description, "description", "", "free text")

	var all, force bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List user groups",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			gs, err := g.client().Groups(cmd.Context(), all)
			if err != nil {
				return err
			}
			return g.print(gs, func(w *tabwriter.Writer) { groupTable(w, gs...) })
		},
	}
	list.Flags().BoolVar(&all, "all", false, "of every tenant you reach")
	del := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a user group",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().DeleteGroup(cmd.Context(), args[0], force)
		},
	}
	del.Flags().BoolVar(&force, "force", false, "take its members out instead of refusing")

	member := &cobra.Command{Use: "member", Short: "Manage the members of a user group"}
	member.AddCommand(&cobra.Command{
		Use:   "add GROUP USER",
		Short: "Put a user into a user group",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().AddGroupMember(cmd.Context(), args[0], args[1])
		},
	}, &cobra.Command{
		Use:   "remove GROUP USER",
		Short: "Take a user out of a user group",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().RemoveGroupMember(cmd.Context(), args[0], args[1])
		},
	}, &cobra.Command{
		Use:   "list GROUP",
		Short: "List the members of a user group",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ms, err := g.client().GroupMembers(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(ms, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "USER")
				for _, m := range ms {
					fmt.Fprintln(w, m)
				}
			})
		},
	})
	cmd.AddCommand(create, set, list, del, member, groupVisibilityCmd(g), &cobra.Command{
		Use:   "show NAME",
		Short: "Show a user group with its roles and members",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return show(g.client().Group(cmd.Context(), args[0]))
		},
	})
	return cmd
}

func groupVisibilityCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "visibility", Short: "What the members of your (first) user group see of each other's objects"}
	show := func(v api.Visibility, err error) error {
		if err != nil {
			return err
		}
		return g.print(v, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "VMS\tDISK IMAGES\tMEDIA IMAGES")
			fmt.Fprintf(w, "%t\t%t\t%t\n", v.Instances, v.DiskImages, v.MediaImages)
		})
	}
	var want api.Visibility
	set := &cobra.Command{
		Use:   "set [--vms] [--disk-images] [--media-images]",
		Short: "Share kinds of objects among your group's members (flags not given stay)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c := g.client()
			v, err := c.Visibility(cmd.Context())
			if err != nil {
				return err
			}
			f := cmd.Flags()
			if f.Changed("vms") {
				v.Instances = want.Instances
			}
			if f.Changed("disk-images") {
				v.DiskImages = want.DiskImages
			}
			if f.Changed("media-images") {
				v.MediaImages = want.MediaImages
			}
			return show(c.SetVisibility(cmd.Context(), v))
		},
	}
	set.Flags().BoolVar(&want.Instances, "vms", false, "members see each other's VMs")
	set.Flags().BoolVar(&want.DiskImages, "disk-images", false, "members see each other's disk images")
	set.Flags().BoolVar(&want.MediaImages, "media-images", false, "members see each other's ISO images")
	cmd.AddCommand(set, &cobra.Command{
		Use:   "show",
		Short: "Show your group's visibility",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return show(g.client().Visibility(cmd.Context()))
		},
	})
	return cmd
}
