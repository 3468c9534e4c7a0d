package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/internal/agent"
	"github.com/kumo-cloud/kumo/internal/httpguard"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/hypervisor/qemu"
	"github.com/kumo-cloud/kumo/internal/server"
	"github.com/kumo-cloud/kumo/internal/storage"
)

// defaultDataDir follows DESIGN.md: /var/lib/kumo as root, else the user's
// data dir.
func defaultDataDir() string {
	if os.Geteuid() == 0 {
		return "/var/lib/kumo"
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "kumo")
	}
	return "kumo-data"
}

func serverCmd(g *globals) *cobra.Command {
	cfg := server.Config{}
	var noAgent bool
	var accel, logFormat string
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the control plane (all-in-one: with a host agent for this machine)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg.LocalAgent = !noAgent
			cfg.Accel = hypervisor.Accel(accel)
			if cfg.AdminPassword == "" {
				cfg.AdminPassword = os.Getenv("KUMO_ADMIN_PASSWORD")
			}
			logger, err := newLogger(g.stderr, logFormat)
			if err != nil {
				return err
			}
			cfg.Logger = logger
			srv, err := server.New(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if srv.AdminPassword != "" {
				fmt.Fprintf(g.stderr, "\nFirst start: created user %q with password %s\nLog in with: kumo login --user %s\nThis password is shown only once.\n\n",
					cfg.AdminUser, srv.AdminPassword, cfg.AdminUser)
			}
			return srv.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", defaultDataDir(), "where Kumo keeps its database, images and VMs")
	f.StringVar(&cfg.Database, "database", "", "PostgreSQL URL (default: embedded SQLite in the data dir)")
	f.StringVar(&cfg.Listen, "listen", "127.0.0.1:8080", "address of the native API and web UI")
	f.StringVar(&cfg.ClusterListen, "cluster-listen", "127.0.0.1:8443", "address agents connect to (use 0.0.0.0:8443 for remote agents)")
	f.StringVar(&cfg.ClusterAdvertise, "cluster-advertise", "", "host name or IP remote agents use to reach --cluster-listen")
	f.StringVar(&cfg.NanoListen, "nano-listen", "127.0.0.1:5870", "address of the Project Nano API (/api/v1); empty turns it off")
	f.StringVar(&cfg.CloudTowerListen, "cloudtower-listen", "127.0.0.1:5871", "address of the SmartX CloudTower v2 API (/v2/api); empty turns it off")
	f.StringVar(&cfg.ZStackListen, "zstack-listen", "127.0.0.1:5872", "address of the ZStack API (/zstack/v1); empty turns it off")
	f.StringVar(&cfg.DBCListen, "dbc-listen", "127.0.0.1:5873", "address of the DBC client API (/api/v1); empty turns it off")
	f.StringSliceVar(&cfg.DBCWallets, "dbc-wallet", nil, "a wallet (SS58 address) that may use the DBC API; repeatable; none lets any wallet that proves its key")
	f.StringToStringVar(&cfg.DBCImageServers, "dbc-image-server", nil, "an image server of the DBC API as ID=URL (HTTP: GET URL/ lists, GET URL/FILE downloads, PUT URL/FILE uploads); repeatable")
	f.StringVar(&cfg.AgentListen, "agent-listen", "127.0.0.1:0", "address of the local agent's RPC listener")
	f.StringVar(&cfg.LocalAgentName, "host-name", "", "name of this machine's host in the cluster (default: the OS host name)")
	f.BoolVar(&noAgent, "no-local-agent", false, "do not run VMs on this machine (control plane only)")
	f.StringVar(&cfg.AdminUser, "admin-user", "admin", "name of the first admin, created on first start")
	f.StringVar(&cfg.AdminPassword, "admin-password", "", "password of the first admin (default: $KUMO_ADMIN_PASSWORD or generated and printed once)")
	f.StringVar(&accel, "accel", "", "kvm or tcg (default: detect; PVM-backed KVM falls back to tcg)")
	f.StringVar(&cfg.QEMUBinary, "qemu", "", "qemu-system binary (default qemu-system-x86_64)")
	f.DurationVar(&cfg.Service.SessionTTL, "session-ttl", 24*time.Hour, "how long a login lasts without renewal")
	f.DurationVar(&cfg.Service.HeartbeatInterval, "heartbeat-interval", 5*time.Second, "how often agents report")
	f.DurationVar(&cfg.Service.HostOfflineAfter, "host-offline-after", 0, "silence after which a host is offline (default 3 heartbeats)")
	f.Float64Var(&cfg.Service.MemoryOvercommit, "memory-overcommit", 1, "factor applied to host memory for placement")
	f.StringVar(&logFormat, "log-format", "text", "log lines as text (key=value) or json")
	f.BoolVar(&cfg.MetricsPublic, "metrics-public", false, "serve /metrics without a session token (e.g. to a Prometheus on a trusted network)")
	f.IntVar(&cfg.Limits.PerSource, "max-connections-per-source", httpguard.DefaultPerSource, "concurrent connections one address may hold on each listener (-1: no cap)")
	f.DurationVar(&cfg.Limits.Read, "read-timeout", httpguard.DefaultRead, "time a request's headers and body may take to arrive (uploads: between two chunks)")
	f.DurationVar(&cfg.Limits.Write, "write-timeout", httpguard.DefaultWrite, "time a reply may take (waits and downloads extend it)")
	f.DurationVar(&cfg.Limits.Idle, "idle-timeout", httpguard.DefaultIdle, "time a kept-alive connection may wait for its next request")
	return cmd
}

func agentCmd(g *globals) *cobra.Command {
	cfg := agent.Config{}
	var accel, qemuBin, logFormat string
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run a host agent that joins a Kumo control plane and runs its VMs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			logger, err := newLogger(g.stderr, logFormat)
			if err != nil {
				return err
			}
			cfg.Logger = logger
			cfg.Accel = hypervisor.Accel(accel)
			reason := "configured"
			if cfg.Accel == "" {
				cfg.Accel, reason = qemu.DetectAccel()
			}
			cfg.Logger.Info("hypervisor accelerator", "accel", cfg.Accel, "reason", reason)
			drv, err := qemu.New(qemu.Options{Binary: qemuBin, Accel: cfg.Accel, Logger: cfg.Logger})
			if err != nil {
				return err
			}
			cfg.Driver, cfg.Volumes = drv, storage.NewQemuImg()
			a, err := agent.New(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			return a.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", defaultDataDir(), "where the agent keeps its identity, images and VMs")
	f.StringVar(&cfg.JoinToken, "join", "", "join token from 'kumo host join-token' (needed only the first time)")
	f.StringVar(&cfg.Name, "name", "", "host name in the cluster (default: the OS host name)")
	f.StringVar(&cfg.Listen, "listen", "0.0.0.0:8444", "address of the agent's RPC listener")
	f.StringVar(&cfg.Advertise, "advertise", "", "host name or IP the controller uses to reach --listen")
	f.StringVar(&accel, "accel", "", "kvm or tcg (default: detect)")
	f.StringVar(&qemuBin, "qemu", "", "qemu-system binary (default qemu-system-x86_64)")
	f.StringVar(&logFormat, "log-format", "text", "log lines as text (key=value) or json")
	return cmd
}

// newLogger makes the daemons' logger in the format asked for.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", format)
}
