package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
	"github.com/kumo-cloud/kumo/pkg/client"
)

// hostNames maps host ids to names, as far as the caller may read hosts.
func hostNames(ctx context.Context, c *client.Client) map[string]string {
	names := map[string]string{}
	if hs, err := c.Hosts(ctx); err == nil {
		for _, h := range hs {
			names[h.ID] = h.Name
		}
	}
	return names
}

func networkTable(w *tabwriter.Writer, hosts map[string]string, ns ...api.Network) {
	fmt.Fprintln(w, "NAME\tDISPLAY NAME\tCIDR\tHOST\tVLAN\tOWNER")
	for _, n := range ns {
		host := hosts[n.Host]
		if host == "" {
			host = n.Host
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", n.Name, orDash(n.DisplayName), n.CIDR, host, n.VlanID, n.Owner)
	}
}

func networkMemberTable(w *tabwriter.Writer, ms []api.NetworkMember) {
	fmt.Fprintln(w, "VM\tADDRESS\tID")
	for _, m := range ms {
		fmt.Fprintf(w, "%s\t%s\t%s\n", orDash(m.VMName), m.Address, m.VM)
	}
}

func networkCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "network", Short: "Manage networks (LANs between the VMs of one host)"}
	var req api.NetworksPost
	create := &cobra.Command{
		Use:   "create NAME --cidr CIDR --host HOST",
		Short: "Create a network on a host",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Name = args[0]
			c := g.client()
			n, err := c.CreateNetwork(cmd.Context(), req)
			if err != nil {
				return err
			}
			return g.print(n, func(w *tabwriter.Writer) { networkTable(w, hostNames(cmd.Context(), c), n) })
		},
	}
	create.Flags().StringVar(&req.CIDR, "cidr", "", "IPv4 network, /8 to /29 (e.g. 192.168.66.0/24)")
	create.Flags().StringVar(&req.Host, "host", "", "host the network spans")
	create.Flags().StringVar(&req.DisplayName, "display-name", "", "the name people read")
	create.MarkFlagRequired("cidr")
	create.MarkFlagRequired("host")

	var patch api.NetworkPatch
	var display string
	var vlan int
	set := &cobra.Command{
		Use:   "set NAME [--display-name TEXT] [--vlan ID]",
		Short: "Change a network's display name or VLAN label",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("display-name") {
				patch.DisplayName = &display
			}
			if cmd.Flags().Changed("vlan") {
				patch.VlanID = &vlan
			}
			c := g.client()
			n, err := c.UpdateNetwork(cmd.Context(), args[0], patch)
			if err != nil {
				return err
			}
			return g.print(n, func(w *tabwriter.Writer) { networkTable(w, hostNames(cmd.Context(), c), n) })
		},
	}
	set.Flags().StringVar(&display, "display-name", "", "the name people read (empty shows the name)")
	set.Flags().IntVar(&vlan, "vlan", 0, "VLAN label, 0-4094 (frames are not tagged)")

	cmd.AddCommand(create, set, &cobra.Command{
		Use:   "list",
		Short: "List networks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c := g.client()
			ns, err := c.Networks(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(ns, func(w *tabwriter.Writer) { networkTable(w, hostNames(cmd.Context(), c), ns...) })
		},
	}, &cobra.Command{
		Use:   "show NAME",
		Short: "Show a network and its VMs",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := g.client()
			n, err := c.Network(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			ms, err := c.NetworkMembers(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(struct {
				api.Network
				Members []api.NetworkMember `json:"members"`
			}{n, ms}, func(w *tabwriter.Writer) {
				networkTable(w, hostNames(cmd.Context(), c), n)
				fmt.Fprintln(w)
				networkMemberTable(w, ms)
			})
		},
	}, &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a network no VM is on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().DeleteNetwork(cmd.Context(), args[0])
		},
	}, &cobra.Command{
		Use:   "join NAME VM",
		Short: "Put a stopped VM of the network's host on it (its NIC appears at its next start)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ms, err := g.client().AddNetworkMember(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return g.print(ms, func(w *tabwriter.Writer) { networkMemberTable(w, ms) })
		},
	}, &cobra.Command{
		Use:   "leave NAME VM",
		Short: "Take a stopped VM off a network",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().RemoveNetworkMember(cmd.Context(), args[0], args[1])
		},
	})
	return cmd
}
