package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
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
	return g.completeNames(namesOf(g.client().VMs, func(v api.VM) string { return v.Name }))(cmd, args, prefix)
}

func (g *globals) completeImages(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	return g.completeNames(namesOf(g.client().Images, func(i api.Image) string { return i.Name }))(cmd, args, prefix)
}

func (g *globals) completeHosts(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	return g.completeNames(namesOf(g.client().Hosts, func(h api.Host) string { return h.Name }))(cmd, args, prefix)
}

func (g *globals) completePools(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	return g.completeNames(namesOf(g.client().Pools, func(p api.Pool) string { return p.Name }))(cmd, args, prefix)
}

// namesOf turns a client's list call into one of names.
func namesOf[T any](list func(context.Context) ([]T, error), name func(T) string) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		items, err := list(ctx)
		names := make([]string, 0, len(items))
		for _, it := range items {
			names = append(names, name(it))
		}
		return names, err
	}
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
