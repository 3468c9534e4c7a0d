package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func addressPoolTable(w *tabwriter.Writer, ps ...api.AddressPool) {
	fmt.Fprintln(w, "NAME\tGATEWAY\tDNS\tPROVIDER\tID")
	for _, p := range ps {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.Gateway, orDash(strings.Join(p.DNS, ",")), p.Provider, p.ID)
	}
}

func addressRangeTable(w *tabwriter.Writer, rs ...api.AddressRange) {
	fmt.Fprintln(w, "START\tEND\tNETMASK\tTYPE")
	for _, r := range rs {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.Start, r.End, r.Netmask, r.Type)
	}
}

func allocationTable(w *tabwriter.Writer, as []api.AddressAllocation) {
	fmt.Fprintln(w, "ADDRESS\tVM")
	for _, a := range as {
		fmt.Fprintf(w, "%s\t%s\n", a.Address, a.VM)
	}
}

func addressPoolFlags(cmd *cobra.Command, req *api.AddressPoolsPost) {
	cmd.Flags().StringVar(&req.Gateway, "gateway", "", "the guests' router")
	cmd.Flags().StringSliceVar(&req.DNS, "dns", nil, "name servers (repeat or comma-separate)")
	cmd.Flags().StringVar(&req.Provider, "provider", "", "how guests learn their address: dhcp (default) or cloudinit")
	cmd.MarkFlagRequired("gateway")
}

func addressPoolCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "address-pool", Short: "Manage address pools and their ranges"}
	var req api.AddressPoolsPost
	create := &cobra.Command{
		Use:   "create NAME --gateway IP",
		Short: "Create an address pool",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Name = args[0]
			p, err := g.client().CreateAddressPool(cmd.Context(), req)
			if err != nil {
				return err
			}
			return g.print(p, func(w *tabwriter.Writer) { addressPoolTable(w, p) })
		},
	}
	addressPoolFlags(create, &req)
	var upd api.AddressPoolsPost
	set := &cobra.Command{
		Use:   "set NAME --gateway IP",
		Short: "Replace an address pool's settings",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := g.client().UpdateAddressPool(cmd.Context(), args[0], upd)
			if err != nil {
				return err
			}
			return g.print(p, func(w *tabwriter.Writer) { addressPoolTable(w, p) })
		},
	}
	addressPoolFlags(set, &upd)

	ranges := &cobra.Command{Use: "range", Short: "Manage the ranges of an address pool"}
	var rreq api.AddressRangesPost
	add := &cobra.Command{
		Use:   "add POOL START END --netmask MASK",
		Short: "Add a range to an address pool",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			rreq.Start, rreq.End = args[1], args[2]
			r, err := g.client().AddAddressRange(cmd.Context(), args[0], rreq)
			if err != nil {
				return err
			}
			return g.print(r, func(w *tabwriter.Writer) { addressRangeTable(w, r) })
		},
	}
	add.Flags().StringVar(&rreq.Netmask, "netmask", "255.255.255.0", "netmask of the range's network")
	ranges.AddCommand(add, &cobra.Command{
		Use:   "list POOL",
		Short: "List an address pool's ranges",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rs, err := g.client().AddressRanges(cmd.Context(), args[0], "")
			if err != nil {
				return err
			}
			return g.print(rs, func(w *tabwriter.Writer) { addressRangeTable(w, rs...) })
		},
	}, &cobra.Command{
		Use:   "show POOL START",
		Short: "Show a range and the addresses guests hold of it",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := g.client().AddressRange(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return g.print(r, func(w *tabwriter.Writer) {
				addressRangeTable(w, r)
				fmt.Fprintln(w)
				allocationTable(w, r.Allocations)
			})
		},
	}, &cobra.Command{
		Use:   "remove POOL START",
		Short: "Remove a range no guest holds an address of",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().RemoveAddressRange(cmd.Context(), args[0], args[1])
		},
	})

	cmd.AddCommand(create, set, ranges, &cobra.Command{
		Use:   "list",
		Short: "List address pools",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ps, err := g.client().AddressPools(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(ps, func(w *tabwriter.Writer) { addressPoolTable(w, ps...) })
		},
	}, &cobra.Command{
		Use:   "show NAME",
		Short: "Show an address pool with its ranges and allocations",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := g.client().AddressPool(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(p, func(w *tabwriter.Writer) {
				addressPoolTable(w, p)
				fmt.Fprintf(w, "\n%d addresses, %d allocated\n\n", p.Addresses, p.Allocated)
				addressRangeTable(w, p.Ranges...)
				fmt.Fprintln(w)
				allocationTable(w, p.Allocations)
			})
		},
	}, &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete an address pool",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().DeleteAddressPool(cmd.Context(), args[0])
		},
	})
	return cmd
}
