package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func hostCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "host", Short: "Manage hypervisor hosts"}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List hosts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			hosts, err := g.client().Hosts(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(hosts, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, "NAME\tSTATE\tPOOL\tACCEL\tCPUS\tMEMORY\tALLOCATED\tVMS\tLAST SEEN")
				for _, h := range hosts {
					state := h.State
					if h.Maintenance {
						state += " (maintenance)"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%d MiB\t%d\t%s\n", h.Name, state, h.Pool, h.Accel, h.CPUs,
						humanBytes(h.MemoryBytes), h.MemoryUsedMiB, h.VMs, since(h.LastHeartbeat))
				}
			})
		},
	})
	var pool string
	var ttl time.Duration
	var sameMachine bool
	tok := &cobra.Command{
		Use:   "join-token",
		Short: "Make a one-time token for 'kumo agent --join'",
		Long: `Makes a one-time token for a new host's agent: kumo agent --join <token>.

The agent is taken to run on another machine, so the token is refused while
the server's cluster listener answers on loopback only (the default): start
kumo server with --cluster-listen 0.0.0.0:8443 --cluster-advertise <address>.
--same-machine makes a token for a second agent on the server's machine.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := g.client().CreateJoinToken(cmd.Context(), api.JoinTokensPost{Pool: pool, TTLSeconds: int(ttl.Seconds()), Remote: !sameMachine})
			if err != nil {
				return err
			}
			return g.print(t, func(w *tabwriter.Writer) {
				fmt.Fprintln(w, t.Token)
				fmt.Fprintf(g.stderr, "The agent will reach the control plane at %s; the token is valid until %s.\n",
					t.Address, t.ExpiresAt.Local().Format(time.RFC3339))
			})
		},
	}
	tok.Flags().BoolVar(&sameMachine, "same-machine", false, "the agent runs on the server's machine (allows a loopback cluster address)")
	tok.Flags().StringVar(&pool, "pool", "", "pool the new host joins (default: default)")
	tok.Flags().DurationVar(&ttl, "ttl", time.Hour, "how long the token is valid")
	var noWait bool
	evacuate := &cobra.Command{
		Use:   "evacuate NAME",
		Short: "Put a host into maintenance and move its running VMs live to other hosts of its pool",
		Long: "Puts the host into maintenance and live-migrates each running VM to the host placement picks.\n" +
			"Stopped VMs stay (their disks are on the host); the task's items say which VM went where or why it stayed.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := g.client()
			t, err := c.EvacuateHost(cmd.Context(), args[0])
			return g.finishTask(cmd.Context(), c, t, err, noWait)
		},
	}
	evacuate.Flags().BoolVar(&noWait, "no-wait", false, "return once the migrations are submitted")
	cmd.AddCommand(tok, evacuate, &cobra.Command{
		Use:       "maintenance NAME on|off",
		Short:     "Put a host into maintenance (it takes no new VMs; its VMs keep running) or take it out",
		Args:      cobra.ExactArgs(2),
		ValidArgs: []string{"on", "off"},
		RunE: func(cmd *cobra.Command, args []string) error {
			var on bool
			switch args[1] {
			case "on":
				on = true
			case "off":
			default:
				return fmt.Errorf("say on or off, not %q", args[1])
			}
			h, err := g.client().SetHostMaintenance(cmd.Context(), args[0], on)
			if err != nil {
				return err
			}
			return g.print(h, func(w *tabwriter.Writer) { fmt.Fprintf(w, "host %s: maintenance %v\n", h.Name, h.Maintenance) })
		},
	}, &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove an offline host that holds no VMs, so its machine can be retired",
		Long: "Remove an offline host that holds no VMs, so its machine can be retired and its pool deleted.\n" +
			"Stop its agent first. To bring the machine back, delete the agent's data dir identity and join again with a new token.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.client().RemoveHost(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "removed host %s\n", args[0])
			return nil
		},
	})
	return cmd
}

func since(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return time.Since(t).Round(time.Second).String() + " ago"
}
