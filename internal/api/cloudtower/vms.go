package cloudtower

import (
	"context"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// vm is CloudTower's Vm.
type vm struct {
	ID             string      `json:"id"`
	Name           string      `json:"name"`
	Description    string      `json:"description"`
	Status         string      `json:"status"`
	Vcpu           int         `json:"vcpu"`
	CPU            cpuTopology `json:"cpu"`
	Memory         int64       `json:"memory"`
	HA             bool        `json:"ha"`
	Firmware       string      `json:"firmware"`
	GuestOSType    string      `json:"guest_os_type"`
	InRecycleBin   bool        `json:"in_recycle_bin"`
	Cluster        *ref        `json:"cluster"`
	Host           *nestedHost `json:"host"`
	VMDisks        []vmDisk    `json:"vm_disks"`
	VMNics         []vmNic     `json:"vm_nics"`
	Snapshots      []ref       `json:"snapshots"`
	IOPolicy       *string     `json:"io_policy"`
	MaxIOPS        *int64      `json:"max_iops"`
	MaxBandwidth   *int64      `json:"max_bandwidth"`
	LocalCreatedAt *string     `json:"local_created_at"`

	// Required by the SDK's Vm. Kumo guests have no guest tools, USB
	// passthrough, nested virtualization, deletion protection or Windows
	// tuning; their addresses are on user-mode NAT, so ips is empty.
	LocalID              string   `json:"local_id"`
	ClockOffset          string   `json:"clock_offset"`
	CPUModel             string   `json:"cpu_model"`
	Internal             bool     `json:"internal"`
	IPs                  string   `json:"ips"`
	NodeIP               string   `json:"node_ip"`
	NestedVirtualization bool     `json:"nested_virtualization"`
	OutUninstallUSB      []string `json:"out_uninstall_usb"`
	Protected            bool     `json:"protected"`
	VMToolsStatus        string   `json:"vm_tools_status"`
	WinOpt               bool     `json:"win_opt"`
}

type cpuTopology struct {
	Cores   int `json:"cores"`
	Sockets int `json:"sockets"`
}

// vmDisk is a drive of a VM: the system disk, the CD-ROM drive every
// Kumo VM has, and its data disks.
type vmDisk struct {
	ID       string `json:"id"`
	Type     string `json:"type"` // DISK or CD_ROM
	Bus      string `json:"bus"`
	Boot     int    `json:"boot"`
	Key      int    `json:"key"`
	VMVolume *ref   `json:"vm_volume"`
	ElfImage *ref   `json:"elf_image"`
}

type vmNic struct {
	ID         string `json:"id"`
	MacAddress string `json:"mac_address"`
	Model      string `json:"model"`
	Enabled    bool   `json:"enabled"`
	Vlan       *ref   `json:"vlan"`
}

// vmStatus maps Kumo's observed power state to CloudTower's VmStatus.
func vmStatus(st model.PowerState) string {
	switch st {
	case model.PowerRunning:
		return "RUNNING"
	case model.PowerStopped, model.PowerCreating:
		return "STOPPED"
	case model.PowerPaused:
		return "SUSPENDED"
	}
	return "UNKNOWN"
}

// Ids of the parts of a VM, derived from its id: Kumo keeps no separate
// rows for them.
func diskID(vmID string) string   { return vmID + "-disk-0" }
func cdromID(vmID string) string  { return vmID + "-cdrom-0" }
func nicID(vmID string) string    { return vmID + "-nic-0" }
func volumeID(vmID string) string { return vmID + "-volume-0" }
func vlanID(poolID string) string { return poolID + "-nat" }

// toVM builds the Vm of a Kumo VM. media is the image in its CD-ROM
// drive as its running QEMU reports it, nil when not known: then the
// drive holds the ISO a VM made from one boots, else nothing.
func (s *Server) toVM(ctx context.Context, inv *inventory, v model.VM, media *string) vm {
	out := vm{
		ID: v.ID, Name: v.Name, Description: v.Description, Status: vmStatus(v.Status),
		Vcpu: v.Cores, CPU: cpuTopology{Cores: v.Cores, Sockets: 1}, Memory: int64(v.MemoryMiB) << 20,
		HA: inv.pool[v.PoolID].Failover, Firmware: "BIOS", GuestOSType: "UNKNOWN",
		Cluster: inv.poolRef(v.PoolID), Host: inv.hostRef(v.HostID), LocalCreatedAt: timestamp(v.CreatedAt),
		Snapshots: []ref{},
		LocalID:   v.ID, ClockOffset: clockOffset, CPUModel: cpuModel, OutUninstallUSB: []string{}, VMToolsStatus: "NOT_INSTALLED",
	}
	if out.Host != nil {
		out.NodeIP = out.Host.ManagementIP
	}
	if v.QoS.ReadIOPS > 0 || v.QoS.ReadBPS > 0 {
		p := "RESTRICT_WHOLE_VM"
		out.IOPolicy = &p
		if v.QoS.ReadIOPS > 0 {
			out.MaxIOPS = &v.QoS.ReadIOPS
		}
		if v.QoS.ReadBPS > 0 {
			out.MaxBandwidth = &v.QoS.ReadBPS
		}
	}
	boot, inDrive := 1, ""
	if v.BootMedia {
		boot, inDrive = 2, v.ImageID
	}
	if media != nil {
		inDrive = *media
	}
	out.VMDisks = []vmDisk{
		{ID: diskID(v.ID), Type: "DISK", Bus: "VIRTIO", Boot: boot, Key: 0, VMVolume: &ref{volumeID(v.ID), v.Name + "-disk-0"}},
		{ID: cdromID(v.ID), Type: "CD_ROM", Bus: "IDE", Boot: 3 - boot, Key: 1, ElfImage: inv.imageRef(inDrive)},
	}
	for i, d := range v.DataDisks {
		out.VMDisks = append(out.VMDisks, vmDisk{ID: dataDiskID(v.ID, d.Name), Type: "DISK", Bus: "VIRTIO", Boot: 3 + i, Key: 2 + i,
			VMVolume: &ref{dataVolumeID(v.ID, d.Name), v.Name + "-" + d.Name}})
	}
	out.VMNics = []vmNic{{ID: nicID(v.ID), MacAddress: service.MACFor(v.ID), Model: "VIRTIO", Enabled: true,
		Vlan: &ref{vlanID(v.PoolID), natVlanName}}}
	if m, ok := inv.lanOf[v.ID]; ok {
		out.VMNics = append(out.VMNics, vmNic{ID: lanNicID(v.ID), MacAddress: service.LANMACFor(v.ID), Model: "VIRTIO", Enabled: true,
			Vlan: &ref{lanVlanID(m.LAN), inv.lanName(m.LAN)}})
	}
	if snaps, err := s.svc.ListSnapshots(ctx, v.ID); err == nil {
		for _, sn := range snaps {
			out.Snapshots = append(out.Snapshots, ref{snapshotID(v.ID, sn.Name), snapshotName(sn)})
		}
	}
	return out
}

// liveMedia asks a running VM's host what is in its CD-ROM drive. A
// host that does not answer leaves the drive shown as at boot rather
// than failing the call.
func (s *Server) liveMedia(ctx context.Context, v model.VM) *string {
	if v.Status != model.PowerRunning && v.Status != model.PowerPaused {
		return nil
	}
	m, err := s.svc.VMMedia(ctx, v.ID)
	if err != nil {
		return nil
	}
	return &m
}

// vms returns every visible VM as CloudTower sees it.
func (s *Server) vms(ctx context.Context, inv *inventory) []vm {
	out := make([]vm, 0, len(inv.vms))
	for _, v := range inv.vms {
		out = append(out, s.toVM(ctx, inv, v, s.liveMedia(ctx, v)))
	}
	return out
}

// getVMs is /get-vms.
func (s *Server) getVMs(r *http.Request, body []byte) (any, error) {
	q, err := decodeList(body)
	if err != nil {
		return nil, err
	}
	inv, err := s.inventory(r.Context())
	if err != nil {
		return nil, err
	}
	return list(q, s.vms(r.Context(), inv))
}

// selectVMs returns the VMs a change's where selects: 404 when it
// selects none, or names by id or id_in a VM that does not exist.
func (s *Server) selectVMs(ctx context.Context, inv *inventory, where map[string]any) ([]model.VM, error) {
	all := s.vms(ctx, inv)
	picked, err := selectWhere(where, all, func(v vm) string { return v.ID }, "VM")
	if err != nil {
		return nil, err
	}
	byID := map[string]model.VM{}
	for _, v := range inv.vms {
		byID[v.ID] = v
	}
	out := make([]model.VM, len(picked))
	for i, p := range picked {
		out[i] = byID[p.ID]
	}
	return out, nil
}

// selectWhere applies a change's where to a resource list. A change
// needs a non-empty where: one that selects nothing, or that names an
// id (where.id, where.id_in) absent from the list, is a 404.
func selectWhere[T any](where map[string]any, all []T, idOf func(T) string, kind string) ([]T, error) {
	if where == nil {
		return nil, model.FieldError("where", "is required: it selects the %ss to act on", kind)
	}
	// An empty where would select every resource: a script that lost
	// its filter must not stop or delete the whole inventory.
	if len(where) == 0 {
		return nil, model.FieldError("where", "is empty: name the %ss to act on (for all of them, say so, e.g. {\"id_not\": \"\"})", kind)
	}
	f, err := compileWhere(where, shapeFor[T](), "where")
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, it := range all {
		have[idOf(it)] = true
	}
	var named []any
	if id, ok := where["id"]; ok {
		named = append(named, id)
	}
	if ids, ok := where["id_in"].([]any); ok {
		named = append(named, ids...)
	}
	for _, id := range named {
		if s, _ := id.(string); !have[s] {
			return nil, model.NotFound(kind, s)
		}
	}
	var out []T
	for _, it := range all {
		if f.match(toObject(it)) {
			out = append(out, it)
		}
	}
	if len(out) == 0 {
		return nil, model.Errorf(model.CodeNotFound, "no %s matches the where", kind)
	}
	return out, nil
}

// vmAfter reads a VM back for a change's reply.
// changeEach applies a change that needs no task to each VM, in order,
// and answers each VM as it is after its change (task_id null); the
// first failure stops the rest.
func (s *Server) changeEach(ctx context.Context, vms []model.VM, change func(id string) error) (batch[vm], error) {
	out := make(batch[vm], 0, len(vms))
	for _, v := range vms {
		if err := change(v.ID); err != nil {
			return nil, err
		}
		data, err := s.vmAfter(ctx, v.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, withTask[vm]{nil, data})
	}
	return out, nil
}

func (s *Server) vmAfter(ctx context.Context, id string) (vm, error) {
	inv, err := s.inventory(ctx)
	if err != nil {
		return vm{}, err
	}
	for _, v := range inv.vms {
		if v.ID == id {
			return s.toVM(ctx, inv, v, s.liveMedia(ctx, v)), nil
		}
	}
	return vm{}, model.NotFound("VM", id)
}
