package cli

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
	"github.com/kumo-cloud/kumo/pkg/client"
)

func securityGroupTable(w *tabwriter.Writer, gs ...api.SecurityGroup) {
	fmt.Fprintln(w, "NAME\tOWNER\tDEFAULT\tRULES\tENABLED\tGLOBAL\tID")
	for _, g := range gs {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%t\t%t\t%s\n", g.Name, g.Owner, g.DefaultAction, len(g.Rules), g.Enabled, g.Global, g.ID)
	}
}

func ruleTable(w *tabwriter.Writer, rs []api.SecurityRule) {
	fmt.Fprintln(w, "INDEX\tACTION\tPROTOCOL\tFROM\tPORT\tNIC")
	for i, r := range rs {
		port, nic := "any", "all"
		if r.ToPort != 0 {
			port = strconv.Itoa(r.ToPort)
		}
		if r.Interface != 0 {
			nic = strconv.Itoa(r.Interface)
		}
		from := r.FromAddress
		if from == "" {
			from = "any"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", i, r.Action, r.Protocol, from, port, nic)
	}
}

func ruleFlags(cmd *cobra.Command, r *api.SecurityRule) {
	cmd.Flags().StringVar(&r.Action, "action", "", "accept (default) or reject")
	cmd.Flags().StringVar(&r.Protocol, "protocol", "", "all (default), tcp, udp or icmp")
	cmd.Flags().StringVar(&r.FromAddress, "from", "", "source address or network (default any)")
	cmd.Flags().IntVar(&r.ToPort, "port", 0, "the guest's port, tcp and udp only (default any)")
	cmd.Flags().IntVar(&r.Interface, "nic", 0, "NIC number from 1 (default all)")
}

// ruleEditor applies one change to a rule list (a security group's or a
// VM's policy) and prints the result, for ruleCmd's subcommands.
type ruleEditor struct {
	add    func(ctx context.Context, c *client.Client, owner string, r api.SecurityRule) error
	set    func(ctx context.Context, c *client.Client, owner string, i int, r api.SecurityRule) error
	remove func(ctx context.Context, c *client.Client, owner string, i int) error
	move   func(ctx context.Context, c *client.Client, owner string, i int, dir string) error
}

func ruleCmd(g *globals, what string, e ruleEditor) *cobra.Command {
	cmd := &cobra.Command{Use: "rule", Short: "Edit the rules of " + what}
	var addRule, setRule api.SecurityRule
	add := &cobra.Command{
		Use:   "add NAME [flags]",
		Short: "Append a rule",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.add(cmd.Context(), g.client(), args[0], addRule)
		},
	}
	ruleFlags(add, &addRule)
	set := &cobra.Command{
		Use:   "set NAME INDEX [flags]",
		Short: "Replace a rule",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			i, err := indexArg(args[1])
			if err != nil {
				return err
			}
			return e.set(cmd.Context(), g.client(), args[0], i, setRule)
		},
	}
	ruleFlags(set, &setRule)
	cmd.AddCommand(add, set, &cobra.Command{
		Use:   "remove NAME INDEX",
		Short: "Remove a rule",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			i, err := indexArg(args[1])
			if err != nil {
				return err
			}
			return e.remove(cmd.Context(), g.client(), args[0], i)
		},
	}, &cobra.Command{
		Use:   "move NAME INDEX up|down",
		Short: "Move a rule up or down by one",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			i, err := indexArg(args[1])
			if err != nil {
				return err
			}
			return e.move(cmd.Context(), g.client(), args[0], i, args[2])
		},
	})
	return cmd
}

func securityGroupCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "security-group", Short: "Manage security groups (rule lists new VMs may copy)"}
	show := func(sg api.SecurityGroup, err error) error {
		if err != nil {
			return err
		}
		return g.print(sg, func(w *tabwriter.Writer) {
			securityGroupTable(w, sg)
			fmt.Fprintln(w)
			ruleTable(w, sg.Rules)
		})
	}
	settingsFlags := func(c *cobra.Command, req *api.SecurityGroupsPost, enabled *bool) {
		c.Flags().StringVar(&req.Description, "description", "", "free text")
		c.Flags().StringVar(&req.DefaultAction, "default-action", "", "accept (default) or reject")
		c.Flags().StringVar(&req.Owner, "owner", "", "user it belongs to (default: you)")
		c.Flags().StringVar(&req.Group, "group", "", "user group it is shared in")
		c.Flags().BoolVar(enabled, "enabled", true, "may be used for new VMs")
		c.Flags().BoolVar(&req.Global, "global", false, "seen by everyone")
	}
	var req api.SecurityGroupsPost
	var enabled bool
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a security group without rules",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Name, req.Enabled = args[0], &enabled
			return show(g.client().CreateSecurityGroup(cmd.Context(), req))
		},
	}
	settingsFlags(create, &req, &enabled)
	var upd api.SecurityGroupsPost
	var updEnabled bool
	set := &cobra.Command{
		Use:   "set NAME [flags]",
		Short: "Change a security group's settings (settings not given stay)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := g.client()
			cur, err := c.SecurityGroup(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			next := api.SecurityGroupsPost{Name: cur.Name, Description: cur.Description, Owner: cur.Owner, Group: cur.Group,
				Enabled: &cur.Enabled, Global: cur.Global, DefaultAction: cur.DefaultAction}
			f := cmd.Flags()
			if f.Changed("name") {
				next.Name = upd.Name
			}
			if f.Changed("description") {
				next.Description = upd.Description
			}
			if f.Changed("default-action") {
				next.DefaultAction = upd.DefaultAction
			}
			if f.Changed("owner") {
				next.Owner = upd.Owner
			}
			if f.Changed("group") {
				next.Group = upd.Group
			}
			if f.Changed("enabled") {
				next.Enabled = &updEnabled
			}
			if f.Changed("global") {
				next.Global = upd.Global
			}
			return show(c.UpdateSecurityGroup(cmd.Context(), cur.ID, next))
		},
	}
	settingsFlags(set, &upd, &updEnabled)
	set.Flags().StringVar(&upd.Name, "name", "", "a new name")
	var filter api.SecurityGroupsFilter
	list := &cobra.Command{
		Use:   "list",
		Short: "List the security groups you see",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			gs, err := g.client().SecurityGroups(cmd.Context(), filter)
			if err != nil {
				return err
			}
			return g.print(gs, func(w *tabwriter.Writer) { securityGroupTable(w, gs...) })
		},
	}
	list.Flags().StringVar(&filter.Owner, "owner", "", "only the groups of this user")
	list.Flags().StringVar(&filter.Group, "group", "", "only the groups shared in this user group")
	list.Flags().BoolVar(&filter.Enabled, "enabled", false, "only enabled groups")
	list.Flags().BoolVar(&filter.Global, "global", false, "only global groups")
	cmd.AddCommand(create, set, list, &cobra.Command{
		Use:   "show NAME",
		Short: "Show a security group and its rules",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return show(g.client().SecurityGroup(cmd.Context(), args[0]))
		},
	}, &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a security group (VMs made with it keep their policy)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().DeleteSecurityGroup(cmd.Context(), args[0])
		},
	}, ruleCmd(g, "a security group", ruleEditor{
		add: func(ctx context.Context, c *client.Client, n string, r api.SecurityRule) error {
			return show(c.AddSecurityGroupRule(ctx, n, r))
		},
		set: func(ctx context.Context, c *client.Client, n string, i int, r api.SecurityRule) error {
			return show(c.UpdateSecurityGroupRule(ctx, n, i, r))
		},
		remove: func(ctx context.Context, c *client.Client, n string, i int) error {
			return show(c.DeleteSecurityGroupRule(ctx, n, i))
		},
		move: func(ctx context.Context, c *client.Client, n string, i int, dir string) error {
			return show(c.MoveSecurityGroupRule(ctx, n, i, dir))
		},
	}))
	return cmd
}

func vmSecurityPolicyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "security-policy", Short: "Show and edit a VM's inbound security policy"}
	show := func(p api.SecurityPolicy, err error) error {
		if err != nil {
			return err
		}
		return g.print(p, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "Default action: %s\n\n", p.DefaultAction)
			ruleTable(w, p.Rules)
		})
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "show VM",
		Short: "Show a VM's security policy",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return show(g.client().SecurityPolicy(cmd.Context(), args[0]))
		},
	}, &cobra.Command{
		Use:   "default VM accept|reject",
		Short: "Set what happens to packets no rule matches",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return show(g.client().SetSecurityDefaultAction(cmd.Context(), args[0], args[1]))
		},
	}, ruleCmd(g, "a VM's security policy", ruleEditor{
		add: func(ctx context.Context, c *client.Client, vm string, r api.SecurityRule) error {
			return show(c.AddSecurityPolicyRule(ctx, vm, r))
		},
		set: func(ctx context.Context, c *client.Client, vm string, i int, r api.SecurityRule) error {
			return show(c.UpdateSecurityPolicyRule(ctx, vm, i, r))
		},
		remove: func(ctx context.Context, c *client.Client, vm string, i int) error {
			return show(c.DeleteSecurityPolicyRule(ctx, vm, i))
		},
		move: func(ctx context.Context, c *client.Client, vm string, i int, dir string) error {
			return show(c.MoveSecurityPolicyRule(ctx, vm, i, dir))
		},
	}))
	return cmd
}
