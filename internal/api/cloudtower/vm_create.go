package cloudtower

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// vmCreation is the body of /create-vm (one element) and of
// /create-vm-from-template (with template_id and is_full_copy).
type vmCreation struct {
	Name               string          `json:"name"`
	ClusterID          string          `json:"cluster_id"`
	HostID             string          `json:"host_id"`
	Vcpu               *int            `json:"vcpu"`
	CPUCores           *int            `json:"cpu_cores"`
	CPUSockets         *int            `json:"cpu_sockets"`
	Memory             *float64        `json:"memory"`
	HA                 *bool           `json:"ha"`
	Status             string          `json:"status"`
	VMNics             json.RawMessage `json:"vm_nics"`
	VMDisks            *vmDisksParams  `json:"vm_disks"`
	Firmware           string          `json:"firmware"`
	IOPolicy           string          `json:"io_policy"`
	MaxIOPS            *int64          `json:"max_iops"`
	MaxBandwidth       *float64        `json:"max_bandwidth"`
	MaxIOPSPolicy      string          `json:"max_iops_policy"`
	MaxBandwidthPolicy string          `json:"max_bandwidth_policy"`
	GuestOSType        string          `json:"guest_os_type"`
	FolderID           string          `json:"folder_id"`
	Description        string          `json:"description"`
	// create-vm-from-template and clone-vm
	TemplateID string `json:"template_id"`
	IsFullCopy *bool  `json:"is_full_copy"`
	// clone-vm only
	SrcVMID string `json:"src_vm_id"`
}

// How a VM is made: blank (/create-vm), from a template, or as a clone
// of another VM (/clone-vm).
type creationKind int

const (
	createBlank creationKind = iota
	createFromTemplate
	createClone
)

type vmDisksParams struct {
	MountCDROMs         []cdromParams     `json:"mount_cd_roms"`
	MountDisks          []json.RawMessage `json:"mount_disks"`
	MountNewCreateDisks []newDiskParams   `json:"mount_new_create_disks"`
}

type cdromParams struct {
	ElfImageID string `json:"elf_image_id"`
	Boot       int    `json:"boot"`
	Index      *int   `json:"index"`
	Key        any    `json:"key"`
}

type newDiskParams struct {
	VMVolume struct {
		Name             string  `json:"name"`
		Size             float64 `json:"size"`
		ElfStoragePolicy string  `json:"elf_storage_policy"`
	} `json:"vm_volume"`
	Bus   string `json:"bus"`
	Boot  int    `json:"boot"`
	Index *int   `json:"index"`
	Key   any    `json:"key"`
}

type nicParams struct {
	ConnectVlanID string `json:"connect_vlan_id"`
	Model         string `json:"model"`
	Enabled       *bool  `json:"enabled"`
	MacAddress    string `json:"mac_address"`
	Mirror        *bool  `json:"mirror"`
	LocalID       string `json:"local_id"`
	Index         *int   `json:"index"`
}

// decodeBatch reads a body that is an array of items; a single object
// is taken as an array of one, as the guide's tables describe one.
func decodeBatch[T any](raw []byte) ([]T, error) {
	trimmed := strings.TrimSpace(string(raw))
	if strings.HasPrefix(trimmed, "{") {
		var one T
		if err := decodeStrict(raw, &one); err != nil {
			return nil, err
		}
		return []T{one}, nil
	}
	var many []T
	if err := decodeStrict(raw, &many); err != nil {
		return nil, err
	}
	if len(many) == 0 {
		return nil, model.Errorf(model.CodeInvalidArgument, "request body must list at least one item")
	}
	return many, nil
}

// memoryMiB converts CloudTower's memory bytes to Kumo's MiB.
func memoryMiB(field string, b float64) (int, error) {
	if b <= 0 || b != float64(int64(b)) || int64(b)%(1<<20) != 0 {
		return 0, model.FieldError(field, "%v must be a positive whole number of MiB, in bytes (1 GiB is 1073741824)", b)
	}
	return int(int64(b) >> 20), nil
}

// cores checks vcpu against cpu_cores * cpu_sockets. Kumo gives a guest
// vcpu single-core sockets; the topology asked for is not kept.
func cores(vcpu, coresPer, sockets *int, required bool) (int, error) {
	if vcpu == nil {
		if required {
			return 0, model.FieldError("vcpu", "is required")
		}
		return 0, nil
	}
	if *vcpu < 1 {
		return 0, model.FieldError("vcpu", "must be at least 1")
	}
	if coresPer != nil || sockets != nil {
		c, so := 1, 1
		if coresPer != nil {
			c = *coresPer
		}
		if sockets != nil {
			so = *sockets
		}
		if c < 1 || so < 1 || c*so != *vcpu {
			return 0, model.FieldError("cpu_cores", "cpu_cores (%d) * cpu_sockets (%d) must equal vcpu (%d)", c, so, *vcpu)
		}
	}
	return *vcpu, nil
}

// createRequest turns one creation into Kumo's request, checking
// everything it can without changing anything.
func (s *Server) createRequest(ctx context.Context, c vmCreation, kind creationKind) (service.CreateVMRequest, error) {
	req := service.CreateVMRequest{Name: c.Name, Description: c.Description, Pool: c.ClusterID}
	if c.Name == "" {
		return req, model.FieldError("name", "is required")
	}
	fromTemplate := kind != createBlank
	if kind != createClone && c.SrcVMID != "" {
		return req, model.FieldError("src_vm_id", "belongs to /clone-vm")
	}
	if kind != createFromTemplate && c.TemplateID != "" {
		return req, model.FieldError("template_id", "belongs to /create-vm-from-template")
	}
	if kind == createBlank && c.IsFullCopy != nil {
		return req, model.FieldError("is_full_copy", "belongs to /create-vm-from-template and /clone-vm")
	}
	if !fromTemplate {
		switch {
		case c.ClusterID == "":
			return req, model.FieldError("cluster_id", "is required")
		case c.Memory == nil:
			return req, model.FieldError("memory", "is required")
		case c.Status == "":
			return req, model.FieldError("status", "is required")
		case c.VMDisks == nil:
			return req, model.FieldError("vm_disks", "is required")
		}
	}
	if c.ClusterID != "" {
		if _, err := s.svc.GetPool(ctx, c.ClusterID); err != nil {
			return req, err
		}
	}
	var err error
	if req.Cores, err = cores(c.Vcpu, c.CPUCores, c.CPUSockets, !fromTemplate); err != nil {
		return req, err
	}
	if c.Memory != nil {
		if req.MemoryMiB, err = memoryMiB("memory", *c.Memory); err != nil {
			return req, err
		}
	}
	switch c.Status {
	case "", "STOPPED":
	case "RUNNING":
		req.Start = true
	default:
		return req, model.FieldError("status", "%q: use RUNNING or STOPPED", c.Status)
	}
	switch c.Firmware {
	case "", "BIOS":
	case "UEFI":
		return req, errRefused("firmware UEFI: Kumo's guests boot with BIOS (pc machine) only")
	default:
		return req, model.FieldError("firmware", "%q: use BIOS or UEFI", c.Firmware)
	}
	switch c.GuestOSType {
	case "", "LINUX", "WINDOWS", "UNKNOWN":
	default:
		return req, model.FieldError("guest_os_type", "%q: use LINUX, WINDOWS or UNKNOWN", c.GuestOSType)
	}
	if c.HA != nil && *c.HA {
		return req, errRefused("ha: Kumo restarts VMs elsewhere by their pool's failover setting, not per VM; leave ha false")
	}
	if c.HostID != "" {
		if _, err := s.svc.GetHost(ctx, c.HostID); err != nil {
			return req, err
		}
		return req, errRefused("host_id: Kumo places a new VM itself; move it with /migrate-vm once it runs")
	}
	if c.FolderID != "" {
		return req, errRefused("folder_id: Kumo has no VM folders")
	}
	if err := qosOf(&req.QoS, c.IOPolicy, c.MaxIOPS, c.MaxBandwidth, c.MaxIOPSPolicy, c.MaxBandwidthPolicy); err != nil {
		return req, err
	}
	if err := s.checkNics(ctx, c.VMNics, c.ClusterID); err != nil {
		return req, err
	}
	if kind == createClone {
		if c.SrcVMID == "" {
			return req, model.FieldError("src_vm_id", "is required")
		}
		src, err := s.svc.GetVM(ctx, c.SrcVMID)
		if err != nil {
			return req, err
		}
		if c.VMDisks != nil {
			return req, errRefused("vm_disks with clone-vm: the clone gets a copy of the source's system disk; add data disks with /add-vm-disk")
		}
		// What is not given is the source's; is_full_copy false is
		// taken too, but the copy is always a full one.
		if req.Cores == 0 {
			req.Cores = src.Cores
		}
		if req.MemoryMiB == 0 {
			req.MemoryMiB = src.MemoryMiB
		}
		if req.Pool == "" {
			req.Pool = src.PoolID
		}
		req.CloneOf = src.ID
		return req, nil
	}
	if fromTemplate {
		if c.TemplateID == "" {
			return req, model.FieldError("template_id", "is required")
		}
		if c.IsFullCopy == nil {
			return req, model.FieldError("is_full_copy", "is required")
		}
		img, err := s.svc.GetImage(ctx, c.TemplateID)
		if err != nil {
			return req, err
		}
		if img.Format == model.FormatISO {
			return req, model.FieldError("template_id", "%s is an ISO image (see /get-elf-images), not a template", img.Name)
		}
		req.Image = img.ID
		req.CloneMode = model.CloneCOW
		if *c.IsFullCopy {
			req.CloneMode = model.CloneFull
		}
		if c.VMDisks != nil {
			return req, errRefused("vm_disks with create-vm-from-template: the VM gets the template's disk; Kumo VMs have one disk")
		}
		return req, nil
	}
	return req, s.blankDisks(ctx, &req, c.VMDisks)
}

// blankDisks maps a blank VM's drives: Kumo has no VM without an image,
// so a blank VM boots an ISO from its CD-ROM and gets one new empty
// system disk.
func (s *Server) blankDisks(ctx context.Context, req *service.CreateVMRequest, d *vmDisksParams) error {
	if len(d.MountDisks) > 0 {
		return errRefused("vm_disks.mount_disks: Kumo has no free-standing volumes to mount; use mount_new_create_disks")
	}
	if len(d.MountCDROMs) != 1 || d.MountCDROMs[0].ElfImageID == "" {
		return model.FieldError("vm_disks.mount_cd_roms", "a blank Kumo VM boots one ISO: give exactly one CD-ROM with an elf_image_id")
	}
	img, err := s.svc.GetImage(ctx, d.MountCDROMs[0].ElfImageID)
	if err != nil {
		return err
	}
	if img.Format != model.FormatISO {
		return model.FieldError("vm_disks.mount_cd_roms.elf_image_id", "%s is not an ISO image", img.Name)
	}
	req.Image = img.ID
	switch len(d.MountNewCreateDisks) {
	case 0:
	case 1:
		nd := d.MountNewCreateDisks[0]
		if nd.VMVolume.Size <= 0 || nd.VMVolume.Size != float64(int64(nd.VMVolume.Size)) {
			return model.FieldError("vm_disks.mount_new_create_disks.vm_volume.size", "must be a positive number of bytes")
		}
		if err := checkStoragePolicy(nd.VMVolume.ElfStoragePolicy); err != nil {
			return err
		}
		switch nd.Bus {
		case "", "VIRTIO":
		default:
			return errRefused(fmt.Sprintf("bus %s: Kumo's system disk is on VIRTIO", nd.Bus))
		}
		req.DiskBytes = int64(nd.VMVolume.Size)
	default:
		return errRefused("more than one disk: Kumo VMs have one system disk")
	}
	return nil
}

// checkStoragePolicy accepts the guide's policies: Kumo keeps one thin
// qcow2 copy on its host's local disk whichever is named.
func checkStoragePolicy(p string) error {
	switch p {
	case "", "REPLICA_2_THIN_PROVISION", "REPLICA_3_THIN_PROVISION", "REPLICA_2_THICK_PROVISION", "REPLICA_3_THICK_PROVISION":
		return nil
	}
	return model.FieldError("elf_storage_policy", "%q is not one of REPLICA_{2,3}_{THIN,THICK}_PROVISION", p)
}

// qosOf maps whole-VM limits to Kumo's QoS (the same limit for reads and
// writes).
func qosOf(q *model.QoS, policy string, iops *int64, bw *float64, iopsPolicy, bwPolicy string) error {
	for field, p := range map[string]string{"max_iops_policy": iopsPolicy, "max_bandwidth_policy": bwPolicy} {
		switch p {
		case "", "FORCED", "DYNAMIC":
		default:
			return model.FieldError(field, "%q: use DYNAMIC or FORCED", p)
		}
	}
	switch policy {
	case "", "RESTRICT_WHOLE_VM":
	case "RESTRICT_EACH_DISK":
		if iops != nil || bw != nil {
			return errRefused("io_policy RESTRICT_EACH_DISK: Kumo limits the VM as a whole (its one disk)")
		}
	default:
		return model.FieldError("io_policy", "%q: use RESTRICT_WHOLE_VM or RESTRICT_EACH_DISK", policy)
	}
	if iops != nil {
		if *iops < 0 {
			return model.FieldError("max_iops", "must not be negative")
		}
		q.ReadIOPS, q.WriteIOPS = *iops, *iops
	}
	if bw != nil {
		if *bw < 0 || *bw != float64(int64(*bw)) {
			return model.FieldError("max_bandwidth", "must be a whole number of bytes/s")
		}
		q.ReadBPS, q.WriteBPS = int64(*bw), int64(*bw)
	}
	return nil
}

// checkNics accepts at most one NIC on the cluster's NAT network, which
// every Kumo VM gets.
func (s *Server) checkNics(ctx context.Context, raw json.RawMessage, clusterID string) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	nics, err := decodeBatch[nicParams](raw)
	if err != nil {
		if me, ok := err.(*model.Error); ok && me.Field != "" {
			me.Field = "vm_nics." + me.Field
		}
		return err
	}
	if len(nics) > 1 {
		return errRefused("more than one NIC: Kumo VMs have one NIC, on user-mode NAT")
	}
	if id := nics[0].ConnectVlanID; id != "" {
		pool, err := s.vlanPool(ctx, id)
		if err != nil {
			return err
		}
		if clusterID != "" {
			if p, err := s.svc.GetPool(ctx, clusterID); err == nil && p.ID != pool.ID {
				return model.FieldError("vm_nics.connect_vlan_id", "vlan %s is not in cluster %s", id, clusterID)
			}
		}
	}
	return nil
}

// createVMs creates a batch: every item is checked before any VM is
// made, and if one still fails, the ones made before it are deleted
// again, so a batch creates all or nothing.
func (s *Server) createVMs(r *http.Request, body []byte, kind creationKind) (any, error) {
	items, err := decodeBatch[vmCreation](body)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	reqs := make([]service.CreateVMRequest, len(items))
	for i, it := range items {
		if reqs[i], err = s.createRequest(ctx, it, kind); err != nil {
			return nil, err
		}
	}
	var made []model.VM
	out := make(batch[vm], 0, len(reqs))
	for _, req := range reqs {
		v, t, err := s.svc.CreateVM(ctx, req)
		if err != nil {
			for _, m := range made {
				if _, derr := s.svc.DeleteVM(context.WithoutCancel(ctx), m.ID); derr != nil {
					s.log.Warn("cloudtower: undo a batch create", "vm", m.ID, "err", derr)
				}
			}
			return nil, err
		}
		made = append(made, v)
		data, err := s.vmAfter(ctx, v.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, withTask[vm]{taskOf(t), data})
	}
	return out, nil
}

func (s *Server) createVM(r *http.Request, body []byte) (any, error) {
	return s.createVMs(r, body, createBlank)
}

func (s *Server) createVMFromTemplate(r *http.Request, body []byte) (any, error) {
	return s.createVMs(r, body, createFromTemplate)
}

// cloneVM is /clone-vm: a new VM whose system disk is a full copy of a
// stopped VM's (service.CreateVMRequest.CloneOf), on the source's host.
func (s *Server) cloneVM(r *http.Request, body []byte) (any, error) {
	return s.createVMs(r, body, createClone)
}
