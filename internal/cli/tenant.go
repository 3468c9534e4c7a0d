package cli

import (
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func tenantCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "tenant", Short: "Manage tenants (accounts), their quotas and spending"}
	var description, password string
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an account tenant and its admin user (of the same name)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if password == "" {
				password = os.Getenv("KUMO_TENANT_PASSWORD")
			}
			if password == "" {
				var err error
				if password, err = g.readPassword(cmd, "Password of the tenant's admin user: "); err != nil {
					return err
				}
			}
			t, err := g.client().CreateTenant(cmd.Context(), api.TenantsPost{Name: args[0], Password: password, Description: description})
			if err != nil {
				return err
			}
			return g.print(t, func(w *tabwriter.Writer) { tenantTable(w, t) })
		},
	}
	create.Flags().StringVar(&description, "description", "", "free text")
	create.Flags().StringVar(&password, "password", "", "the admin user's password (default: $KUMO_TENANT_PASSWORD or prompt)")
	cmd.AddCommand(create, &cobra.Command{
		Use:   "list",
		Short: "List the tenants you see",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, err := g.client().Tenants(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(ts, func(w *tabwriter.Writer) { tenantTable(w, ts...) })
		},
	}, &cobra.Command{
		Use:   "show NAME",
		Short: "Show a tenant",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := g.client().Tenant(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(t, func(w *tabwriter.Writer) { tenantTable(w, t) })
		},
	}, &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a tenant that holds nothing",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().DeleteTenant(cmd.Context(), args[0])
		},
	}, quotaCmd(g), spendingCmd(g))
	return cmd
}

func tenantTable(w *tabwriter.Writer, ts ...api.Tenant) {
	fmt.Fprintln(w, "NAME\tKIND\tCREATED\tDESCRIPTION")
	for _, t := range ts {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.Name, t.Kind, t.CreatedAt.Local().Format("2006-01-02"), t.Description)
	}
}

func quotaCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "quota", Short: "Show and set a tenant's quotas"}
	cmd.AddCommand(&cobra.Command{
		Use:   "list TENANT",
		Short: "Show a tenant's quotas and what it uses",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			qs, err := g.client().Quotas(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(qs, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "QUOTA\tUSED\tLIMIT")
				for _, q := range qs {
					limit := strconv.FormatInt(q.Limit, 10)
					if q.Limit < 0 {
						limit = "none"
					}
					fmt.Fprintf(w, "%s\t%d\t%s\n", q.Name, q.Used, limit)
				}
			})
		},
	}, &cobra.Command{
		Use:     "set TENANT QUOTA LIMIT",
		Short:   "Set a quota (vm.count, vm.running, vm.cores, vm.memory_bytes, disk.bytes, image.count, image.bytes); -1 lifts it",
		Example: "  kumo tenant quota set acme vm.count 20",
		Args:    cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			limit, err := strconv.ParseInt(args[2], 10, 64)
			if err != nil {
				return fmt.Errorf("LIMIT %q is not a whole number", args[2])
			}
			q, err := g.client().SetQuota(cmd.Context(), args[0], args[1], api.QuotaPut{Limit: limit})
			if err != nil {
				return err
			}
			return g.print(q, func(w *tabwriter.Writer) { fmt.Fprintf(w, "%s\t%d of %d\n", q.Name, q.Used, q.Limit) })
		},
	})
	return cmd
}

func spendingCmd(g *globals) *cobra.Command {
	var since time.Duration
	var owner string
	cmd := &cobra.Command{
		Use:   "spending TENANT",
		Short: "What a tenant's VMs cost over a period (the prices of kumo price)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var start time.Time
			if since > 0 {
				start = time.Now().Add(-since)
			}
			sp, err := g.client().Spending(cmd.Context(), args[0], start, time.Time{}, owner)
			if err != nil {
				return err
			}
			return g.print(sp, func(w *tabwriter.Writer) {
				fmt.Fprintf(w, "Period:\t%s to %s\n", sp.Start.Local().Format(time.RFC3339), sp.End.Local().Format(time.RFC3339))
				fmt.Fprintf(w, "Total:\t%.4f\n", sp.Total)
				for _, r := range sp.Resources {
					fmt.Fprintf(w, "%s:\t%.4f\n", r.Resource, r.Spending)
					for _, v := range r.VMs {
						fmt.Fprintf(w, "  %s:\t%.4f (%s running)\n", v.Name, v.Spending, time.Duration(v.RunSeconds*float64(time.Second)).Round(time.Second))
					}
				}
			})
		},
	}
	cmd.Flags().DurationVar(&since, "since", 0, "only this far back, e.g. 720h (default: since the beginning)")
	cmd.Flags().StringVar(&owner, "owner", "", "only the VMs of this user")
	return cmd
}
