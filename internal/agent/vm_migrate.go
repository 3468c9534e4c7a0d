package agent

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/storage"
)

// Live migration, host to host. The controller asks the destination to
// prepare (incoming), then the source to send (migrate); each agent does
// its half with its own files. Disks are copied by QEMU's block
// migration: a COW disk is remade here on this host's copy of the same
// image, so only what the guest wrote above it travels.

// incoming makes the VM's directory and an empty disk like the source's,
// and starts QEMU waiting for the migration on a free port.
func (a *Agent) incoming(ctx context.Context, cfg hostlink.VMConfig) (hostlink.IncomingResponse, error) {
	dir := a.dir(cfg.ID)
	if st, err := a.cfg.Driver.Status(ctx, dir); err == nil && st.State != hypervisor.StateStopped {
		return hostlink.IncomingResponse{}, model.Errorf(model.CodeConflict, "VM %s already runs on host %s", cfg.ID, a.id.Name)
	}
	// Left by a migration that failed: this host does not hold the VM.
	if err := os.RemoveAll(dir); err != nil {
		return hostlink.IncomingResponse{}, err
	}
	fail := func(err error) (hostlink.IncomingResponse, error) {
		a.cfg.Driver.PowerOff(context.WithoutCancel(ctx), dir)
		os.RemoveAll(dir)
		return hostlink.IncomingResponse{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail(err)
	}
	if err := a.writeConfig(cfg); err != nil {
		return fail(err)
	}
	if cfg.CloudInit != nil {
		if err := a.writeSeed(ctx, cfg); err != nil {
			return fail(err)
		}
	}
	image, err := a.ensureImage(ctx, cfg.Image)
	if err != nil {
		return fail(err)
	}
	incremental := cfg.CloneMode == model.CloneCOW && cfg.Image.Format != model.FormatISO
	if incremental {
		err = a.cfg.Volumes.Clone(ctx, image, a.rootDisk(cfg.ID), storage.CloneCOW, cfg.DiskBytes)
	} else {
		err = a.cfg.Volumes.Create(ctx, a.rootDisk(cfg.ID), cfg.DiskBytes)
	}
	if err != nil {
		return fail(fmt.Errorf("make disk for incoming VM %s: %w", cfg.ID, err))
	}
	addr, err := a.migrationAddress()
	if err != nil {
		return fail(err)
	}
	spec, err := a.specFor(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	spec.Incoming = "tcp:" + addr
	if _, err := a.cfg.Driver.Start(ctx, dir, spec); err != nil {
		return fail(fmt.Errorf("start incoming VM %s: %w", cfg.ID, err))
	}
	return hostlink.IncomingResponse{URI: spec.Incoming, Incremental: incremental}, nil
}

// migrationAddress picks a free port on the address this agent is reached
// at. QEMU binds it right after; another process taking it in between
// makes the start fail, and the controller can try again.
func (a *Agent) migrationAddress() (string, error) {
	u, err := url.Parse(a.addr)
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(u.Hostname(), "0"))
	if err != nil {
		return "", fmt.Errorf("find a port for an incoming migration: %w", err)
	}
	defer ln.Close()
	return net.JoinHostPort(u.Hostname(), fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)), nil
}

// migrate sends the running VM to the destination prepared by incoming.
// On success the source QEMU stays paused (postmigrate) until the
// controller, having moved the VM to the new host, deletes it here.
func (a *Agent) migrate(ctx context.Context, id string, req hypervisor.MigrateRequest) (hostlink.VMStatus, error) {
	state, err := a.observed(ctx, id)
	if err != nil {
		return hostlink.VMStatus{}, err
	}
	if state != hypervisor.StateRunning && state != hypervisor.StatePaused {
		return hostlink.VMStatus{}, model.Errorf(model.CodeConflict, "VM %s is %s: only a running VM migrates live", id, state)
	}
	started := time.Now()
	if err := a.cfg.Driver.Migrate(ctx, a.dir(id), req, nil); err != nil {
		return hostlink.VMStatus{}, fmt.Errorf("migrate VM %s: %w", id, err)
	}
	a.log.Info("VM migrated", "vm", id, "to", req.URI, "took", time.Since(started))
	return a.status(ctx, id)
}
