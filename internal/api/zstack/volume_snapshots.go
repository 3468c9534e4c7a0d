package zstack

import (
	"context"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Volume snapshots are Kumo's VM snapshots, taken of a VM's root volume:
// a Kumo snapshot covers the VM's system disk (and its RAM when taken
// live), so data volumes have no snapshots of their own. A snapshot's
// uuid is derived from its VM and its name.

type volumeSnapshotInventory struct {
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"`
	VolumeUUID  string `json:"volumeUuid"`
	TreeUUID    string `json:"treeUuid"`
	ParentUUID  string `json:"parentUuid,omitempty"`
	VolumeType  string `json:"volumeType"`
	Format      string `json:"format"`
	Latest      bool   `json:"latest"`
	Size        int64  `json:"size"`
	State       string `json:"state"`
	Status      string `json:"status"`
	Distance    int    `json:"distance"`
	CreateDate  string `json:"createDate"`
	LastOpDate  string `json:"lastOpDate"`
}

func snapshotUUID(vmID, name string) string { return partUUID(vmID, "snapshot/"+name) }

func snapshotOf(vm model.VM, sn model.Snapshot, all []model.Snapshot) volumeSnapshotInventory {
	inv := volumeSnapshotInventory{UUID: snapshotUUID(vm.ID, sn.Name), Name: sn.Name, Description: sn.Description,
		Type: "Hypervisor", VolumeUUID: rootVolumeUUID(vm.ID), TreeUUID: partUUID(vm.ID, "snapshot-tree"), VolumeType: "Root",
		Format: "qcow2", Latest: sn.Current, Size: vm.DiskBytes, State: "Enabled", Status: "Ready",
		CreateDate: date(sn.CreatedAt), LastOpDate: date(sn.CreatedAt)}
	if sn.Parent != "" {
		inv.ParentUUID = snapshotUUID(vm.ID, sn.Parent)
	}
	// Distance is how far the snapshot is from its tree's root.
	parents := map[string]string{}
	for _, o := range all {
		parents[o.Name] = o.Parent
	}
	for p := sn.Parent; p != "" && inv.Distance < len(all); p = parents[p] {
		inv.Distance++
	}
	return inv
}

// volumeSnapshots lists the snapshots of the VMs the caller sees, with
// the VM and Kumo name of each.
func (s *Server) volumeSnapshots(ctx context.Context) ([]volumeSnapshotInventory, map[string][2]string, error) {
	vms, err := s.svc.ListVMs(ctx)
	if err != nil {
		return nil, nil, err
	}
	var out []volumeSnapshotInventory
	where := map[string][2]string{}
	for _, vm := range vms {
		snaps, err := s.svc.ListSnapshots(ctx, vm.ID)
		if err != nil {
			continue // a VM the caller may read but not snapshot
		}
		for _, sn := range snaps {
			inv := snapshotOf(vm, sn, snaps)
			out = append(out, inv)
			where[inv.UUID] = [2]string{vm.ID, sn.Name}
		}
	}
	return out, where, nil
}

func (s *Server) queryVolumeSnapshot(r *http.Request) (any, error) {
	out, _, err := s.volumeSnapshots(r.Context())
	if err != nil {
		return nil, err
	}
	return queryReply(r, out, func(v volumeSnapshotInventory) string { return v.UUID })
}

// snapshotInventory renders one snapshot, once its task is done.
func (s *Server) snapshotInventory(ctx context.Context, vmID, name string) (volumeSnapshotInventory, error) {
	vm, err := s.svc.GetVM(ctx, vmID)
	if err != nil {
		return volumeSnapshotInventory{}, err
	}
	snaps, err := s.svc.ListSnapshots(ctx, vm.ID)
	if err != nil {
		return volumeSnapshotInventory{}, err
	}
	for _, sn := range snaps {
		if sn.Name == name {
			return snapshotOf(vm, sn, snaps), nil
		}
	}
	return volumeSnapshotInventory{}, model.Errorf(model.CodeNotFound, "VM %s has no snapshot %q", zid(vm.ID), name)
}

func (s *Server) createVolumeSnapshot(r *http.Request) (any, error) {
	var p struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	vm, root, err := s.volumeVM(r, r.PathValue("volumeUuid"))
	if err != nil {
		return nil, err
	}
	if !root {
		return nil, errNotSupported("snapshots of data volumes: a Kumo snapshot is of the VM's root volume (and its RAM when running); snapshot volume %s", rootVolumeUUID(vm.ID))
	}
	t, err := s.svc.CreateSnapshot(r.Context(), vm.ID, p.Name, p.Description)
	if err != nil {
		return nil, err
	}
	return pendingJob{task: t, vm: vm.ID, snapshot: p.Name}, nil
}

// snapshotAt finds the snapshot a path's {uuid} names.
func (s *Server) snapshotAt(r *http.Request) (vmID, name string, err error) {
	_, where, err := s.volumeSnapshots(r.Context())
	if err != nil {
		return "", "", err
	}
	w, ok := where[r.PathValue("uuid")]
	if !ok {
		return "", "", model.Errorf(model.CodeNotFound, "no such volume snapshot: %s", r.PathValue("uuid"))
	}
	return w[0], w[1], nil
}

func (s *Server) deleteVolumeSnapshot(r *http.Request) (any, error) {
	vmID, name, err := s.snapshotAt(r)
	if err != nil {
		return nil, err
	}
	t, err := s.svc.DeleteSnapshot(r.Context(), vmID, name)
	if err != nil {
		return nil, err
	}
	return pendingJob{task: t}, nil
}

// volumeSnapshotActions serves revertVolumeFromSnapshot (the VM must be
// stopped, as in ZStack).
func (s *Server) volumeSnapshotActions(r *http.Request) (any, error) {
	action, err := actionOf(r)
	if err != nil {
		return nil, err
	}
	if action != "revertVolumeFromSnapshot" {
		return nil, errNotSupported("volume snapshot action %q: Kumo offers revertVolumeFromSnapshot", action)
	}
	ctx := r.Context()
	if err := authorizeAPI(ctx, "RevertVolumeFromSnapshot", permissionOf("RevertVolumeFromSnapshot")); err != nil {
		return nil, err
	}
	vmID, name, err := s.snapshotAt(r)
	if err != nil {
		return nil, err
	}
	t, err := s.svc.RevertSnapshot(ctx, vmID, name)
	if err != nil {
		return nil, err
	}
	return pendingJob{task: t}, nil
}
