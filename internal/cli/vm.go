package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func vmCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "vm", Short: "Manage virtual machines"}
	cmd.AddCommand(vmCreateCmd(g), vmListCmd(g), vmShowCmd(g), vmSetCmd(g), vmDeleteCmd(g), vmMigrateCmd(g),
		vmConsoleCmd(g), vmVNCCmd(g))
	cmd.AddCommand(vmDeviceCmds(g)...)
	for _, action := range []struct{ name, short string }{
		{"start", "Start a VM"},
		{"stop", "Ask a VM's guest to shut down (ACPI)"},
		{"poweroff", "Power a VM off at once"},
		{"reboot", "Reset a VM"},
		{"pause", "Pause a VM's CPUs"},
		{"resume", "Resume a paused VM"},
	} {
		cmd.AddCommand(vmActionCmd(g, action.name, action.short))
	}
	return cmd
}

func vmTable(w *tabwriter.Writer, vms ...api.VM) {
	fmt.Fprintln(w, "NAME\tSTATUS\tWANTED\tCORES\tMEMORY\tDISK\tHOST\tIMAGE")
	for _, v := range vms {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d MiB\t%s\t%s\t%s\n", v.Name, v.Status, v.PowerState, v.Cores, v.MemoryMiB, humanBytes(v.DiskBytes),
			nameOr(v.HostName, v.Host), nameOr(v.ImageName, v.Image))
	}
}

// vmLabels returns a function that shows a VM id as the VM's name, for
// tables of objects that refer to VMs (tasks, jobs); ids of other
// objects, or of VMs the caller does not see, show as they are.
func (g *globals) vmLabels(ctx context.Context) func(string) string {
	names := map[string]string{}
	if vms, err := g.client().VMs(ctx); err == nil {
		for _, v := range vms {
			names[v.ID] = v.Name
		}
	}
	return func(id string) string { return nameOr(names[id], id) }
}

// nameOr is a name for a table, or the id where the name is not known.
func nameOr(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

func vmCreateCmd(g *globals) *cobra.Command {
	var req api.VMsPost
	var memory, disk string
	var full, noWait bool
	cmd := &cobra.Command{
		Use:   "create NAME --image IMAGE",
		Short: "Create a VM from an image",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Name = args[0]
			if cmd.Flags().Changed("cores") && req.Cores < 1 {
				return fmt.Errorf("--cores %d: a VM needs at least 1 core", req.Cores)
			}
			if memory != "" {
				b, err := sizeFlag("memory", memory, 1<<20, 1<<20)
				if err != nil {
					return err
				}
				req.MemoryMiB = int(b >> 20)
			}
			if disk != "" {
				b, err := sizeFlag("disk", disk, 1<<30, 1<<20)
				if err != nil {
					return err
				}
				req.DiskBytes = b
			}
			if full {
				req.CloneMode = "full"
			}
			c := g.client()
			created, err := c.CreateVM(cmd.Context(), req)
			if err != nil {
				return err
			}
			vm := created.VM
			if !noWait {
				if _, err := g.waitWithProgress(cmd.Context(), c, created.Task); err != nil {
					return err
				}
				if vm, err = c.VM(cmd.Context(), vm.ID); err != nil {
					return err
				}
			}
			return g.print(vm, func(w *tabwriter.Writer) { vmTable(w, vm) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Image, "image", "", "image id or name (required)")
	f.StringVar(&req.Pool, "pool", "", "pool id or name")
	f.IntVar(&req.Cores, "cores", 0, "virtual CPUs (default 1)")
	f.StringVar(&memory, "memory", "", "memory, e.g. 512M or 2G; a bare number is MiB (default 512M)")
	f.StringVar(&disk, "disk", "", "system disk size, e.g. 20G; a bare number is GiB (default: the image's size)")
	f.BoolVar(&full, "full-clone", false, "copy the image instead of a copy-on-write overlay")
	f.BoolVar(&req.Start, "start", false, "start the VM once created")
	f.BoolVar(&noWait, "no-wait", false, "return at once instead of waiting for the task")
	f.StringVar(&req.Description, "description", "", "free text")
	f.StringVar(&req.Template, "template", "", "VM template whose device choices it takes")
	f.StringVar(&req.SecurityGroup, "security-group", "", "security group its security policy starts as a copy of")
	cmd.MarkFlagRequired("image")
	return cmd
}

func vmListCmd(g *globals) *cobra.Command {
	var f api.VMsFilter
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List VMs",
		Long: `Lists VMs, filtered and sorted by the server. --filter takes space-separated
terms that all must match: name=web-* status=running,paused host=h1 pool=default
owner=pam tenant=ID (a bare word matches names containing it).`,
		Example: `  kumo vm list --filter 'status=running name=web-*' --sort -created_at --limit 20`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c := g.client()
			var vms []api.VM
			if f.Limit > 0 {
				page, total, err := c.VMsPage(cmd.Context(), f)
				if err != nil {
					return err
				}
				if total > len(page)+f.Offset && g.output == "table" {
					defer fmt.Fprintf(g.stderr, "%d of %d VMs (--offset %d for the next ones)\n", len(page), total, f.Offset+len(page))
				}
				vms = page
			} else {
				var err error
				if vms, err = c.VMsWhere(cmd.Context(), f); err != nil {
					return err
				}
			}
			return g.print(vms, func(w *tabwriter.Writer) { vmTable(w, vms...) })
		},
	}
	cmd.Flags().StringVar(&f.Filter, "filter", "", "terms that all must match, e.g. 'name=web-* status=running'")
	cmd.Flags().StringVar(&f.Sort, "sort", "", "name (default), created_at, status, cores, memory_mib or host; -KEY reverses")
	cmd.Flags().IntVar(&f.Limit, "limit", 0, "at most this many VMs (default: all)")
	cmd.Flags().IntVar(&f.Offset, "offset", 0, "skip this many matching VMs")
	return cmd
}

func vmShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Show a VM",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			vm, err := g.client().VM(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(vm, func(w *tabwriter.Writer) {
				for _, kv := range [][2]string{
					{"Name", vm.Name}, {"ID", vm.ID}, {"Status", vm.Status}, {"Wanted", vm.PowerState},
					{"Cores", fmt.Sprint(vm.Cores)}, {"Memory", fmt.Sprintf("%d MiB", vm.MemoryMiB)},
					{"Disk", humanBytes(vm.DiskBytes)}, {"Clone", vm.CloneMode}, {"Host", nameOr(vm.HostName, vm.Host)},
					{"Pool", nameOr(vm.PoolName, vm.Pool)}, {"Image", nameOr(vm.ImageName, vm.Image)}, {"Accel", vm.Accel}, {"Created", vm.CreatedAt.Local().Format(time.RFC3339)},
					{"Description", vm.Description},
				} {
					fmt.Fprintf(w, "%s:\t%s\n", kv[0], kv[1])
				}
			})
		},
	}
}

func vmSetCmd(g *globals) *cobra.Command {
	var cores int
	var memory, description string
	cmd := &cobra.Command{
		Use:   "set NAME",
		Short: "Change a VM's cores or memory (while stopped) or description",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var req api.VMPatch
			if cmd.Flags().Changed("cores") {
				if cores < 1 {
					return fmt.Errorf("--cores %d: a VM needs at least 1 core", cores)
				}
				req.Cores = &cores
			}
			if memory != "" {
				b, err := sizeFlag("memory", memory, 1<<20, 1<<20)
				if err != nil {
					return err
				}
				mib := int(b >> 20)
				req.MemoryMiB = &mib
			}
			if cmd.Flags().Changed("description") {
				req.Description = &description
			}
			vm, err := g.client().UpdateVM(cmd.Context(), args[0], req)
			if err != nil {
				return err
			}
			return g.print(vm, func(w *tabwriter.Writer) { vmTable(w, vm) })
		},
	}
	cmd.Flags().IntVar(&cores, "cores", 0, "virtual CPUs")
	cmd.Flags().StringVar(&memory, "memory", "", "memory, e.g. 1G; a bare number is MiB")
	cmd.Flags().StringVar(&description, "description", "", "free text")
	return cmd
}

func vmActionCmd(g *globals, action, short string) *cobra.Command {
	var force, noWait bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   action + " NAME",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := g.client()
			t, err := c.ChangeVMState(cmd.Context(), args[0], api.VMStatePut{Action: action, Force: force, TimeoutSeconds: int(timeout.Seconds())})
			return g.finishTask(cmd.Context(), c, t, err, noWait)
		},
	}
	if action == "stop" {
		cmd.Flags().BoolVar(&force, "force", false, "power off if the guest does not stop in time")
		cmd.Flags().DurationVar(&timeout, "timeout", 0, "how long to wait for the guest (default 60s)")
	}
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return at once instead of waiting for the task")
	return cmd
}

func vmDeleteCmd(g *globals) *cobra.Command {
	var noWait bool
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a VM and its disks",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := g.client()
			t, err := c.DeleteVM(cmd.Context(), args[0])
			return g.finishTask(cmd.Context(), c, t, err, noWait)
		},
	}
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return at once instead of waiting for the task")
	return cmd
}

func vmMigrateCmd(g *globals) *cobra.Command {
	var host string
	var noWait bool
	cmd := &cobra.Command{
		Use:   "migrate NAME",
		Short: "Move a running VM live to another host of its pool",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := g.client()
			t, err := c.MigrateVM(cmd.Context(), args[0], api.VMMigratePost{Host: host})
			return g.finishTask(cmd.Context(), c, t, err, noWait)
		},
	}
	cmd.Flags().StringVar(&host, "host", "", "target host (default: the one with the most free memory)")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return at once instead of waiting for the task")
	return cmd
}
