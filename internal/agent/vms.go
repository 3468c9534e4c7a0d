package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"time"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/httpguard"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/storage"
)

// validID keeps VM ids usable as directory names.
var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

func (a *Agent) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /agent/v1/report", func(w http.ResponseWriter, r *http.Request) {
		hostlink.WriteJSON(w, http.StatusOK, a.report(r.Context()))
	})
	// vm serves a call on one VM under its lock; op names the call in
	// the error the controller gets, which says what failed without the
	// host's paths or command lines (those go to the agent's log).
	vm := func(op string, fn func(ctx context.Context, id string, r *http.Request) (any, error)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue("id")
			if !validID.MatchString(id) {
				hostlink.WriteError(w, model.FieldError("id", "%q is not a valid VM id", id))
				return
			}
			// A VM call lasts as long as its operation (a download and a
			// full copy, a migration, a graceful stop): the controller's
			// task bounds it, not the listener's write timeout.
			httpguard.ExtendWrite(r.Context(), 0)
			unlock := a.lock(id)
			out, err := fn(r.Context(), id, r)
			unlock()
			if err != nil {
				hostlink.WriteError(w, a.publicError(op, id, err))
				return
			}
			a.kick()
			hostlink.WriteJSON(w, http.StatusOK, out)
		}
	}
	mux.HandleFunc("POST /agent/v1/vms/{id}/provision", vm("provision", func(ctx context.Context, id string, r *http.Request) (any, error) {
		cfg, err := decodeConfig(r, id)
		if err != nil {
			return nil, err
		}
		return a.provision(ctx, cfg)
	}))
	mux.HandleFunc("POST /agent/v1/vms/{id}/start", vm("start", func(ctx context.Context, id string, r *http.Request) (any, error) {
		cfg, err := decodeConfig(r, id)
		if err != nil {
			return nil, err
		}
		return a.start(ctx, cfg)
	}))
	mux.HandleFunc("PUT /agent/v1/vms/{id}/state", vm("power change", func(ctx context.Context, id string, r *http.Request) (any, error) {
		var req hostlink.StateRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			return nil, model.Errorf(model.CodeInvalidArgument, "decode state request: %v", err)
		}
		return a.changeState(ctx, id, req.Action)
	}))
	mux.HandleFunc("GET /agent/v1/vms/{id}", vm("status", func(ctx context.Context, id string, r *http.Request) (any, error) {
		return a.status(ctx, id)
	}))
	mux.HandleFunc("DELETE /agent/v1/vms/{id}", vm("delete", func(ctx context.Context, id string, r *http.Request) (any, error) {
		return struct{}{}, a.delete(ctx, id)
	}))
	mux.HandleFunc("PUT /agent/v1/vms/{id}/qos", vm("QoS change", func(ctx context.Context, id string, r *http.Request) (any, error) {
		var qos hypervisor.QoS
		if err := decodeBody(r, &qos); err != nil {
			return nil, err
		}
		return struct{}{}, a.setQoS(ctx, id, qos)
	}))
	mux.HandleFunc("PUT /agent/v1/vms/{id}/password", vm("password change", func(ctx context.Context, id string, r *http.Request) (any, error) {
		var req hostlink.PasswordRequest
		if err := decodeBody(r, &req); err != nil {
			return nil, err
		}
		return struct{}{}, a.setPassword(ctx, id, req)
	}))
	mux.HandleFunc("POST /agent/v1/vms/{id}/incoming", vm("migration preparation", func(ctx context.Context, id string, r *http.Request) (any, error) {
		cfg, err := decodeConfig(r, id)
		if err != nil {
			return nil, err
		}
		return a.incoming(ctx, cfg)
	}))
	mux.HandleFunc("POST /agent/v1/vms/{id}/migrate", vm("migration", func(ctx context.Context, id string, r *http.Request) (any, error) {
		var req hypervisor.MigrateRequest
		if err := decodeBody(r, &req); err != nil {
			return nil, err
		}
		return a.migrate(ctx, id, req)
	}))
	mux.HandleFunc("POST /agent/v1/vms/{id}/disk", vm("disk change", func(ctx context.Context, id string, r *http.Request) (any, error) {
		var req hostlink.DiskRequest
		if err := decodeBody(r, &req); err != nil {
			return nil, err
		}
		return a.changeDisk(ctx, id, req)
	}))
	mux.HandleFunc("GET /agent/v1/vms/{id}/media", vm("media query", func(ctx context.Context, id string, r *http.Request) (any, error) {
		return a.media(ctx, id)
	}))
	mux.HandleFunc("POST /agent/v1/vms/{id}/media", vm("media insert", func(ctx context.Context, id string, r *http.Request) (any, error) {
		var req hostlink.MediaRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			return nil, model.Errorf(model.CodeInvalidArgument, "decode media request: %v", err)
		}
		return a.insertMedia(ctx, id, req.Image)
	}))
	mux.HandleFunc("DELETE /agent/v1/vms/{id}/media", vm("media eject", func(ctx context.Context, id string, r *http.Request) (any, error) {
		return struct{}{}, a.ejectMedia(ctx, id)
	}))
	mux.HandleFunc("POST /agent/v1/vms/{id}/snapshots", vm("snapshot", func(ctx context.Context, id string, r *http.Request) (any, error) {
		var req hostlink.SnapshotRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			return nil, model.Errorf(model.CodeInvalidArgument, "decode snapshot request: %v", err)
		}
		return a.createSnapshot(ctx, id, req.Name)
	}))
	mux.HandleFunc("PUT /agent/v1/vms/{id}/snapshots/{name}", vm("snapshot revert", func(ctx context.Context, id string, r *http.Request) (any, error) {
		return struct{}{}, a.revertSnapshot(ctx, id, r.PathValue("name"))
	}))
	mux.HandleFunc("DELETE /agent/v1/vms/{id}/snapshots/{name}", vm("snapshot delete", func(ctx context.Context, id string, r *http.Request) (any, error) {
		return struct{}{}, a.deleteSnapshot(ctx, id, r.PathValue("name"))
	}))
	mux.HandleFunc("GET /agent/v1/vms/{id}/serial", vm("serial log", func(ctx context.Context, id string, r *http.Request) (any, error) {
		req, err := serialRequestOf(r)
		if err != nil {
			return nil, err
		}
		return a.serialLog(id, req)
	}))
	// Not under vm(): a console session lasts long and must not hold
	// the VM's lock.
	mux.HandleFunc("GET /agent/v1/vms/{id}/vnc", a.serveConsole(model.ConsoleVNC))
	mux.HandleFunc("GET /agent/v1/vms/{id}/serial-console", a.serveConsole(model.ConsoleSerial))
	return mux
}

func decodeConfig(r *http.Request, id string) (hostlink.VMConfig, error) {
	var cfg hostlink.VMConfig
	if err := json.NewDecoder(r.Body).Decode(&cfg); err != nil {
		return cfg, model.Errorf(model.CodeInvalidArgument, "decode VM config: %v", err)
	}
	if cfg.ID != id {
		return cfg, model.Errorf(model.CodeInvalidArgument, "config is for VM %q, not %q", cfg.ID, id)
	}
	return cfg, nil
}

func (a *Agent) dir(id string) string      { return filepath.Join(a.vmDir, id) }
func (a *Agent) rootDisk(id string) string { return filepath.Join(a.dir(id), "root.qcow2") }

// provision makes the VM's directory and system disk. It is idempotent: a
// VM whose disk exists is left as it is. Free space is checked before
// anything is written, and a failure removes what this call made.
func (a *Agent) provision(ctx context.Context, cfg hostlink.VMConfig) (hostlink.VMStatus, error) {
	dir := a.dir(cfg.ID)
	disk := a.rootDisk(cfg.ID)
	if _, err := os.Stat(disk); err == nil {
		return a.status(ctx, cfg.ID)
	}
	var source string
	if cfg.CloneOf != "" {
		var err error
		if source, err = a.cloneSource(ctx, cfg); err != nil {
			return hostlink.VMStatus{}, err
		}
	} else if err := a.provisionRoom(ctx, cfg); err != nil {
		return hostlink.VMStatus{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return hostlink.VMStatus{}, err
	}
	fail := func(err error) (hostlink.VMStatus, error) {
		a.removeStorage(cfg.ID)
		os.RemoveAll(dir)
		return hostlink.VMStatus{}, err
	}
	if err := a.writeConfig(cfg); err != nil {
		return fail(err)
	}
	if cfg.CloudInit != nil || cfg.Network != nil {
		if err := a.writeSeed(ctx, cfg); err != nil {
			return fail(err)
		}
	}
	image := source
	var err error
	if source == "" {
		if image, err = a.ensureImage(ctx, cfg.Image); err != nil {
			return fail(err)
		}
	}
	if cfg.StorageDir != "" {
		// A local storage pool: the disk lives in the pool's directory and
		// the VM directory links to it, so everything else (start,
		// resize, status) finds it at the usual path.
		if disk, err = a.linkStorage(cfg); err != nil {
			return fail(err)
		}
	}
	switch {
	case source != "":
		// A clone: a full, flattened copy of the other VM's disk.
		err = a.cfg.Volumes.Clone(ctx, source, disk, storage.CloneFull, cfg.DiskBytes)
	case cfg.Image.Format == model.FormatISO:
		// Boot media: the VM gets an empty disk to install onto.
		err = a.cfg.Volumes.Create(ctx, disk, cfg.DiskBytes)
	default:
		err = a.cfg.Volumes.Clone(ctx, image, disk, storage.CloneMode(cfg.CloneMode), cfg.DiskBytes)
	}
	if err != nil {
		return fail(diskError(fmt.Errorf("make disk of VM %s: %w", cfg.ID, err)))
	}
	return a.status(ctx, cfg.ID)
}

// cloneSource is the system disk a clone copies: that of another VM of
// this host, which must not run (its disk would change under the copy).
// The host must have room for the copy's virtual size.
func (a *Agent) cloneSource(ctx context.Context, cfg hostlink.VMConfig) (string, error) {
	if !validID.MatchString(cfg.CloneOf) || cfg.CloneOf == cfg.ID {
		return "", model.FieldError("clone_of", "%q is not a valid VM id", cfg.CloneOf)
	}
	src := a.rootDisk(cfg.CloneOf)
	if _, err := os.Stat(src); err != nil {
		return "", model.Errorf(model.CodeNotFound, "VM %s has no disk on host %s to clone", cfg.CloneOf, a.id.Name)
	}
	st, err := a.cfg.Driver.Status(ctx, a.dir(cfg.CloneOf))
	if err != nil {
		return "", err
	}
	if st.State == hypervisor.StateRunning || st.State == hypervisor.StatePaused {
		return "", model.Errorf(model.CodeConflict, "VM %s runs: stop it to clone its disk", cfg.CloneOf)
	}
	info, err := a.cfg.Volumes.Info(ctx, src)
	if err != nil {
		return "", diskError(fmt.Errorf("read disk of VM %s: %w", cfg.CloneOf, err))
	}
	target := a.vmDir
	if cfg.StorageDir != "" {
		target = cfg.StorageDir
	}
	return src, a.requireFree(target, info.VirtualSize, "a copy of the disk of VM "+cfg.CloneOf+" for VM "+cfg.ID)
}

// provisionRoom checks that the host has room for what provision makes:
// the image in the cache if it is not there yet, and the disk: a full
// copy takes up to the image's virtual size, an overlay or an empty disk
// only the margin at first.
func (a *Agent) provisionRoom(ctx context.Context, cfg hostlink.VMConfig) error {
	if !validID.MatchString(cfg.Image.ID) {
		return model.FieldError("image", "%q is not a valid image id", cfg.Image.ID)
	}
	var need int64
	if cached, err := os.Stat(a.imagePath(cfg.Image.ID)); err != nil || cached.Size() != cfg.Image.SizeBytes {
		need = cfg.Image.SizeBytes
		if err := a.requireFree(a.imageDir(), need, "image "+cfg.Image.ID+" in the image cache"); err != nil {
			return err
		}
	}
	target := a.vmDir
	if cfg.StorageDir != "" {
		target = cfg.StorageDir
	}
	if cfg.CloneMode == model.CloneFull && cfg.Image.Format != model.FormatISO {
		if !sameFS(target, a.imageDir()) {
			need = 0 // the download does not take from the disk's room
		}
		copySize := max(cfg.Image.VirtualSize, cfg.Image.SizeBytes)
		return a.requireFree(target, satAdd(copySize, need), "a full copy of image "+cfg.Image.ID+" for VM "+cfg.ID)
	}
	return a.requireFree(target, 0, "the disk of VM "+cfg.ID)
}

func (a *Agent) writeConfig(cfg hostlink.VMConfig) error {
	raw, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(a.dir(cfg.ID), "config.json.tmp")
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(a.dir(cfg.ID), "config.json"))
}

// start boots the VM with cfg; starting a running VM is not an error.
func (a *Agent) start(ctx context.Context, cfg hostlink.VMConfig) (hostlink.VMStatus, error) {
	dir := a.dir(cfg.ID)
	disk := a.rootDisk(cfg.ID)
	if _, err := os.Stat(disk); err != nil {
		return hostlink.VMStatus{}, model.Errorf(model.CodeNotFound, "VM %s has no disk on host %s", cfg.ID, a.id.Name)
	}
	st, err := a.cfg.Driver.Status(ctx, dir)
	if err != nil {
		return hostlink.VMStatus{}, err
	}
	switch st.State {
	case hypervisor.StateRunning, hypervisor.StatePaused:
		return a.status(ctx, cfg.ID)
	case hypervisor.StateShutdown, hypervisor.StateCrashed:
		// A process is left over: clear it before starting afresh.
		if err := a.cfg.Driver.PowerOff(ctx, dir); err != nil {
			return hostlink.VMStatus{}, err
		}
	}
	if err := a.writeConfig(cfg); err != nil {
		return hostlink.VMStatus{}, err
	}
	info, err := a.cfg.Volumes.Info(ctx, disk)
	if err != nil {
		return hostlink.VMStatus{}, err
	}
	if cfg.DiskBytes > info.VirtualSize {
		if err := a.cfg.Volumes.Resize(ctx, disk, cfg.DiskBytes, false); err != nil {
			return hostlink.VMStatus{}, err
		}
	}
	spec, err := a.specFor(ctx, cfg)
	if err != nil {
		return hostlink.VMStatus{}, err
	}
	data, err := a.ensureDataDisks(ctx, cfg.ID, cfg.DataDisks)
	if err != nil {
		return hostlink.VMStatus{}, fmt.Errorf("data disks of VM %s: %w", cfg.ID, err)
	}
	// Right after the system disk, so the guest names them vdb, vdc...
	spec.Disks = append(spec.Disks[:1], append(data, spec.Disks[1:]...)...)
	if _, err := a.cfg.Driver.Start(ctx, dir, spec); err != nil {
		return hostlink.VMStatus{}, fmt.Errorf("start VM %s: %w", cfg.ID, err)
	}
	return a.status(ctx, cfg.ID)
}

// specFor is what the hypervisor needs to run the VM of cfg.
func (a *Agent) specFor(ctx context.Context, cfg hostlink.VMConfig) (hypervisor.Spec, error) {
	spec := hypervisor.Spec{
		ID: cfg.ID, Name: cfg.Name, Cores: cfg.Cores, MemoryMiB: cfg.MemoryMiB,
		Disks:       []hypervisor.Disk{{Path: a.rootDisk(cfg.ID), Format: "qcow2", Limits: cfg.QoS.Disk}},
		NICs:        cfg.NICs,
		BootMedia:   cfg.BootMedia,
		GuestAgent:  cfg.GuestAgent,
		CPUPriority: cfg.QoS.CPUPriority,
	}
	if cfg.Media != nil {
		// First of the media, so it is the drive booted from and the
		// one media changes work on.
		if cfg.Media.Format != model.FormatISO {
			return hypervisor.Spec{}, model.FieldError("media", "image %s is %s, not an ISO", cfg.Media.ID, cfg.Media.Format)
		}
		iso, err := a.ensureImage(ctx, *cfg.Media)
		if err != nil {
			return hypervisor.Spec{}, err
		}
		spec.Disks = append(spec.Disks, hypervisor.Disk{Path: iso, Format: "raw", Media: true, ReadOnly: true})
		spec.BootMedia = true
	}
	if cfg.CloudInit != nil || cfg.Network != nil {
		spec.Disks = append(spec.Disks, hypervisor.Disk{Path: a.seedPath(cfg.ID), Format: "raw", ReadOnly: true})
	}
	if cfg.Image.Format == model.FormatISO {
		spec.Disks = append(spec.Disks, hypervisor.Disk{Path: a.imagePath(cfg.Image.ID), Format: "raw", Media: true, ReadOnly: true})
	}
	return spec, nil
}

func (a *Agent) changeState(ctx context.Context, id, action string) (hostlink.VMStatus, error) {
	dir := a.dir(id)
	if _, err := os.Stat(dir); err != nil {
		return hostlink.VMStatus{}, model.NotFound("VM", id)
	}
	var err error
	switch action {
	case hostlink.ActionShutdown:
		err = a.cfg.Driver.Shutdown(ctx, dir)
	case hostlink.ActionPowerOff:
		err = a.cfg.Driver.PowerOff(ctx, dir)
	case hostlink.ActionReboot:
		err = a.cfg.Driver.Reboot(ctx, dir)
	case hostlink.ActionPause:
		err = a.cfg.Driver.Pause(ctx, dir)
	case hostlink.ActionResume:
		err = a.cfg.Driver.Resume(ctx, dir)
	default:
		return hostlink.VMStatus{}, model.FieldError("action", "unknown action %q", action)
	}
	if err != nil {
		return hostlink.VMStatus{}, fmt.Errorf("%s VM %s: %w", action, id, err)
	}
	return a.status(ctx, id)
}

// status observes a VM. The caller holds the VM's lock, so observations
// and changes of one VM are ordered, and so are their sequence numbers.
func (a *Agent) status(ctx context.Context, id string) (hostlink.VMStatus, error) {
	dir := a.dir(id)
	if _, err := os.Stat(dir); err != nil {
		return hostlink.VMStatus{}, model.NotFound("VM", id)
	}
	seq := a.seq.Add(1)
	st, err := a.cfg.Driver.Status(ctx, dir)
	if err != nil {
		return hostlink.VMStatus{}, err
	}
	return a.toStatus(id, st, seq), nil
}

func (a *Agent) toStatus(id string, st hypervisor.Status, seq int64) hostlink.VMStatus {
	if st.State == hypervisor.StateCrashed && st.PID == 0 && !st.Started.IsZero() && st.Started.Before(a.bootedAt()) {
		// Its QEMU ended with the host, which has booted since: the VM
		// was powered off with the host, not crashed.
		st.State, st.Reason = hypervisor.StateStopped, ""
	}
	out := hostlink.VMStatus{ID: id, State: st.State, PID: st.PID, Accel: string(st.Accel), Seq: seq, Reason: st.Reason}
	if fi, err := os.Stat(a.rootDisk(id)); err == nil {
		out.DiskBytes = fi.Size()
	}
	return out
}

// delete powers the VM off and removes its directory; a VM this host does
// not have is already deleted.
func (a *Agent) delete(ctx context.Context, id string) error {
	dir := a.dir(id)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := a.cfg.Driver.PowerOff(ctx, dir); err != nil {
		return fmt.Errorf("power off VM %s before delete: %w", id, err)
	}
	if err := a.removeStorage(id); err != nil {
		return err
	}
	return os.RemoveAll(dir)
}

// linkStorage makes the VM's directory in its storage pool and links the
// root disk path to the disk file there, which it returns.
func (a *Agent) linkStorage(cfg hostlink.VMConfig) (string, error) {
	if !filepath.IsAbs(cfg.StorageDir) {
		return "", model.Errorf(model.CodeInvalidArgument, "storage directory %q is not absolute", cfg.StorageDir)
	}
	dir := filepath.Join(cfg.StorageDir, cfg.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("make the disk directory of VM %s in storage pool directory %s: %w", cfg.ID, cfg.StorageDir, err)
	}
	disk := filepath.Join(dir, "root.qcow2")
	os.Remove(a.rootDisk(cfg.ID))
	if err := os.Symlink(disk, a.rootDisk(cfg.ID)); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return disk, nil
}

// removeStorage removes the disk directory a VM has in a storage pool,
// found through its root disk link.
func (a *Agent) removeStorage(id string) error {
	target, err := os.Readlink(a.rootDisk(id))
	if err != nil {
		return nil // no link: the disk is in the VM directory
	}
	dir := filepath.Dir(target)
	if filepath.Base(dir) != id || !filepath.IsAbs(dir) {
		return nil // not a link Kumo made; leave it alone
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove the disks of VM %s from %s: %w", id, dir, err)
	}
	return nil
}

// bootedAt is when the host booted (as configured, for tests, or the
// kernel's).
func (a *Agent) bootedAt() time.Time {
	if !a.cfg.BootedAt.IsZero() {
		return a.cfg.BootedAt
	}
	return bootTime()
}

// report is the heartbeat payload: capacity and every VM's state.
func (a *Agent) report(ctx context.Context) hostlink.HostReport {
	rep := hostlink.HostReport{
		HostID: a.id.HostID, Name: a.id.Name, Address: a.addr, Accel: string(a.cfg.Accel),
		CPUs: runtime.NumCPU(), MemoryBytes: hostMemory(), SentAt: time.Now().UTC(), VMs: []hostlink.VMStatus{},
	}
	rep.Seq = a.seq.Add(1)
	rep.DiskBytes, rep.DiskFreeBytes = diskSpace(a.cfg.DataDir)
	rep.DataDir = a.vmDir
	rep.CPUUsage = a.cpu.usage()
	rep.MemoryAvailableBytes = memAvailable()
	rep.GPUs = countGPUs(pciDevices)
	rep.BootedAt = a.bootedAt()
	entries, _ := os.ReadDir(a.vmDir)
	for _, e := range entries {
		if !e.IsDir() || !validID.MatchString(e.Name()) {
			continue
		}
		// A VM that a call is changing is reported busy rather than
		// waited for: a long disk copy must not hold up the heartbeat.
		m := a.vmLock(e.Name())
		if !m.TryLock() {
			rep.VMs = append(rep.VMs, hostlink.VMStatus{ID: e.Name(), Busy: true})
			continue
		}
		// One unresponsive VM must not hold up the whole report.
		vctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		st, err := a.status(vctx, e.Name())
		if err == nil && (st.State == hypervisor.StateRunning || st.State == hypervisor.StatePaused) {
			// Counters are a nicety: a VM that does not answer for them
			// is still reported.
			if u, uerr := a.cfg.Driver.Usage(vctx, a.dir(e.Name())); uerr == nil {
				st.Usage = &u
			}
		}
		cancel()
		m.Unlock()
		if err != nil {
			st = hostlink.VMStatus{ID: e.Name(), State: hypervisor.StateUnknown, Seq: a.seq.Add(1)}
		}
		rep.VMs = append(rep.VMs, st)
	}
	return rep
}

func (a *Agent) imagePath(id string) string { return filepath.Join(a.imageDir(), id) }

// ensureImage returns the local path of an image, downloading it from the
// controller first if this host does not have it. Files appear under their
// final name only when complete and verified, so presence means usable.
func (a *Agent) ensureImage(ctx context.Context, ref hostlink.ImageRef) (string, error) {
	if !validID.MatchString(ref.ID) {
		return "", model.FieldError("image", "%q is not a valid image id", ref.ID)
	}
	path := a.imagePath(ref.ID)
	if fi, err := os.Stat(path); err == nil && fi.Size() == ref.SizeBytes {
		return path, nil
	}
	if err := a.requireFree(a.imageDir(), ref.SizeBytes, "image "+ref.ID+" in the image cache"); err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.id.Controller+hostlink.PathImages+ref.ID, nil)
	if err != nil {
		return "", err
	}
	// The download may take longer than a heartbeat's timeout.
	hc := &http.Client{Transport: a.ctl.Transport}
	resp, err := hc.Do(req)
	if err != nil {
		return "", &model.Error{Code: model.CodeUnavailable, Message: "download image " + ref.ID, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", model.Errorf(model.CodeUnavailable, "download image %s: HTTP %d", ref.ID, resp.StatusCode)
	}
	tmp, err := os.CreateTemp(a.imageDir(), ref.ID+".part-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	sum := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, sum), resp.Body); err != nil {
		tmp.Close()
		return "", fmt.Errorf("download image %s: %w", ref.ID, err)
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if got := hex.EncodeToString(sum.Sum(nil)); ref.SHA256 != "" && got != ref.SHA256 {
		return "", fmt.Errorf("image %s arrived corrupted: sha256 %s, want %s", ref.ID, got, ref.SHA256)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", err
	}
	return path, nil
}
