package cli

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// The platform's services beside its objects: prices, schedules, LDAP
// and the audit log.

func priceCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "price", Short: "Manage the prices spending is computed with"}
	var req api.PricesPost
	var from string
	create := &cobra.Command{
		Use:     "create RESOURCE PRICE",
		Short:   "Set the price of cpu, memory or rootvolume per --unit and --per time unit",
		Example: "  kumo price create memory 0.01 --unit GB --per h",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Resource = args[0]
			if _, err := fmt.Sscanf(args[1], "%g", &req.Price); err != nil {
				return fmt.Errorf("PRICE %q is not a number", args[1])
			}
			if from != "" {
				at, err := time.Parse(time.RFC3339, from)
				if err != nil {
					return fmt.Errorf("--from %q is not an RFC 3339 time", from)
				}
				req.EffectiveAt = &at
			}
			p, err := g.client().CreatePrice(cmd.Context(), req)
			if err != nil {
				return err
			}
			return g.print(p, func(w *tabwriter.Writer) { priceTable(w, p) })
		},
	}
	create.Flags().StringVar(&req.Unit, "unit", "", "unit of the resource (default: 1 for cpu, GB for memory and disks)")
	create.Flags().StringVar(&req.TimeUnit, "per", "h", "time unit: s, m, h, d, w or mon")
	create.Flags().StringVar(&from, "from", "", "effective from this RFC 3339 time (default: always)")
	cmd.AddCommand(create, &cobra.Command{
		Use:   "list",
		Short: "List prices",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ps, err := g.client().Prices(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(ps, func(w *tabwriter.Writer) { priceTable(w, ps...) })
		},
	}, &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a price",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().DeletePrice(cmd.Context(), args[0])
		},
	})
	return cmd
}

func priceTable(w *tabwriter.Writer, ps ...api.Price) {
	fmt.Fprintln(w, "RESOURCE\tPRICE\tPER\tFROM\tID")
	for _, p := range ps {
		fmt.Fprintf(w, "%s\t%g\t%s/%s\t%s\t%s\n", p.Resource, p.Price, p.Unit, p.TimeUnit, p.EffectiveAt.Local().Format("2006-01-02 15:04"), p.ID)
	}
}

func scheduleCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "schedule", Short: "Manage scheduled jobs (start, stop, reboot, snapshot a VM) and their triggers"}
	jobs := &cobra.Command{Use: "job", Short: "Manage scheduled jobs"}
	var jobReq api.ScheduleJobsPost
	createJob := &cobra.Command{
		Use:     "create NAME VM ACTION",
		Short:   "Make a job that does ACTION (start, stop, reboot, snapshot) to VM when a trigger fires",
		Example: "  kumo schedule job create nightly-stop build-1 stop",
		Args:    cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			jobReq.Name, jobReq.VM, jobReq.Action = args[0], args[1], args[2]
			j, err := g.client().CreateScheduleJob(cmd.Context(), jobReq)
			if err != nil {
				return err
			}
			return g.print(j, func(w *tabwriter.Writer) { jobTable(w, g.vmLabels(cmd.Context()), j) })
		},
	}
	createJob.Flags().StringVar(&jobReq.Description, "description", "", "free text")
	setEnabled := func(use, short string, enabled bool) *cobra.Command {
		return &cobra.Command{
			Use: use + " ID", Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				j, err := g.client().UpdateScheduleJob(cmd.Context(), args[0], api.ScheduleJobPatch{Enabled: &enabled})
				if err != nil {
					return err
				}
				return g.print(j, func(w *tabwriter.Writer) { jobTable(w, g.vmLabels(cmd.Context()), j) })
			},
		}
	}
	jobs.AddCommand(createJob, &cobra.Command{
		Use: "list", Short: "List scheduled jobs", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			js, err := g.client().ScheduleJobs(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(js, func(w *tabwriter.Writer) { jobTable(w, g.vmLabels(cmd.Context()), js...) })
		},
	}, setEnabled("enable", "Enable a job", true), setEnabled("disable", "Disable a job", false), &cobra.Command{
		Use: "delete ID", Short: "Delete a job", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().DeleteScheduleJob(cmd.Context(), args[0])
		},
	})

	triggers := &cobra.Command{Use: "trigger", Short: "Manage schedule triggers"}
	var trigReq api.ScheduleTriggersPost
	var every time.Duration
	createTrigger := &cobra.Command{
		Use:   "create NAME",
		Short: "Make a trigger: --cron EXPR, or --every DURATION (and --repeat N)",
		Example: `  kumo schedule trigger create nightly --cron '0 0 3 * * ?'
  kumo schedule trigger create hourly --every 1h`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			trigReq.Name = args[0]
			switch {
			case trigReq.Cron != "" && every > 0:
				return fmt.Errorf("give --cron or --every, not both")
			case trigReq.Cron != "":
				trigReq.Kind = "cron"
			case every > 0:
				trigReq.Kind, trigReq.IntervalSeconds = "simple", int64(every/time.Second)
			default:
				return fmt.Errorf("a trigger needs --cron or --every")
			}
			tr, err := g.client().CreateScheduleTrigger(cmd.Context(), trigReq)
			if err != nil {
				return err
			}
			return g.print(tr, func(w *tabwriter.Writer) { triggerTable(w, tr) })
		},
	}
	createTrigger.Flags().StringVar(&trigReq.Cron, "cron", "", "cron expression (seconds optional, Quartz's ? accepted)")
	createTrigger.Flags().DurationVar(&every, "every", 0, "interval of a simple trigger")
	createTrigger.Flags().Int64Var(&trigReq.Repeat, "repeat", 0, "how often a simple trigger fires (0: forever)")
	createTrigger.Flags().StringVar(&trigReq.Description, "description", "", "free text")
	link := func(use, short string, unlink bool) *cobra.Command {
		return &cobra.Command{
			Use: use + " TRIGGER JOB", Short: short, Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				if unlink {
					return g.client().UnlinkScheduleJob(cmd.Context(), args[0], args[1])
				}
				return g.client().LinkScheduleJob(cmd.Context(), args[0], args[1])
			},
		}
	}
	triggers.AddCommand(createTrigger, &cobra.Command{
		Use: "list", Short: "List triggers", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, err := g.client().ScheduleTriggers(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(ts, func(w *tabwriter.Writer) { triggerTable(w, ts...) })
		},
	}, link("add-job", "Make a trigger fire a job", false), link("remove-job", "Stop a trigger firing a job", true), &cobra.Command{
		Use: "delete ID", Short: "Delete a trigger (its jobs stay)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().DeleteScheduleTrigger(cmd.Context(), args[0])
		},
	})
	cmd.AddCommand(jobs, triggers)
	return cmd
}

func jobTable(w *tabwriter.Writer, label func(string) string, js ...api.ScheduleJob) {
	fmt.Fprintln(w, "NAME\tVM\tACTION\tENABLED\tLAST RESULT\tID")
	for _, j := range js {
		fmt.Fprintf(w, "%s\t%s\t%s\t%v\t%s\t%s\n", j.Name, label(j.VM), j.Action, j.Enabled, j.LastResult, j.ID)
	}
}

func triggerTable(w *tabwriter.Writer, ts ...api.ScheduleTrigger) {
	fmt.Fprintln(w, "NAME\tWHEN\tFIRED\tJOBS\tID")
	for _, t := range ts {
		when := t.Cron
		if t.Kind != "cron" {
			when = fmt.Sprintf("every %s", time.Duration(t.IntervalSeconds)*time.Second)
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\n", t.Name, when, t.FireCount, len(t.Jobs), t.ID)
	}
}

func ldapCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "ldap", Short: "Manage LDAP servers and which directory entries log in as which users"}
	var srv api.LDAPServersPost
	add := &cobra.Command{
		Use:     "add-server NAME URL BASE",
		Short:   "Add an LDAP server (checked by binding to it)",
		Example: "  kumo ldap add-server corp ldap://ldap.example.com:389 dc=example,dc=com --bind-dn cn=kumo,dc=example,dc=com",
		Args:    cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			srv.Name, srv.URL, srv.Base = args[0], args[1], args[2]
			if srv.BindDN != "" && srv.BindPassword == "" {
				srv.BindPassword = os.Getenv("KUMO_LDAP_BIND_PASSWORD")
			}
			s, err := g.client().CreateLDAPServer(cmd.Context(), srv)
			if err != nil {
				return err
			}
			return g.print(s, func(w *tabwriter.Writer) { ldapTable(w, s) })
		},
	}
	add.Flags().StringVar(&srv.BindDN, "bind-dn", "", "DN searches bind as (default: anonymous)")
	add.Flags().StringVar(&srv.BindPassword, "bind-password", "", "its password (default: $KUMO_LDAP_BIND_PASSWORD)")
	add.Flags().StringVar(&srv.Description, "description", "", "free text")
	cmd.AddCommand(add, &cobra.Command{
		Use: "servers", Short: "List LDAP servers (the first is used)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ss, err := g.client().LDAPServers(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(ss, func(w *tabwriter.Writer) { ldapTable(w, ss...) })
		},
	}, &cobra.Command{
		Use: "remove-server ID", Short: "Delete an LDAP server and its bindings", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().DeleteLDAPServer(cmd.Context(), args[0])
		},
	}, &cobra.Command{
		Use: "bind DN USER", Short: "Let a directory entry log in as a Kumo user", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := g.client().CreateLDAPBinding(cmd.Context(), api.LDAPBindingsPost{DN: args[0], User: args[1]})
			if err != nil {
				return err
			}
			return g.print(b, func(w *tabwriter.Writer) { bindingTable(w, b) })
		},
	}, &cobra.Command{
		Use: "bindings", Short: "List LDAP bindings", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			bs, err := g.client().LDAPBindings(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(bs, func(w *tabwriter.Writer) { bindingTable(w, bs...) })
		},
	}, &cobra.Command{
		Use: "unbind ID", Short: "Delete an LDAP binding", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().DeleteLDAPBinding(cmd.Context(), args[0])
		},
	})
	return cmd
}

func ldapTable(w *tabwriter.Writer, ss ...api.LDAPServer) {
	fmt.Fprintln(w, "NAME\tURL\tBASE\tBIND DN\tID")
	for _, s := range ss {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.URL, s.Base, s.BindDN, s.ID)
	}
}

func bindingTable(w *tabwriter.Writer, bs ...api.LDAPBinding) {
	fmt.Fprintln(w, "DN\tUSER\tID")
	for _, b := range bs {
		fmt.Fprintf(w, "%s\t%s\t%s\n", b.DN, b.User, b.ID)
	}
}

func auditLogCmd(g *globals) *cobra.Command {
	var f api.AuditLogFilter
	var since time.Duration
	cmd := &cobra.Command{
		Use:   "audit-log",
		Short: "Show the audit log, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if since > 0 {
				f.After = time.Now().Add(-since).UTC().Format(time.RFC3339)
			}
			es, err := g.client().AuditLog(cmd.Context(), f)
			if err != nil {
				return err
			}
			return g.print(es, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "TIME\tUSER\tADDRESS\tWHAT")
				for _, e := range es {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", e.Time.Local().Format("2006-01-02 15:04:05"), e.User, e.Address,
						strings.ReplaceAll(e.Content, "\n", " "))
				}
			})
		},
	}
	cmd.Flags().DurationVar(&since, "since", 0, "only this far back, e.g. 24h")
	cmd.Flags().IntVar(&f.Limit, "limit", 50, "at most this many entries")
	cmd.Flags().IntVar(&f.Offset, "offset", 0, "skip this many")
	return cmd
}
