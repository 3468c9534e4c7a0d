package service

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
	"github.com/kumo-cloud/kumo/internal/task"
)

// Changes to a VM beyond its power state and size: QoS, the guest
// administrator's password, and its system disk.

// Task kinds of disk operations.
const (
	kindVMDiskResize  = "vm.disk.resize"
	kindVMDiskCompact = "vm.disk.compact"
	kindVMReimage     = "vm.reimage"
)

func (s *Service) registerGuestTasks() {
	s.tasks.Register(kindVMDiskResize, s.vmHandler(s.diskTask(hostlink.DiskResize)))
	s.tasks.Register(kindVMDiskCompact, s.vmHandler(s.diskTask(hostlink.DiskCompact)))
	s.tasks.Register(kindVMReimage, s.vmHandler(s.diskTask(hostlink.DiskReimage)))
}

// hypervisorQoS is what the host applies of a VM's QoS.
func hypervisorQoS(q model.QoS) hypervisor.QoS {
	return hypervisor.QoS{CPUPriority: q.CPUPriority, Disk: hypervisor.DiskLimits{
		ReadBPS: q.ReadBPS, WriteBPS: q.WriteBPS, ReadIOPS: q.ReadIOPS, WriteIOPS: q.WriteIOPS}}
}

// QoSPatch changes parts of a VM's QoS; nil fields are left as they are.
type QoSPatch struct {
	CPUPriority *string
	Disk        *model.QoS // its disk fields only
	Network     *model.QoS // its network fields only
}

// validQoS checks a QoS for a VM.
//
// Network limits are refused: Kumo's guests use QEMU's user-mode NAT,
// whose traffic never crosses a host interface where a rate limit could
// be set, and QEMU has no limit of its own for it.
func validQoS(q model.QoS) error {
	switch q.CPUPriority {
	case "", hypervisor.CPUPriorityHigh, hypervisor.CPUPriorityMedium, hypervisor.CPUPriorityLow:
	default:
		return model.FieldError("priority", "%q is not a CPU priority: use high, medium or low", q.CPUPriority)
	}
	if q.ReadBPS < 0 || q.WriteBPS < 0 || q.ReadIOPS < 0 || q.WriteIOPS < 0 {
		return model.Errorf(model.CodeInvalidArgument, "disk limits must not be negative (0 is no limit)")
	}
	if q.ReceiveBPS < 0 || q.SendBPS < 0 {
		return model.Errorf(model.CodeInvalidArgument, "network limits must not be negative (0 is no limit)")
	}
	if q.ReceiveBPS != 0 || q.SendBPS != 0 {
		return model.Errorf(model.CodeConflict, "network QoS cannot be enforced: the guest's NIC uses QEMU user-mode NAT, whose traffic no host interface carries; only 0 (no limit) is accepted")
	}
	return nil
}

// SetVMQoS stores a VM's QoS and, if it runs, applies it at once.
func (s *Service) SetVMQoS(ctx context.Context, idOrName string, patch QoSPatch) (model.VM, error) {
	if _, err := s.reachVM(ctx, idOrName, model.PermVMUpdate); err != nil {
		return model.VM{}, err // an unknown VM before a bad value
	}
	var check model.QoS
	if p := patch.CPUPriority; p != nil {
		if *p == "" {
			return model.VM{}, model.FieldError("priority", "is required: high, medium or low")
		}
		check.CPUPriority = *p
	}
	if d := patch.Disk; d != nil {
		check.ReadBPS, check.WriteBPS, check.ReadIOPS, check.WriteIOPS = d.ReadBPS, d.WriteBPS, d.ReadIOPS, d.WriteIOPS
	}
	if n := patch.Network; n != nil {
		check.ReceiveBPS, check.SendBPS = n.ReceiveBPS, n.SendBPS
	}
	if err := validQoS(check); err != nil {
		return model.VM{}, err
	}
	var vm model.VM
	err := s.db.InTx(ctx, func(q store.Queries) error {
		var err error
		if vm, err = q.GetVM(ctx, idOrName); err != nil {
			return notFound(err, "VM", idOrName)
		}
		if p := patch.CPUPriority; p != nil {
			vm.QoS.CPUPriority = *p
			if *p == hypervisor.CPUPriorityMedium {
				vm.QoS.CPUPriority = ""
			}
		}
		if d := patch.Disk; d != nil {
			vm.QoS.ReadBPS, vm.QoS.WriteBPS, vm.QoS.ReadIOPS, vm.QoS.WriteIOPS = d.ReadBPS, d.WriteBPS, d.ReadIOPS, d.WriteIOPS
		}
		if n := patch.Network; n != nil {
			vm.QoS.ReceiveBPS, vm.QoS.SendBPS = n.ReceiveBPS, n.SendBPS
		}
		vm.UpdatedAt = now()
		return notFound(q.UpdateVM(ctx, vm), "VM", vm.ID)
	})
	if err != nil {
		return vm, err
	}
	// A VM that is not running gets its QoS at its next start.
	if vm.Status == model.PowerRunning || vm.Status == model.PowerPaused {
		agent, err := s.agent(ctx, vm.HostID)
		if err != nil {
			return vm, err
		}
		if err := agent.SetVMQoS(ctx, vm.ID, hypervisorQoS(vm.QoS)); err != nil && model.CodeOf(err) != model.CodeConflict {
			return vm, err // conflict: it stopped meanwhile, and the next start applies it
		}
	}
	return vm, nil
}

// SetGuestPassword sets a guest account's password through the guest
// agent of the running VM and remembers it for GuestAuth. An empty user
// is the cloud-init administrator (or root); an empty password is made.
func (s *Service) SetGuestPassword(ctx context.Context, idOrName, user, password string) (model.GuestAuth, error) {
	vm, err := s.reachVM(ctx, idOrName, model.PermVMGuest)
	if err != nil {
		return model.GuestAuth{}, err
	}
	// A bad name is refused whatever the VM's state.
	if user != "" {
		if err := validName("user", user); err != nil {
			return model.GuestAuth{}, err
		}
	}
	if vm.Status != model.PowerRunning {
		return model.GuestAuth{}, model.Errorf(model.CodeConflict, "VM %s is %s: a password is set through its guest agent, which answers only while it runs", vm.Name, vm.Status)
	}
	if user == "" {
		user = "root"
		if vm.CloudInit != nil && vm.CloudInit.AdminName != "" {
			user = vm.CloudInit.AdminName
		}
	}
	if password == "" {
		password = RandomSecret(12)
	}
	if err := validName("user", user); err != nil {
		return model.GuestAuth{}, err
	}
	agent, err := s.agent(ctx, vm.HostID)
	if err != nil {
		return model.GuestAuth{}, err
	}
	auth := model.GuestAuth{User: user, Password: password}
	if err := agent.SetGuestPassword(ctx, vm.ID, hostlink.PasswordRequest{User: user, Password: password}); err != nil {
		return model.GuestAuth{}, err
	}
	err = s.db.InTx(ctx, func(q store.Queries) error {
		cur, err := q.GetVM(ctx, vm.ID)
		if err != nil {
			return notFound(err, "VM", vm.ID)
		}
		cur.GuestAuth, cur.UpdatedAt = &auth, now()
		return notFound(q.UpdateVM(ctx, cur), "VM", vm.ID)
	})
	return auth, err
}

// GuestAuth returns the guest administrator's credentials: those last set
// through the guest agent, else those cloud-init was given.
func (s *Service) GuestAuth(ctx context.Context, idOrName string) (model.GuestAuth, error) {
	vm, err := s.reachVM(ctx, idOrName, model.PermVMGuest)
	if err != nil {
		return model.GuestAuth{}, err
	}
	switch {
	case vm.GuestAuth != nil:
		return *vm.GuestAuth, nil
	case vm.CloudInit != nil:
		return model.GuestAuth{User: vm.CloudInit.AdminName, Password: vm.CloudInit.AdminSecret}, nil
	}
	return model.GuestAuth{}, model.Errorf(model.CodeNotFound, "Kumo does not know the password of VM %s: it was made without cloud-init and none was set since", vm.Name)
}

// diskOpParams are the parameters of a disk task.
type diskOpParams struct {
	// Disk names a data disk; empty is the system disk.
	Disk      string `json:"disk,omitempty"`
	SizeBytes int64  `json:"size_bytes,omitempty"`
	ImageID   string `json:"image_id,omitempty"`
}

// stoppedForDisk checks what every disk operation needs: a stopped VM and
// its system disk (index 0).
func stoppedForDisk(vm model.VM, index int, what string) error {
	if index != 0 {
		return model.Errorf(model.CodeNotFound, "VM %s has no disk %d here: only its system disk (0) can %s", vm.Name, index, what)
	}
	return stopped(vm, what)
}

func stopped(vm model.VM, what string) error {
	if vm.Status != model.PowerStopped || vm.PowerState != model.PowerStopped {
		return model.Errorf(model.CodeConflict, "VM %s is %s: stop it before you %s", vm.Name, vm.Status, what)
	}
	return nil
}

// ResizeVMDisk grows a stopped VM's disk to sizeBytes: its system disk
// (index 0) or data disk index-1.
func (s *Service) ResizeVMDisk(ctx context.Context, idOrName string, index int, sizeBytes int64) (model.Task, error) {
	vm, err := s.reachVM(ctx, idOrName, model.PermVMUpdate)
	if err != nil {
		return model.Task{}, err
	}
	if index < 0 || index > len(vm.DataDisks) {
		return model.Task{}, model.Errorf(model.CodeNotFound, "VM %s has no disk %d: it has its system disk (0) and %d data disks", vm.Name, index, len(vm.DataDisks))
	}
	if err := stopped(vm, "resize its disk"); err != nil {
		return model.Task{}, err
	}
	current, p := vm.DiskBytes, diskOpParams{SizeBytes: sizeBytes}
	if index > 0 {
		current, p.Disk = vm.DataDisks[index-1].SizeBytes, vm.DataDisks[index-1].Name
	}
	if sizeBytes <= current {
		return model.Task{}, model.FieldError("size", "%d bytes is not larger than the disk's %d: disks only grow (shrink compacts the file instead)", sizeBytes, current)
	}
	if sizeBytes%512 != 0 || sizeBytes > model.MaxDiskBytes {
		return model.Task{}, model.FieldError("size", "%d bytes: must be a multiple of 512 and at most %d", sizeBytes, model.MaxDiskBytes)
	}
	if err := s.hostDiskRoom(ctx, vm.HostID, "size", "the disk of VM "+vm.Name, sizeBytes, 0); err != nil {
		return model.Task{}, err
	}
	// The growth counts against the tenant's disk quota from now on: the
	// task records the new size when the disk has it.
	err = s.db.InTx(ctx, func(q store.Queries) error {
		return checkQuota(ctx, q, vm.TenantID, quotaDemand{model.QuotaDiskBytes: sizeBytes - current})
	})
	if err != nil {
		return model.Task{}, err
	}
	return s.submitDiskTask(ctx, vm, kindVMDiskResize, p)
}

// CompactVMDisk rewrites a stopped VM's disk file to take only the room
// its data needs.
func (s *Service) CompactVMDisk(ctx context.Context, idOrName string, index int) (model.Task, error) {
	vm, err := s.reachVM(ctx, idOrName, model.PermVMUpdate)
	if err != nil {
		return model.Task{}, err
	}
	if err := stoppedForDisk(vm, index, "compact its disk"); err != nil {
		return model.Task{}, err
	}
	return s.submitDiskTask(ctx, vm, kindVMDiskCompact, diskOpParams{})
}

// ReimageVM replaces a stopped VM's system disk with a fresh one made
// from a disk image; everything on the old disk is lost.
func (s *Service) ReimageVM(ctx context.Context, idOrName, imageIDOrName string) (model.Task, error) {
	vm, err := s.reachVM(ctx, idOrName, model.PermVMUpdate)
	if err != nil {
		return model.Task{}, err
	}
	if imageIDOrName == "" {
		return model.Task{}, model.FieldError("from_image", "is required")
	}
	img, err := s.GetImage(ctx, imageIDOrName)
	if err != nil {
		return model.Task{}, err
	}
	if img.Format == model.FormatISO {
		return model.Task{}, model.FieldError("from_image", "image %s is an ISO: a system is reset from a disk image", img.Name)
	}
	if img.State != model.ImageReady {
		return model.Task{}, model.Errorf(model.CodeConflict, "image %s is %s, not ready", img.Name, img.State)
	}
	if err := stoppedForDisk(vm, 0, "reset its system"); err != nil {
		return model.Task{}, err
	}
	return s.submitDiskTask(ctx, vm, kindVMReimage, diskOpParams{ImageID: img.ID})
}

func (s *Service) submitDiskTask(ctx context.Context, vm model.VM, kind string, p diskOpParams) (model.Task, error) {
	return s.tasks.Submit(ctx, task.Spec{Kind: kind, TargetType: "vm", TargetID: vm.ID, Requester: requesterOf(ctx), Params: p})
}

// diskTask runs a disk operation on the VM's host and records the disk's
// new size (and image) when it is done.
func (s *Service) diskTask(op string) func(ctx context.Context, run *task.Run, vm model.VM, agent hostlink.Agent, _ vmTaskParams) (any, error) {
	return func(ctx context.Context, run *task.Run, vm model.VM, agent hostlink.Agent, _ vmTaskParams) (any, error) {
		var p diskOpParams
		if err := run.Params(&p); err != nil {
			return nil, err
		}
		// Checked again: a start may have run between submit and now.
		if err := stopped(vm, "change its disk"); err != nil {
			return nil, err
		}
		req := hostlink.DiskRequest{Op: op, Disk: p.Disk, SizeBytes: p.SizeBytes}
		if op == hostlink.DiskReimage {
			img, err := s.db.GetImage(ctx, p.ImageID)
			if err != nil {
				return nil, notFound(err, "image", p.ImageID)
			}
			req.Image = hostlink.ImageRef{ID: img.ID, Format: img.Format, SizeBytes: img.SizeBytes, VirtualSize: img.VirtualSize, SHA256: img.SHA256}
			// The disk keeps its size unless the new image is larger.
			req.CloneMode, req.SizeBytes = vm.CloneMode, max(vm.DiskBytes, img.VirtualSize)
		}
		run.Progress(10)
		info, err := agent.ChangeDisk(ctx, vm.ID, req)
		if err != nil {
			return nil, err
		}
		err = s.db.InTx(ctx, func(q store.Queries) error {
			cur, err := q.GetVM(ctx, vm.ID)
			if err != nil {
				return notFound(err, "VM", vm.ID)
			}
			cur.UpdatedAt = now()
			if p.Disk == "" {
				cur.DiskBytes = info.VirtualBytes
			}
			for i := range cur.DataDisks {
				if p.Disk != "" && cur.DataDisks[i].Name == p.Disk {
					cur.DataDisks[i].SizeBytes = info.VirtualBytes
				}
			}
			if op == hostlink.DiskReimage {
				cur.ImageID = p.ImageID
			}
			return notFound(q.UpdateVM(ctx, cur), "VM", vm.ID)
		})
		if err != nil {
			return nil, err
		}
		return map[string]int64{"virtual_bytes": info.VirtualBytes, "actual_bytes": info.ActualBytes}, nil
	}
}
