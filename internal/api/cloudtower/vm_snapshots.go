package cloudtower

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

// vmSnapshot is CloudTower's VmSnapshot.
type vmSnapshot struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	Description    string  `json:"description"`
	ConsistentType string  `json:"consistent_type"`
	VM             ref     `json:"vm"`
	Cluster        *ref    `json:"cluster"`
	LocalCreatedAt *string `json:"local_created_at"`
	frozenVM
}

// frozenVM is what the SDK's VmSnapshot requires of the VM it froze.
// Kumo keeps no copy of the VM's settings with a snapshot (a revert
// keeps the VM's current CPU and memory), so they are the VM's own.
type frozenVM struct {
	LocalID     string      `json:"local_id"`
	Vcpu        int         `json:"vcpu"`
	CPU         cpuTopology `json:"cpu"`
	CPUModel    string      `json:"cpu_model"`
	Memory      int64       `json:"memory"`
	Size        int64       `json:"size"`
	Firmware    string      `json:"firmware"`
	ClockOffset string      `json:"clock_offset"`
	HA          bool        `json:"ha"`
	WinOpt      bool        `json:"win_opt"`
}

func frozen(inv *inventory, id string, v model.VM) frozenVM {
	return frozenVM{LocalID: id, Vcpu: v.Cores, CPU: cpuTopology{Cores: v.Cores, Sockets: 1}, CPUModel: cpuModel,
		Memory: int64(v.MemoryMiB) << 20, Size: v.DiskBytes, Firmware: "BIOS", ClockOffset: clockOffset,
		HA: inv.pool[v.PoolID].Failover}
}

// A snapshot's id is its VM's id and its Kumo name: Kumo names
// snapshots per VM. Neither contains a slash.
func snapshotID(vmID, name string) string { return vmID + "/" + name }

func splitSnapshotID(id string) (vmID, name string, ok bool) {
	return strings.Cut(id, "/")
}

// CloudTower names snapshots freely ("sample snapshot"); Kumo names are
// 1-63 of [A-Za-z0-9._-]. A CloudTower name that is not a Kumo name is
// kept in the description, behind this marker, and the Kumo name is
// derived from it.
const towerNameMarker = "cloudtower-name: "

var kumoName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
var notNameChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func snapshotName(sn model.Snapshot) string {
	if n, ok := strings.CutPrefix(sn.Description, towerNameMarker); ok {
		return n
	}
	return sn.Name
}

// kumoSnapshotName returns the Kumo name and description for a
// CloudTower snapshot name.
func kumoSnapshotName(name string) (string, string) {
	if kumoName.MatchString(name) && strings.Trim(name, "0123456789") != "" {
		return name, ""
	}
	sum := sha256.Sum256([]byte(name))
	base := strings.Trim(notNameChars.ReplaceAllString(name, "-"), "-._")
	if len(base) > 48 {
		base = base[:48]
	}
	if base == "" {
		base = "snapshot"
	}
	return base + "-" + hex.EncodeToString(sum[:4]), towerNameMarker + name
}

func (s *Server) snapshots(ctx context.Context, inv *inventory) ([]vmSnapshot, error) {
	var out []vmSnapshot
	for _, v := range inv.vms {
		snaps, err := s.svc.ListSnapshots(ctx, v.ID)
		if err != nil {
			if model.IsCode(err, model.CodeNotFound) { // deleted meanwhile
				continue
			}
			return nil, err
		}
		for _, sn := range snaps {
			desc := sn.Description
			if strings.HasPrefix(desc, towerNameMarker) {
				desc = ""
			}
			out = append(out, vmSnapshot{ID: snapshotID(v.ID, sn.Name), Name: snapshotName(sn), Description: desc,
				ConsistentType: "CRASH_CONSISTENT", VM: ref{v.ID, v.Name}, Cluster: inv.poolRef(v.PoolID),
				LocalCreatedAt: timestamp(sn.CreatedAt), frozenVM: frozen(inv, snapshotID(v.ID, sn.Name), v)})
		}
	}
	if out == nil {
		out = []vmSnapshot{}
	}
	return out, nil
}

// getVMSnapshots is /get-vm-snapshots.
func (s *Server) getVMSnapshots(r *http.Request, body []byte) (any, error) {
	q, err := decodeList(body)
	if err != nil {
		return nil, err
	}
	inv, err := s.inventory(r.Context())
	if err != nil {
		return nil, err
	}
	all, err := s.snapshots(r.Context(), inv)
	if err != nil {
		return nil, err
	}
	return list(q, all)
}

type snapshotCreation struct {
	VMID           string `json:"vm_id"`
	Name           string `json:"name"`
	ConsistentType string `json:"consistent_type"`
	Description    string `json:"description"`
}

// createVMSnapshot is /create-vm-snapshot: {"data": [{vm_id, name,
// consistent_type}]}. Kumo's snapshot of a running VM (savevm) holds its
// disk and RAM at one instant: crash consistent. File-system consistency
// would need the guest agent to freeze the file systems first, which
// Kumo does not do, so it is refused rather than promised.
func (s *Server) createVMSnapshot(r *http.Request, body []byte) (any, error) {
	var req struct {
		Data []snapshotCreation `json:"data"`
	}
	if err := decodeStrict(body, &req); err != nil {
		return nil, err
	}
	if len(req.Data) == 0 {
		return nil, model.FieldError("data", "must list at least one snapshot")
	}
	ctx := r.Context()
	type planned struct {
		vm         model.VM
		name, desc string
	}
	var plan []planned
	seen := map[string]bool{}
	for _, d := range req.Data {
		switch {
		case d.VMID == "":
			return nil, model.FieldError("data.vm_id", "is required")
		case d.Name == "":
			return nil, model.FieldError("data.name", "is required")
		}
		switch d.ConsistentType {
		case "CRASH_CONSISTENT":
		case "FILE_SYSTEM_CONSISTENT":
			return nil, errRefused("consistent_type FILE_SYSTEM_CONSISTENT: Kumo does not freeze guest file systems for snapshots; use CRASH_CONSISTENT")
		case "":
			return nil, model.FieldError("data.consistent_type", "is required")
		default:
			return nil, model.FieldError("data.consistent_type", "%q: use CRASH_CONSISTENT or FILE_SYSTEM_CONSISTENT", d.ConsistentType)
		}
		v, err := s.svc.GetVM(ctx, d.VMID)
		if err != nil {
			return nil, err
		}
		name, desc := kumoSnapshotName(d.Name)
		if d.Description != "" && desc == "" {
			desc = d.Description
		}
		if seen[v.ID+"/"+name] {
			return nil, model.FieldError("data.name", "%q is asked twice for VM %s", d.Name, v.Name)
		}
		seen[v.ID+"/"+name] = true
		if _, err := s.svc.GetSnapshot(ctx, v.ID, name); err == nil {
			return nil, model.Errorf(model.CodeConflict, "VM %s already has a snapshot %q", v.Name, d.Name)
		}
		plan = append(plan, planned{v, name, desc})
	}
	inv, err := s.inventory(ctx)
	if err != nil {
		return nil, err
	}
	out := make(batch[vmSnapshot], 0, len(plan))
	for _, p := range plan {
		t, err := s.svc.CreateSnapshot(ctx, p.vm.ID, p.name, p.desc)
		if err != nil {
			return nil, err
		}
		shown := p.name
		if n, ok := strings.CutPrefix(p.desc, towerNameMarker); ok {
			shown = n
		}
		out = append(out, withTask[vmSnapshot]{taskOf(t), vmSnapshot{ID: snapshotID(p.vm.ID, p.name), Name: shown,
			ConsistentType: "CRASH_CONSISTENT", VM: ref{p.vm.ID, p.vm.Name}, Cluster: inv.poolRef(p.vm.PoolID),
			LocalCreatedAt: timestamp(t.CreatedAt), frozenVM: frozen(inv, snapshotID(p.vm.ID, p.name), p.vm)}})
	}
	return out, nil
}

// deleteVMSnapshot is /delete-vm-snapshot.
func (s *Server) deleteVMSnapshot(r *http.Request, body []byte) (any, error) {
	var c vmChange
	if err := decodeStrict(body, &c); err != nil {
		return nil, err
	}
	if !noData(c.Data) {
		return nil, model.FieldError("data", "this operation takes no data")
	}
	ctx := r.Context()
	inv, err := s.inventory(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.snapshots(ctx, inv)
	if err != nil {
		return nil, err
	}
	picked, err := selectWhere(c.Where, all, func(sn vmSnapshot) string { return sn.ID }, "snapshot")
	if err != nil {
		return nil, err
	}
	out := make(batch[deleted], 0, len(picked))
	for _, sn := range picked {
		vmID, name, _ := splitSnapshotID(sn.ID)
		t, err := s.svc.DeleteSnapshot(ctx, vmID, name)
		if err != nil {
			return nil, err
		}
		out = append(out, withTask[deleted]{taskOf(t), deleted{sn.ID}})
	}
	return out, nil
}

// rollbackData is the data of /rollback-vm.
type rollbackData struct {
	SnapshotID string `json:"snapshot_id"`
}

// rollbackVM is /rollback-vm: the VM's disk goes back to one of its
// snapshots (service.RevertSnapshot). Kumo reverts a stopped VM only.
func (s *Server) rollbackVM(r *http.Request, body []byte) (any, error) {
	var d rollbackData
	return s.changeVMs(r, body, &d, func(ctx context.Context, v model.VM) error {
		if d.SnapshotID == "" {
			return model.FieldError("data.snapshot_id", "is required")
		}
		vmID, name, ok := splitSnapshotID(d.SnapshotID)
		if !ok || vmID != v.ID {
			return model.NotFound("snapshot of VM "+v.Name, d.SnapshotID)
		}
		if _, err := s.svc.GetSnapshot(ctx, v.ID, name); err != nil {
			return err
		}
		if v.Status != model.PowerStopped || v.PowerState != model.PowerStopped {
			return model.Errorf(model.CodeConflict, "VM %s is %s: Kumo rolls back a stopped VM (power it off first)", v.Name, vmStatus(v.Status))
		}
		return nil
	}, func(ctx context.Context, v model.VM) (model.Task, error) {
		_, name, _ := splitSnapshotID(d.SnapshotID)
		return s.svc.RevertSnapshot(ctx, v.ID, name)
	})
}
