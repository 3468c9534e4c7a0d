package cli

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func vmPortForwardCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "port-forward", Short: "Forward host ports to a VM (changes apply from its next start)"}
	cmd.AddCommand(vmPortForwardListCmd(g), vmPortForwardAddCmd(g), vmPortForwardRemoveCmd(g))
	return cmd
}

func portForwardTable(w *tabwriter.Writer, fwds ...api.PortForward) {
	fmt.Fprintln(w, "PROTOCOL\tHOST PORT\tGUEST PORT")
	for _, f := range fwds {
		fmt.Fprintf(w, "%s\t%d\t%d\n", f.Protocol, f.HostPort, f.GuestPort)
	}
}

// parsePort reads a port number, naming what it is in the error.
func parsePort(what, s string) (int, error) {
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("%s %q: a port is a number from 1 to 65535", what, s)
	}
	return p, nil
}

// parseProtoPort reads PORT or PORT/PROTOCOL (tcp by default).
func parseProtoPort(what, s string) (string, int, error) {
	port, proto, ok := strings.Cut(s, "/")
	if !ok {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" {
		return "", 0, fmt.Errorf("%s %q: the protocol is tcp or udp", what, s)
	}
	p, err := parsePort(what, port)
	return proto, p, err
}

func vmPortForwardListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list VM",
		Short: "List the host ports forwarded to a VM",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fwds, err := g.client().PortForwards(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(fwds, func(w *tabwriter.Writer) { portForwardTable(w, fwds...) })
		},
	}
}

func vmPortForwardAddCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "add VM HOST_PORT[/udp] GUEST_PORT",
		Short:   "Forward a host port to a port of a VM's guest",
		Example: "  kumo vm port-forward add web-1 2222 22\n  kumo vm port-forward add web-1 5353/udp 53",
		Args:    cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			proto, hostPort, err := parseProtoPort("host port", args[1])
			if err != nil {
				return err
			}
			guestPort, err := parsePort("guest port", args[2])
			if err != nil {
				return err
			}
			f, err := g.client().AddPortForward(cmd.Context(), args[0], api.PortForwardsPost{Protocol: proto, HostPort: hostPort, GuestPort: guestPort})
			if err != nil {
				return err
			}
			return g.print(f, func(w *tabwriter.Writer) { portForwardTable(w, f) })
		},
	}
}

func vmPortForwardRemoveCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "remove VM HOST_PORT[/udp]",
		Short: "Stop forwarding a host port to a VM",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			proto, hostPort, err := parseProtoPort("host port", args[1])
			if err != nil {
				return err
			}
			return g.client().RemovePortForward(cmd.Context(), args[0], proto, hostPort)
		},
	}
}
