package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// Shell completion of object names (cobra's `kumo completion bash|zsh|fish`
// scripts call back into `kumo __complete`, which runs these). They ask the
// server with the saved session, briefly: a server that does not answer
// completes nothing rather than hanging the shell.

func (g *globals) completeNames(list func(ctx context.Context) ([]string, error)) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		names, err := list(ctx)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError | cobra.ShellCompDirectiveNoFileComp
		}
		var out []string
		for _, n := range names {
			if strings.HasPrefix(n, prefix) {
				out = append(out, n)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func (g *globals) completeVMs(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	return g.completeNames(func(ctx context.Context) ([]string, error) {
		vms, err := g.client().VMs(ctx)
		names := make([]string, 0, len(vms))
		for _, v := range vms {
			names = append(names, v.Name)
		}
		return names, err
	})(cmd, args, prefix)
}

func (g *globals) completeImages(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	return g.completeNames(func(ctx context.Context) ([]string, error) {
		imgs, err := g.client().Images(ctx)
		names := make([]string, 0, len(imgs))
		for _, i := range imgs {
			names = append(names, i.Name)
		}
		return names, err
	})(cmd, args, prefix)
}

func (g *globals) completeHosts(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	return g.completeNames(func(ctx context.Context) ([]string, error) {
		hosts, err := g.client().Hosts(ctx)
		names := make([]string, 0, len(hosts))
		for _, h := range hosts {
			names = append(names, h.Name)
		}
		return names, err
	})(cmd, args, prefix)
}

func (g *globals) completePools(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	return g.completeNames(func(ctx context.Context) ([]string, error) {
		pools, err := g.client().Pools(ctx)
		names := make([]string, 0, len(pools))
		for _, p := range pools {
			names = append(names, p.Name)
		}
		return names, err
	})(cmd, args, prefix)
}

// flagCompletion completes a flag's value from the server: the flags that
// name an image, a pool or a host.
func (g *globals) flagCompletion(cmd *cobra.Command) {
	for flag, fn := range map[string]func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective){
		"image": g.completeImages, "pool": g.completePools, "host": g.completeHosts,
	} {
		if cmd.Flags().Lookup(flag) != nil {
			cmd.RegisterFlagCompletionFunc(flag, func(c *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
				return fn(c, nil, prefix)
			})
		}
	}
}

// completeArgs makes the NAME argument of a group's subcommands (kumo vm
// start NAME, ...) complete with fn, and their name flags from the server.
func (g *globals) completeArgs(group *cobra.Command, fn func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)) {
	for _, sub := range group.Commands() {
		if strings.Contains(sub.Use, " NAME") && sub.ValidArgsFunction == nil {
			sub.ValidArgsFunction = fn
		}
		g.flagCompletion(sub)
		g.completeArgs(sub, fn)
	}
}
