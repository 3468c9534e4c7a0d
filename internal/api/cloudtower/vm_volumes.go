package cloudtower

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

// vmVolume is CloudTower's VmVolume. Kumo has no free-standing volumes:
// a VM's system disk and its data disks (vdb, vdc, ...) are shown as
// volumes mounted on it. Data disks are added to and removed from a
// stopped VM (add-vm-volume, remove-vm-volume); creating or deleting a
// volume that belongs to no VM is refused (see routes.go).
type vmVolume struct {
	ID      string `json:"id"`
	LocalID string `json:"local_id"`
	Name    string `json:"name"`
	// Path is the volume's place in Kumo's terms (vms/<vm>/<device>),
	// not a file on a host.
	Path             string  `json:"path"`
	Size             int64   `json:"size"`
	Sharing          bool    `json:"sharing"`
	Mounting         bool    `json:"mounting"`
	ElfStoragePolicy string  `json:"elf_storage_policy"`
	Cluster          *ref    `json:"cluster"`
	ClusterID        string  `json:"cluster_id"`
	VMDisks          []ref   `json:"vm_disks"`
	LocalCreatedAt   *string `json:"local_created_at"`
}

// Ids of a VM's data disk and its volume: named by the disk's virtio
// name, which Kumo never reuses while a later disk exists.
func dataDiskID(vmID, name string) string   { return vmID + "-disk-" + name }
func dataVolumeID(vmID, name string) string { return vmID + "-volume-" + name }

const thinPolicy = "REPLICA_2_THIN_PROVISION"

// The guide filters get-vm-volumes by cluster_id, which is served as a
// field next to the cluster relation.
func vmVolumes(inv *inventory) []vmVolume {
	out := make([]vmVolume, 0, len(inv.vms))
	for _, v := range inv.vms {
		out = append(out, vmVolume{ID: volumeID(v.ID), LocalID: volumeID(v.ID), Name: v.Name + "-disk-0", Path: "vms/" + v.ID + "/vda", Size: v.DiskBytes, Mounting: true,
			ElfStoragePolicy: thinPolicy, Cluster: inv.poolRef(v.PoolID), ClusterID: v.PoolID,
			VMDisks: []ref{{diskID(v.ID), v.Name}}, LocalCreatedAt: timestamp(v.CreatedAt)})
		for _, d := range v.DataDisks {
			out = append(out, vmVolume{ID: dataVolumeID(v.ID, d.Name), LocalID: dataVolumeID(v.ID, d.Name), Name: v.Name + "-" + d.Name,
				Path: "vms/" + v.ID + "/" + d.Name, Size: d.SizeBytes,
				Mounting: true, ElfStoragePolicy: thinPolicy, Cluster: inv.poolRef(v.PoolID), ClusterID: v.PoolID,
				VMDisks: []ref{{dataDiskID(v.ID, d.Name), v.Name}}, LocalCreatedAt: timestamp(v.CreatedAt)})
		}
	}
	return out
}

// volumeAdd is the data of /add-vm-volume. The guide writes
// mount_disks and mount_new_create_disks as objects, the SDK as lists:
// both are accepted.
type volumeAdd struct {
	VMDisks *struct {
		MountDisks          json.RawMessage `json:"mount_disks"`
		MountNewCreateDisks json.RawMessage `json:"mount_new_create_disks"`
	} `json:"vm_disks"`
}

type newDisk struct {
	VMVolume *struct {
		Name             string   `json:"name"`
		Size             *float64 `json:"size"`
		ElfStoragePolicy string   `json:"elf_storage_policy"`
		Sharing          bool     `json:"sharing"`
	} `json:"vm_volume"`
	Bus   string `json:"bus"`
	Boot  *int   `json:"boot"`
	Index *int   `json:"index"`
	KeyID *int   `json:"key"`
}

// oneOrMany decodes a JSON object or list of objects.
func oneOrMany[T any](raw json.RawMessage, field string) ([]T, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return nil, nil
	}
	if t[0] != '[' {
		t = append(append([]byte{'['}, t...), ']')
	}
	var out []T
	if err := decodeStrict(t, &out); err != nil {
		if me, ok := err.(*model.Error); ok {
			if me.Field != "" {
				me.Field = field + "." + me.Field
			}
			me.Message = field + ": " + me.Message
		}
		return nil, err
	}
	return out, nil
}

// newDataDiskSizes checks the disks add-vm-volume is to create.
func newDataDiskSizes(d volumeAdd) ([]int64, error) {
	if d.VMDisks == nil {
		return nil, model.FieldError("data.vm_disks", "is required")
	}
	mounts, err := oneOrMany[map[string]any](d.VMDisks.MountDisks, "data.vm_disks.mount_disks")
	if err != nil {
		return nil, err
	}
	if len(mounts) > 0 {
		return nil, errRefused("mount_disks: Kumo has no free-standing volumes to mount; every volume is a disk of its own VM. " +
			"Give mount_new_create_disks to add a new empty disk")
	}
	news, err := oneOrMany[newDisk](d.VMDisks.MountNewCreateDisks, "data.vm_disks.mount_new_create_disks")
	if err != nil {
		return nil, err
	}
	if len(news) == 0 {
		return nil, model.FieldError("data.vm_disks.mount_new_create_disks", "is required: the new disks to add")
	}
	sizes := make([]int64, 0, len(news))
	for _, n := range news {
		if n.VMVolume == nil || n.VMVolume.Size == nil {
			return nil, model.FieldError("data.vm_disks.mount_new_create_disks.vm_volume.size", "is required")
		}
		if n.Bus != "" && n.Bus != "VIRTIO" {
			return nil, errRefused("bus " + n.Bus + ": Kumo's data disks are VIRTIO disks (vdb, vdc, ...)")
		}
		if n.VMVolume.Sharing {
			return nil, errRefused("sharing: Kumo's disks belong to one VM")
		}
		if p := n.VMVolume.ElfStoragePolicy; strings.Contains(p, "THICK") {
			return nil, errRefused("elf_storage_policy " + p + ": Kumo's data disks are thin qcow2 files")
		}
		if n.Boot != nil && *n.Boot < 0 {
			return nil, model.FieldError("data.vm_disks.mount_new_create_disks.boot", "%d: must not be negative", *n.Boot)
		}
		sz := *n.VMVolume.Size
		if sz <= 0 || sz != float64(int64(sz)) || int64(sz)%512 != 0 {
			return nil, model.FieldError("data.vm_disks.mount_new_create_disks.vm_volume.size", "%v bytes: must be a positive multiple of 512", sz)
		}
		sizes = append(sizes, int64(sz))
	}
	return sizes, nil
}

// liftData accepts the guide's example of add-vm-volume, which puts
// data inside where, as if data were beside it.
func liftData(body []byte) []byte {
	var c vmChange
	if json.Unmarshal(body, &c) != nil {
		return body
	}
	inner, ok := c.Where["data"]
	if !ok || len(c.Data) != 0 {
		return body
	}
	delete(c.Where, "data")
	c.Data, _ = json.Marshal(inner)
	out, err := json.Marshal(c)
	if err != nil {
		return body
	}
	return out
}

// addVMVolume is /add-vm-volume: new empty data disks for stopped VMs,
// made by their host when they next start. The VM's record changes at
// once, so task_id is null. The names given to the new volumes are not
// kept: a data disk is named by its device (vdb, vdc, ...).
func (s *Server) addVMVolume(r *http.Request, body []byte) (any, error) {
	var d volumeAdd
	var sizes []int64
	return s.changeVMs(r, liftData(body), &d, func(ctx context.Context, v model.VM) error {
		var err error
		if sizes, err = newDataDiskSizes(d); err != nil {
			return err
		}
		if v.Status != model.PowerStopped || v.PowerState != model.PowerStopped {
			return model.Errorf(model.CodeConflict, "VM %s is %s: Kumo adds disks to a stopped VM", v.Name, vmStatus(v.Status))
		}
		return nil
	}, func(ctx context.Context, v model.VM) (model.Task, error) {
		for _, sz := range sizes {
			if _, err := s.svc.AddVMDataDisk(ctx, v.ID, sz, ""); err != nil {
				return model.Task{}, err
			}
		}
		return model.Task{}, nil
	})
}

type volumeRemove struct {
	DiskIDs []string `json:"disk_ids"`
}

// removeVMVolume is /remove-vm-volume: removes data disks of stopped
// VMs, named by their vm_disk or vm_volume ids. Kumo has no volume that
// outlives its disk, so the disk's data is deleted with it (by the
// host, when the VM next starts). The system disk cannot be removed.
func (s *Server) removeVMVolume(r *http.Request, body []byte) (any, error) {
	var d volumeRemove
	names := map[string][]string{}
	return s.changeVMs(r, body, &d, func(ctx context.Context, v model.VM) error {
		if len(d.DiskIDs) == 0 {
			return model.FieldError("data.disk_ids", "is required")
		}
		for _, id := range d.DiskIDs {
			if id == diskID(v.ID) || id == volumeID(v.ID) {
				return errRefused("disk " + id + " is the system disk of VM " + v.Name + ": it goes only with the VM")
			}
			found := false
			for _, dd := range v.DataDisks {
				if id == dataDiskID(v.ID, dd.Name) || id == dataVolumeID(v.ID, dd.Name) {
					found = true
					if !slices.Contains(names[v.ID], dd.Name) {
						names[v.ID] = append(names[v.ID], dd.Name)
					}
				}
			}
			if !found {
				return model.NotFound("disk of VM "+v.Name, id)
			}
		}
		if v.Status != model.PowerStopped || v.PowerState != model.PowerStopped {
			return model.Errorf(model.CodeConflict, "VM %s is %s: Kumo removes disks of a stopped VM", v.Name, vmStatus(v.Status))
		}
		return nil
	}, func(ctx context.Context, v model.VM) (model.Task, error) {
		for _, n := range names[v.ID] {
			if err := s.svc.RemoveVMDataDisk(ctx, v.ID, n); err != nil {
				return model.Task{}, err
			}
		}
		return model.Task{}, nil
	})
}
