package service

import (
	"context"
	"errors"
	"slices"
	"strings"

	"fmt"
	"math"
	"net/netip"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
	"github.com/kumo-cloud/kumo/internal/task"
)

// CreateVMRequest asks for a new VM.
type CreateVMRequest struct {
	Name        string
	Description string
	Pool        string // id or name; default pool if empty
	Image       string // id or name
	Cores       int
	MemoryMiB   int
	DiskBytes   int64 // 0: the image's size (10 GiB for ISO images)
	CloneMode   model.CloneMode
	Start       bool
	// Owner defaults to the caller.
	Owner     string
	Group     string
	AutoStart bool
	// OnCrash is model.OnCrashRestart, OnCrashStop or "" (see VM.OnCrash).
	OnCrash   string
	Template  string // id or name; optional
	CloudInit *model.CloudInit
	QoS       model.QoS
	// SecurityPolicyGroup (an id; optional) initialises the VM's
	// security policy with a copy of the group's rules.
	SecurityPolicyGroup string
	// PortForwards forward host ports to the guest (user-mode NAT).
	PortForwards []model.PortForward
	// NetworkFilters are DBC security group rules (see
	// NetworkFiltersBlockOutbound).
	NetworkFilters []string
	// Multicast are multicast addresses the VM joins a segment of each
	// with a NIC (see MulticastSegment).
	Multicast []string
	// Host (an id), if set, is the only host of the pool the VM may be
	// placed on (DBC names the GPU node a VM goes to).
	Host string
	// LAN, if set, is a LAN (by name) the VM joins with a second NIC; the
	// VM goes to the LAN's host.
	LAN string
	// CloneOf, if set, is a stopped VM (id or name) whose system disk the
	// new VM's is a full copy of: the new VM has its image and goes to its
	// host, and its disk is at least as large. Data disks are not copied.
	CloneOf string
}

// Defaults of a new VM.
const (
	DefaultCores     = 1
	DefaultMemoryMiB = 512
	DefaultISODisk   = 10 << 30
)

// CreateVM validates the request, places the VM on a host and returns it
// with the task that makes its disk (and starts it if asked). Everything
// that can be checked is checked before anything is stored; if the task
// fails, the VM and its files are removed again.
func (s *Service) CreateVM(ctx context.Context, req CreateVMRequest) (model.VM, model.Task, error) {
	if err := Authorize(ctx, model.PermVMCreate); err != nil {
		return model.VM{}, model.Task{}, err
	}
	if err := validName("name", req.Name); err != nil {
		return model.VM{}, model.Task{}, err
	}
	if err := validQoS(req.QoS); err != nil {
		return model.VM{}, model.Task{}, err
	}
	if req.OnCrash != "" && req.OnCrash != model.OnCrashRestart && req.OnCrash != model.OnCrashStop {
		return model.VM{}, model.Task{}, model.FieldError("on_crash", "must be %s or %s", model.OnCrashRestart, model.OnCrashStop)
	}
	if req.QoS.CPUPriority == hypervisor.CPUPriorityMedium {
		req.QoS.CPUPriority = ""
	}
	if req.Cores == 0 {
		req.Cores = DefaultCores
	}
	if req.MemoryMiB == 0 {
		req.MemoryMiB = DefaultMemoryMiB
	}
	if req.CloneMode == "" {
		req.CloneMode = model.CloneCOW
	}
	if err := validSize(req.Cores, req.MemoryMiB); err != nil {
		return model.VM{}, model.Task{}, err
	}
	if err := validPortForwards("port_forwards", req.PortForwards); err != nil {
		return model.VM{}, model.Task{}, err
	}
	if _, err := NetworkFiltersBlockOutbound("network_filters", req.NetworkFilters, req.PortForwards); err != nil {
		return model.VM{}, model.Task{}, err
	}
	if err := validMulticast("multicast", req.Multicast); err != nil {
		return model.VM{}, model.Task{}, err
	}
	if req.CloneMode != model.CloneCOW && req.CloneMode != model.CloneFull {
		return model.VM{}, model.Task{}, model.FieldError("clone_mode", "must be %q or %q", model.CloneCOW, model.CloneFull)
	}
	var cloneOf string
	if req.CloneOf != "" {
		src, err := s.reachVM(ctx, req.CloneOf, model.PermVMRead)
		if err != nil {
			return model.VM{}, model.Task{}, err
		}
		if src.Status != model.PowerStopped || src.PowerState != model.PowerStopped {
			return model.VM{}, model.Task{}, model.Errorf(model.CodeConflict, "VM %s is %s: stop it to clone it (its disk is copied as it is)", src.Name, src.Status)
		}
		if req.Image != "" || (req.Host != "" && req.Host != src.HostID) || req.LAN != "" {
			return model.VM{}, model.Task{}, model.FieldError("clone_of", "a clone has the image and host of VM %s", src.Name)
		}
		if req.DiskBytes == 0 {
			req.DiskBytes = src.DiskBytes
		}
		if req.DiskBytes < src.DiskBytes {
			return model.VM{}, model.Task{}, model.FieldError("disk_bytes", "must be at least the size of VM %s's disk, %d bytes", src.Name, src.DiskBytes)
		}
		req.Image, req.Host, req.CloneMode, cloneOf = src.ImageID, src.HostID, model.CloneFull, src.ID
		if req.Pool == "" {
			req.Pool = src.PoolID
		}
	}
	if req.Image == "" {
		return model.VM{}, model.Task{}, model.FieldError("image", "is required")
	}
	img, err := s.GetImage(ctx, req.Image)
	if err != nil {
		return model.VM{}, model.Task{}, err
	}
	if img.State != model.ImageReady {
		return model.VM{}, model.Task{}, model.Errorf(model.CodeConflict, "image %s is %s", img.Name, img.State)
	}
	if req.DiskBytes == 0 {
		req.DiskBytes = img.VirtualSize
		if img.Format == model.FormatISO {
			req.DiskBytes = DefaultISODisk
		}
	}
	if req.DiskBytes < 0 || (img.Format != model.FormatISO && req.DiskBytes < img.VirtualSize) {
		return model.VM{}, model.Task{}, model.FieldError("disk_bytes", "must be at least the image's size of %d bytes", img.VirtualSize)
	}
	if err := validDiskBytes("disk_bytes", req.DiskBytes); err != nil {
		return model.VM{}, model.Task{}, err
	}
	if req.Pool == "" {
		req.Pool = model.DefaultPoolName
	}
	pool, err := s.GetPool(ctx, req.Pool)
	if err != nil {
		return model.VM{}, model.Task{}, err
	}
	if !pool.Enabled {
		return model.VM{}, model.Task{}, model.Errorf(model.CodeConflict, "pool %s is disabled", pool.Name)
	}
	var templateID string
	if req.Template != "" {
		t, err := s.GetTemplate(ctx, req.Template)
		if err != nil {
			return model.VM{}, model.Task{}, err
		}
		templateID = t.ID
	}
	var tenant string
	if req.Owner, req.Group, tenant, err = s.ownership(ctx, req.Owner, req.Group); err != nil {
		return model.VM{}, model.Task{}, err
	}
	var lan model.LAN
	if req.LAN != "" {
		if lan, err = s.GetLAN(ctx, req.LAN); err != nil {
			return model.VM{}, model.Task{}, err
		}
		if lan.TenantID != tenant {
			return model.VM{}, model.Task{}, model.NotFound("network", req.LAN)
		}
		if req.Host != "" && req.Host != lan.HostID {
			return model.VM{}, model.Task{}, model.Errorf(model.CodeConflict, "network %s is on another host: its VMs run on its host", lan.Name)
		}
		req.Host = lan.HostID
	}
	var policy *model.SecurityPolicy
	if req.SecurityPolicyGroup != "" {
		if policy, err = s.policyFromGroup(ctx, req.SecurityPolicyGroup); err != nil {
			return model.VM{}, model.Task{}, err
		}
	}
	var addressPool model.AddressPool
	if pool.AddressPool != "" {
		// The pool's address pool is the platform's business: the caller
		// uses it through the pool, it needs no right to read it.
		if addressPool, err = s.db.GetAddressPool(ctx, pool.AddressPool); err != nil {
			return model.VM{}, model.Task{}, model.Errorf(model.CodeConflict, "pool %s uses address pool %s, which does not exist", pool.Name, pool.AddressPool)
		}
	}
	vm := model.VM{
		ID: uuid.NewString(), Name: req.Name, Description: req.Description, PoolID: pool.ID, ImageID: img.ID,
		Cores: req.Cores, MemoryMiB: req.MemoryMiB, DiskBytes: req.DiskBytes, CloneMode: req.CloneMode,
		BootMedia: img.Format == model.FormatISO, PowerState: model.PowerStopped, Status: model.PowerCreating,
		Owner: req.Owner, Group: req.Group, TenantID: tenant, AutoStart: req.AutoStart, OnCrash: req.OnCrash, TemplateID: templateID, CloudInit: req.CloudInit,
		QoS: req.QoS, PortForwards: req.PortForwards, NetworkFilters: req.NetworkFilters,
		Multicast: req.Multicast, CreatedAt: now(), UpdatedAt: now(),
	}
	if req.Start {
		vm.PowerState = model.PowerRunning
	}
	demand := quotaDemand{model.QuotaVMCount: 1, model.QuotaVMCores: int64(vm.Cores), model.QuotaVMMemory: int64(vm.MemoryMiB) << 20,
		model.QuotaDiskBytes: vm.DiskBytes}
	if req.Start {
		demand[model.QuotaVMRunning] = 1
	}
	// Quota check, placement and insert happen in one transaction, so two
	// creates can neither both take the last of a quota nor both claim the
	// last free memory of a host.
	err = s.db.InTx(ctx, func(q store.Queries) error {
		if err := checkQuota(ctx, q, tenant, demand); err != nil {
			return err
		}
		if _, err := q.GetVM(ctx, req.Name); err == nil {
			return model.Errorf(model.CodeConflict, "a VM named %q already exists", req.Name)
		}
		var others []string
		if req.Host != "" {
			hosts, err := q.ListHosts(ctx)
			if err != nil {
				return internal(err, "list hosts")
			}
			for _, h := range hosts {
				if h.ID != req.Host {
					others = append(others, h.ID)
				}
			}
		}
		host, err := s.placeVM(ctx, q, pool, vmDemand{MemoryMiB: req.MemoryMiB, Cores: req.Cores, DiskBytes: req.DiskBytes,
			DiskNow: diskDemand(vm, img)}, others...)
		if err != nil {
			return err
		}
		vm.HostID = host.ID
		if err := portForwardsFree(ctx, q, host.ID, vm.ID, vm.PortForwards); err != nil {
			return err
		}
		if err := conflict(q.CreateVM(ctx, vm), "a VM named %q already exists", req.Name); err != nil {
			return err
		}
		if lan.Name != "" {
			if err := joinLAN(ctx, q, lan, vm.ID); err != nil {
				return err
			}
		}
		// The address is taken in the VM's transaction: a failed create
		// holds none, and the allocation goes with the VM row.
		if addressPool.ID != "" {
			_, err := q.AllocateAddress(ctx, addressPool.ID, vm.ID, now().UnixMicro())
			if errors.Is(err, store.ErrExhausted) {
				return model.Errorf(model.CodeInsufficientCapacity, "address pool %s of pool %s has no free address", addressPool.Name, pool.Name)
			}
			if errors.Is(err, store.ErrNotFound) {
				return model.Errorf(model.CodeConflict, "address pool %s of pool %s was deleted meanwhile", addressPool.Name, pool.Name)
			}
			if err != nil {
				return internal(err, "allocate an address")
			}
		}
		if policy != nil {
			policy.VMID, policy.UpdatedAt = vm.ID, now()
			return q.PutSecurityPolicy(ctx, *policy)
		}
		return nil
	})
	if err != nil {
		return model.VM{}, model.Task{}, err
	}
	t, err := s.tasks.Submit(ctx, task.Spec{Kind: kindVMCreate, TargetType: "vm", TargetID: vm.ID, Requester: requesterOf(ctx),
		Params: vmTaskParams{Start: req.Start, CloneOf: cloneOf}})
	if err != nil {
		s.db.DeleteVM(context.WithoutCancel(ctx), vm.ID)
		return model.VM{}, model.Task{}, err
	}
	return vm, t, nil
}

func validSize(cores, memoryMiB int) error {
	if cores < 1 || cores > model.MaxCores {
		return model.FieldError("cores", "must be between 1 and %d", model.MaxCores)
	}
	if memoryMiB < model.MinMemoryMiB || memoryMiB > model.MaxMemoryMiB {
		return model.FieldError("memory_mib", "must be between %d and %d", model.MinMemoryMiB, model.MaxMemoryMiB)
	}
	return nil
}

// validDiskBytes checks a disk size on its own: a positive number of
// whole 512-byte sectors (a guest's block device has no other sizes)
// within the limit. Whether a host can hold it is placement's question.
func validDiskBytes(field string, size int64) error {
	if size <= 0 || size > model.MaxDiskBytes || size%512 != 0 {
		return model.FieldError(field, "must be a positive multiple of 512 bytes up to %d, not %d", model.MaxDiskBytes, size)
	}
	return nil
}

// vmDemand is what a VM asks of the host it is placed on.
type vmDemand struct {
	MemoryMiB int
	Cores     int
	// DiskBytes is the system disk's virtual size: no host whose file
	// system is smaller could ever hold it.
	DiskBytes int64
	// DiskNow is the room making the disk takes at once: a full copy's
	// size; an overlay or an empty disk needs the margin only.
	DiskNow int64
}

// diskDemand is the room a new VM's system disk takes at once.
func diskDemand(vm model.VM, img model.Image) int64 {
	if vm.CloneMode == model.CloneFull && img.Format != model.FormatISO {
		return max(img.VirtualSize, img.SizeBytes)
	}
	return 0
}

// satAdd adds two non-negative sizes without wrapping past int64.
func satAdd(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// hostDiskRoom checks that the VM's host can take a disk of virtual
// bytes (its file system is larger) and has room for now bytes more and
// the margin, by its last report. A host that has not reported its disk
// is not judged.
func (s *Service) hostDiskRoom(ctx context.Context, hostID, field, what string, virtual, now int64) error {
	h, err := s.db.GetHost(ctx, hostID)
	if err != nil {
		return notFound(err, "host", hostID)
	}
	h = s.disks.apply(h)
	if h.DiskBytes == 0 {
		return nil
	}
	if virtual > h.DiskBytes {
		return &model.Error{Code: model.CodeInsufficientCapacity, Field: field,
			Message: fmt.Sprintf("%s: %d bytes is larger than host %s can hold (%d bytes)", what, virtual, h.Name, h.DiskBytes)}
	}
	if need := satAdd(now, model.DiskMarginBytes); h.DiskFreeBytes < need {
		return &model.Error{Code: model.CodeInsufficientCapacity, Field: field,
			Message: fmt.Sprintf("not enough free space on host %s for %s: %d MiB needed, %d MiB free", h.Name, what, need>>20, max(h.DiskFreeBytes, 0)>>20)}
	}
	return nil
}

// placeVM picks the online host of the pool with the most free memory
// that can hold the demand: memory (with overcommit), cores no more than
// the host has, a disk no larger than its file system, and the room the
// disk takes now with the margin, counting the disks of VMs still being
// made there, which the host's last report may not show yet. A host
// that has not reported a figure (0) is not judged by it.
func (s *Service) placeVM(ctx context.Context, q store.Queries, pool model.Pool, d vmDemand, except ...string) (model.Host, error) {
	hosts, err := q.ListHosts(ctx)
	if err != nil {
		return model.Host{}, err
	}
	alloc, err := q.HostAllocations(ctx)
	if err != nil {
		return model.Host{}, err
	}
	type candidate struct {
		host    model.Host
		freeMiB int64
	}
	var fits []candidate
	var online int
	// excluded are the online hosts the caller ruled out (a migration's
	// source, the hosts a VM may not go to).
	var excluded []string
	var best, mostCPUs, largestDisk, mostDiskFree int64
	for _, h := range s.disks.applyAll(hosts) {
		if h.PoolID != pool.ID || h.State != model.HostOnline || !h.Enabled {
			continue
		}
		if slices.Contains(except, h.ID) {
			excluded = append(excluded, h.Name)
			continue
		}
		online++
		a := alloc[h.ID]
		free := int64(float64(h.MemoryBytes>>20)*s.cfg.MemoryOvercommit) - a.MemoryMiB
		best = max(best, free)
		mostCPUs, largestDisk = max(mostCPUs, int64(h.CPUs)), max(largestDisk, h.DiskBytes)
		diskFree := h.DiskFreeBytes - satAdd(a.CreatingFullBytes, int64(a.Creating)*model.DiskMarginBytes)
		mostDiskFree = max(mostDiskFree, diskFree)
		switch {
		case free < int64(d.MemoryMiB):
		case h.CPUs > 0 && d.Cores > h.CPUs:
		case h.DiskBytes > 0 && (d.DiskBytes > h.DiskBytes || diskFree < satAdd(d.DiskNow, model.DiskMarginBytes)):
		default:
			fits = append(fits, candidate{h, free})
		}
	}
	if online == 0 && len(excluded) > 0 {
		return model.Host{}, model.Errorf(model.CodeInsufficientCapacity, "pool %s has no other online host than %s", pool.Name, strings.Join(excluded, ", "))
	}
	if online == 0 {
		return model.Host{}, model.Errorf(model.CodeInsufficientCapacity, "pool %s has no online host", pool.Name)
	}
	if len(fits) == 0 {
		e := &model.Error{Code: model.CodeInsufficientCapacity}
		switch {
		case best < int64(d.MemoryMiB):
			e.Field, e.Message = "memory_mib", fmt.Sprintf("not enough memory: %d MiB asked, the most any host of pool %s has free is %d MiB",
				d.MemoryMiB, pool.Name, max(best, 0))
		case mostCPUs > 0 && int64(d.Cores) > mostCPUs:
			e.Field, e.Message = "cores", fmt.Sprintf("%d cores asked, the most any host of pool %s has is %d", d.Cores, pool.Name, mostCPUs)
		case largestDisk > 0 && d.DiskBytes > largestDisk:
			e.Field, e.Message = "disk_bytes", fmt.Sprintf("a disk of %d bytes is larger than any host of pool %s can hold (the largest has %d bytes)",
				d.DiskBytes, pool.Name, largestDisk)
		case mostDiskFree < satAdd(d.DiskNow, model.DiskMarginBytes):
			e.Field, e.Message = "disk_bytes", fmt.Sprintf("not enough free space: %d MiB needed on a host of pool %s, the most any has free is %d MiB",
				satAdd(d.DiskNow, model.DiskMarginBytes)>>20, pool.Name, max(mostDiskFree, 0)>>20)
		default:
			e.Message = fmt.Sprintf("no host of pool %s has the memory, cores and disk space asked at once", pool.Name)
		}
		return model.Host{}, e
	}
	sort.Slice(fits, func(i, j int) bool { return fits[i].freeMiB > fits[j].freeMiB })
	return fits[0].host, nil
}

// ListVMs returns the VMs the caller may read: its own, its tenant's or
// groups' where they share them, and those shared with its tenant.
func (s *Service) ListVMs(ctx context.Context) ([]model.VM, error) {
	if err := Authorize(ctx, model.PermVMRead); err != nil {
		return nil, err
	}
	all, err := s.db.ListVMs(ctx)
	if err != nil {
		return nil, err
	}
	return s.visibleVMs(ctx, all), nil
}

// visibleVMs keeps, in place, the VMs of all that the caller may read.
func (s *Service) visibleVMs(ctx context.Context, all []model.VM) []model.VM {
	shared := s.sharedWith(ctx, "vm")
	visible := all[:0]
	for _, vm := range all {
		if visibleTo(ctx, model.PermVMRead, vmObject(vm, func() bool { return shared(vm.ID) })) {
			visible = append(visible, vm)
		}
	}
	return visible
}

// GetVM returns a VM by id or name, if the caller may read it.
func (s *Service) GetVM(ctx context.Context, idOrName string) (model.VM, error) {
	return s.reachVM(ctx, idOrName, model.PermVMRead)
}

// reachVM returns a VM by id or name if the caller holds perm on it; a VM
// it may not see is not found.
func (s *Service) reachVM(ctx context.Context, idOrName string, perm model.Permission) (model.VM, error) {
	if _, err := caller(ctx); err != nil {
		return model.VM{}, err
	}
	vm, err := s.db.GetVM(ctx, idOrName)
	if err != nil {
		return model.VM{}, notFound(err, "VM", idOrName)
	}
	if err := authorizeOn(ctx, perm, s.vmObject(ctx, vm)); err != nil {
		if model.IsCode(err, model.CodeNotFound) {
			err = model.NotFound("VM", idOrName)
		}
		return model.VM{}, err
	}
	return vm, nil
}

// UpdateVMRequest changes a VM; nil fields stay as they are.
type UpdateVMRequest struct {
	Name        *string
	Description *string
	Cores       *int
	MemoryMiB   *int
	AutoStart   *bool
	// PortForwards replaces the VM's forwards; they apply from its next
	// start, as QEMU binds them when it starts.
	PortForwards *[]model.PortForward
	// NetworkFilters replaces the VM's network filters, from its next
	// start.
	NetworkFilters *[]string
}

// UpdateVM changes a VM's description, or its cores and memory while it
// is stopped (they take effect at the next start).
func (s *Service) UpdateVM(ctx context.Context, idOrName string, req UpdateVMRequest) (model.VM, error) {
	vm, err := s.reachVM(ctx, idOrName, model.PermVMUpdate)
	if err != nil {
		return vm, err
	}
	resized := false
	if req.Cores != nil && *req.Cores != vm.Cores {
		vm.Cores, resized = *req.Cores, true
	}
	if req.MemoryMiB != nil && *req.MemoryMiB != vm.MemoryMiB {
		vm.MemoryMiB, resized = *req.MemoryMiB, true
	}
	if req.Description != nil {
		vm.Description = *req.Description
	}
	if req.AutoStart != nil {
		vm.AutoStart = *req.AutoStart
	}
	if req.Name != nil && *req.Name != vm.Name {
		if err := validName("name", *req.Name); err != nil {
			return vm, err
		}
		vm.Name = *req.Name
	}
	if req.PortForwards != nil {
		if err := validPortForwards("port_forwards", *req.PortForwards); err != nil {
			return vm, err
		}
		vm.PortForwards = *req.PortForwards
	}
	if req.NetworkFilters != nil {
		vm.NetworkFilters = *req.NetworkFilters
	}
	if req.PortForwards != nil || req.NetworkFilters != nil {
		// Filters are checked against the forwards they will meet.
		if _, err := NetworkFiltersBlockOutbound("network_filters", vm.NetworkFilters, vm.PortForwards); err != nil {
			return vm, err
		}
	}
	if resized {
		if err := validSize(vm.Cores, vm.MemoryMiB); err != nil {
			return vm, err
		}
		if vm.Status != model.PowerStopped || vm.PowerState != model.PowerStopped {
			return vm, model.Errorf(model.CodeConflict, "VM %s must be stopped to change cores or memory (it is %s)", vm.Name, vm.Status)
		}
	}
	vm.UpdatedAt = now()
	err = s.db.InTx(ctx, func(q store.Queries) error {
		if req.PortForwards != nil {
			if err := portForwardsFree(ctx, q, vm.HostID, vm.ID, vm.PortForwards); err != nil {
				return err
			}
		}
		if resized {
			// The host must still hold the VM with its new memory, and its
			// tenant's quotas the growth.
			cur, err := q.GetVM(ctx, vm.ID)
			if err != nil {
				return notFound(err, "VM", vm.ID)
			}
			if err := checkQuota(ctx, q, cur.TenantID, quotaDemand{model.QuotaVMCores: int64(vm.Cores - cur.Cores),
				model.QuotaVMMemory: int64(vm.MemoryMiB-cur.MemoryMiB) << 20}); err != nil {
				return err
			}
			if delta := vm.MemoryMiB - cur.MemoryMiB; delta > 0 {
				if err := s.hostHasRoom(ctx, q, vm.HostID, delta); err != nil {
					return err
				}
			}
		}
		return conflict(notFound(q.UpdateVM(ctx, vm), "VM", vm.ID), "a VM named %q already exists", vm.Name)
	})
	return vm, err
}

func (s *Service) hostHasRoom(ctx context.Context, q store.Queries, hostID string, moreMiB int) error {
	h, err := q.GetHost(ctx, hostID)
	if err != nil {
		return notFound(err, "host", hostID)
	}
	alloc, err := q.HostAllocations(ctx)
	if err != nil {
		return err
	}
	free := int64(float64(h.MemoryBytes>>20)*s.cfg.MemoryOvercommit) - alloc[hostID].MemoryMiB
	if free < int64(moreMiB) {
		return model.Errorf(model.CodeInsufficientCapacity, "not enough memory on host %s: %d MiB more asked, %d MiB free", h.Name, moreMiB, max(free, 0))
	}
	return nil
}

// VM actions.
const (
	ActionStart    = "start"
	ActionStop     = "stop" // graceful (ACPI), forced after the timeout if Force
	ActionPowerOff = "poweroff"
	ActionReboot   = "reboot"
	ActionPause    = "pause"
	ActionResume   = "resume"
)

// ChangeVMStateRequest asks for a power action.
type ChangeVMStateRequest struct {
	Action string
	// Force turns a stop that timed out into a power-off.
	Force bool
	// Timeout bounds a graceful stop (default: the service's StopTimeout).
	Timeout time.Duration
	// Media, for start only, is a media image (id or name) the VM boots
	// from this time, in its CD-ROM drive.
	Media string
}

// actionPerms is the permission each action needs.
var actionPerms = map[string]model.Permission{
	ActionStart: model.PermVMStart, ActionStop: model.PermVMStop, ActionPowerOff: model.PermVMStop,
	ActionReboot: model.PermVMReboot, ActionPause: model.PermVMPause, ActionResume: model.PermVMResume,
}

var actionKinds = map[string]string{
	ActionStart: kindVMStart, ActionStop: kindVMStop, ActionPowerOff: kindVMPowerOff,
	ActionReboot: kindVMReboot, ActionPause: kindVMPause, ActionResume: kindVMResume,
}

// actionNeeds is the observed state an action requires.
var actionNeeds = map[string]model.PowerState{
	ActionPause: model.PowerRunning, ActionResume: model.PowerPaused, ActionReboot: model.PowerRunning,
}

// ChangeVMState starts a task that applies a power action.
func (s *Service) ChangeVMState(ctx context.Context, idOrName string, req ChangeVMStateRequest) (model.Task, error) {
	kind, ok := actionKinds[req.Action]
	if !ok {
		return model.Task{}, model.FieldError("action", "unknown action %q: use start, stop, poweroff, reboot, pause or resume", req.Action)
	}
	if req.Timeout < 0 {
		return model.Task{}, model.FieldError("timeout", "must not be negative")
	}
	vm, err := s.reachVM(ctx, idOrName, actionPerms[req.Action])
	if err != nil {
		return model.Task{}, err
	}
	if req.Action == ActionStart && vm.PowerState == model.PowerStopped {
		// A VM asked to run counts against its tenant's running quota.
		err := s.db.InTx(ctx, func(q store.Queries) error {
			return checkQuota(ctx, q, vm.TenantID, quotaDemand{model.QuotaVMRunning: 1})
		})
		if err != nil {
			return model.Task{}, err
		}
	}
	if vm.Status == model.PowerCreating {
		// A VM whose create failed because its host could not be
		// reached was kept: a start provisions it; anything else waits.
		creates, err := s.db.ListTasks(ctx, store.TaskFilter{TargetID: vm.ID, Kind: kindVMCreate,
			States: []model.TaskState{model.TaskQueued, model.TaskRunning}, Limit: 1})
		if err != nil {
			return model.Task{}, err
		}
		if len(creates) > 0 || req.Action != ActionStart {
			return model.Task{}, model.Errorf(model.CodeConflict, "VM %s is still being created", vm.Name)
		}
	}
	// Refuse at once what cannot work from the last observed state; the
	// task checks again against the host, since the state may change.
	if want, ok := actionNeeds[req.Action]; ok && vm.Status != want {
		return model.Task{}, model.Errorf(model.CodeConflict, "cannot %s VM %s: it is %s, not %s", req.Action, vm.Name, vm.Status, want)
	}
	params := vmTaskParams{Force: req.Force, TimeoutMS: req.Timeout.Milliseconds()}
	if req.Media != "" {
		if req.Action != ActionStart {
			return model.Task{}, model.FieldError("media", "is only for start, not %s", req.Action)
		}
		ref, err := s.mediaRef(ctx, "source", req.Media)
		if err != nil {
			return model.Task{}, err
		}
		// Starting a running VM does nothing, so it would not boot the
		// media: say so rather than succeed.
		if vm.Status == model.PowerRunning || vm.Status == model.PowerPaused {
			return model.Task{}, model.Errorf(model.CodeConflict, "VM %s is already %s: stop it to start it from media", vm.Name, vm.Status)
		}
		params.Media = &ref
	}
	return s.tasks.Submit(ctx, task.Spec{Kind: kind, TargetType: "vm", TargetID: vm.ID, Requester: requesterOf(ctx),
		Params: params})
}

// DeleteVM starts a task that stops the VM and removes it and its files.
func (s *Service) DeleteVM(ctx context.Context, idOrName string) (model.Task, error) {
	vm, err := s.reachVM(ctx, idOrName, model.PermVMDelete)
	if err != nil {
		return model.Task{}, err
	}
	return s.tasks.Submit(ctx, task.Spec{Kind: kindVMDelete, TargetType: "vm", TargetID: vm.ID, Requester: requesterOf(ctx)})
}

// vmConfig is the agent's view of a VM.
func (s *Service) vmConfig(ctx context.Context, vm model.VM) (hostlink.VMConfig, error) {
	img, err := s.db.GetImage(ctx, vm.ImageID)
	if err != nil {
		return hostlink.VMConfig{}, notFound(err, "image", vm.ImageID)
	}
	network, err := s.guestNetwork(ctx, vm.ID)
	if err != nil {
		return hostlink.VMConfig{}, err
	}
	restrict, err := NetworkFiltersBlockOutbound("network_filters", vm.NetworkFilters, vm.PortForwards)
	if err != nil {
		return hostlink.VMConfig{}, err
	}
	nic := hypervisor.NIC{MAC: MACFor(vm.ID), Mode: "user", PortForwards: hypervisorPortForwards(vm.PortForwards), Restrict: restrict}
	if network != nil {
		nic.UserNet = userNetFor(*network)
		if len(network.DNS) == 0 && nic.UserNet != nil {
			// No resolver in the pool: QEMU's own forwards to the host's.
			network.DNS = []string{nic.UserNet.DNS}
		}
	}
	storageDir, err := s.storageDirOf(ctx, vm.PoolID)
	if err != nil {
		return hostlink.VMConfig{}, err
	}
	nics := []hypervisor.NIC{nic}
	lanNIC, err := s.lanNIC(ctx, vm.ID)
	if err != nil {
		return hostlink.VMConfig{}, err
	}
	if lanNIC != nil {
		nics = append(nics, *lanNIC)
	}
	nics = append(nics, multicastNICs(vm)...)
	return hostlink.VMConfig{
		ID: vm.ID, Name: vm.Name, Cores: vm.Cores, MemoryMiB: vm.MemoryMiB, DiskBytes: vm.DiskBytes,
		Image:     hostlink.ImageRef{ID: img.ID, Format: img.Format, SizeBytes: img.SizeBytes, VirtualSize: img.VirtualSize, SHA256: img.SHA256},
		CloneMode: vm.CloneMode, BootMedia: vm.BootMedia, GuestAgent: true, CloudInit: vm.CloudInit,
		QoS:  hypervisorQoS(vm.QoS),
		NICs: nics, Network: network, StorageDir: storageDir, DataDisks: vm.DataDisks,
	}, nil
}

// userNetFor shapes a VM's user-mode NAT network to its allocated
// address: QEMU answers as the pool's gateway and hands the address out
// by DHCP, so the guest's address works whether it comes from DHCP or
// from the seed. Each VM has its own NAT network, so only the gateway,
// QEMU's resolver and the guest share it; the resolver takes the first
// address that is neither of the other two.
func userNetFor(n model.GuestNetwork) *hypervisor.UserNet {
	addr, err := netip.ParseAddr(n.Address)
	if err != nil {
		return nil
	}
	network := netip.PrefixFrom(addr, n.Prefix).Masked()
	un := &hypervisor.UserNet{Network: network.String(), Gateway: n.Gateway, DHCPStart: n.Address}
	for a := network.Addr().Next(); network.Contains(a); a = a.Next() {
		if a.String() != n.Gateway && a != addr {
			un.DNS = a.String()
			break
		}
	}
	return un
}

// storageDirOf returns the directory the VMs of a compute pool keep their
// disks in on their host: the target of its local storage pool, or empty
// for the agent's own data directory.
func (s *Service) storageDirOf(ctx context.Context, poolID string) (string, error) {
	p, err := s.db.GetPool(ctx, poolID)
	if err != nil {
		return "", notFound(err, "pool", poolID)
	}
	if p.StoragePool == "" {
		return "", nil
	}
	sp, err := s.db.GetStoragePool(ctx, p.StoragePool)
	if err != nil {
		return "", notFound(err, "storage pool", p.StoragePool)
	}
	return sp.Target, nil
}

// MACFor derives the stable locally administered MAC of a VM's first
// NIC from its id.
func MACFor(id string) string {
	u, err := uuid.Parse(id)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", u[13], u[14], u[15])
}

// ChangeVMOwner gives a VM to another user (platform admins only), who
// then sees it as its own; its tenant and user group follow the new
// owner's.
func (s *Service) ChangeVMOwner(ctx context.Context, idOrName, owner string) (model.VM, error) {
	if err := requireAdmin(ctx); err != nil {
		return model.VM{}, err
	}
	var vm model.VM
	err := s.db.InTx(ctx, func(q store.Queries) error {
		var err error
		if vm, err = q.GetVM(ctx, idOrName); err != nil {
			return notFound(err, "VM", idOrName)
		}
		u, err := q.GetUserByName(ctx, owner)
		if err != nil {
			return notFound(err, "user", owner)
		}
		if u.TenantID != vm.TenantID {
			demand := quotaDemand{model.QuotaVMCount: 1, model.QuotaVMCores: int64(vm.Cores), model.QuotaVMMemory: int64(vm.MemoryMiB) << 20,
				model.QuotaDiskBytes: vm.DiskBytes}
			if err := checkQuota(ctx, q, u.TenantID, demand); err != nil {
				return err
			}
		}
		vm.Owner, vm.Group, vm.TenantID, vm.UpdatedAt = u.Name, u.Group, u.TenantID, now()
		return q.UpdateVM(ctx, vm)
	})
	return vm, err
}
