package cloudtower

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

// vlan is CloudTower's Vlan. Every Kumo guest has a NIC on QEMU
// user-mode NAT, a private network of its own; each pool is shown with
// one such network, so those NICs have a vlan to point at. It cannot be
// changed or deleted.
//
// The other vlans are Kumo LANs (service.CreateLAN): isolated layer-2
// segments between VMs of one host, on a loopback multicast group, not
// 802.1Q VLANs. A LAN spans one host, so its vds is that host: a vlan
// is created with vds_id a host id (see get-hosts), and only VMs placed
// on that host can get a NIC on it. Its vlan_id is a label Kumo keeps;
// frames are not tagged. A VM is on one LAN at most, as a second NIC.
type vlan struct {
	ID         string   `json:"id"`
	LocalID    string   `json:"local_id"`
	Name       string   `json:"name"`
	VlanID     int      `json:"vlan_id"`
	Type       string   `json:"type"`
	Cluster    *ref     `json:"cluster"`
	Vds        *ref     `json:"vds"`
	NetworkIDs []string `json:"network_ids"`
	Subnetmask *string  `json:"subnetmask"`
	VMNics     []ref    `json:"vm_nics"`
}

const natVlanName = "NAT"

// natVdsID is the vds of a pool's NAT vlan: QEMU's user-mode NAT,
// which every host of the pool gives each of its VMs. The SDK requires
// every vlan to name a vds.
func natVdsID(poolID string) string { return poolID + "-nat-vds" }

// lanVlanID is the id of a LAN's vlan; lanNicID of a VM's NIC on it.
func lanVlanID(name string) string { return "lan-" + name }
func lanNicID(vmID string) string  { return vmID + "-nic-1" }

func vlans(inv *inventory) []vlan {
	out := make([]vlan, 0, len(inv.pools)+len(inv.lans))
	for _, p := range inv.pools {
		vl := vlan{ID: vlanID(p.ID), LocalID: vlanID(p.ID), Name: natVlanName, Type: "VM", Cluster: &ref{p.ID, p.Name},
			Vds: &ref{natVdsID(p.ID), natVlanName}, NetworkIDs: []string{}, VMNics: []ref{}}
		for _, v := range inv.vms {
			if v.PoolID == p.ID {
				vl.VMNics = append(vl.VMNics, ref{nicID(v.ID), v.Name})
			}
		}
		out = append(out, vl)
	}
	for _, l := range inv.lans {
		out = append(out, inv.lanVlan(l))
	}
	return out
}

func (inv *inventory) lanVlan(l model.LAN) vlan {
	vl := vlan{ID: lanVlanID(l.Name), LocalID: lanVlanID(l.Name), Name: vlanName(l), VlanID: l.VlanID, Type: "VM",
		NetworkIDs: []string{l.CIDR}, VMNics: []ref{}, Vds: &ref{l.HostID, l.HostID}}
	// A caller who may not read hosts still sees which host's segment
	// it is, by id.
	if h, ok := inv.host[l.HostID]; ok {
		vl.Vds, vl.Cluster = &ref{h.ID, h.Name}, inv.poolRef(h.PoolID)
	}
	if pfx, err := parsePrefix(l.CIDR); err == nil {
		vl.Subnetmask = &pfx
	}
	for _, v := range inv.vms {
		if m, ok := inv.lanOf[v.ID]; ok && m.LAN == l.Name {
			vl.VMNics = append(vl.VMNics, ref{lanNicID(v.ID), v.Name})
		}
	}
	return vl
}

// parsePrefix gives the dotted mask of an IPv4 CIDR.
func parsePrefix(cidr string) (string, error) {
	_, bits, ok := strings.Cut(cidr, "/")
	if !ok {
		return "", model.FieldError("cidr", "no prefix length")
	}
	n, err := strconv.Atoi(bits)
	if err != nil || n < 0 || n > 32 {
		return "", model.FieldError("cidr", "bad prefix length")
	}
	m := uint32(0xffffffff) << (32 - n)
	if n == 0 {
		m = 0
	}
	return strconv.Itoa(int(m>>24)) + "." + strconv.Itoa(int(m>>16&255)) + "." + strconv.Itoa(int(m>>8&255)) + "." + strconv.Itoa(int(m&255)), nil
}

// vlanPool returns the pool of a NAT vlan id.
func (s *Server) vlanPool(ctx context.Context, id string) (model.Pool, error) {
	poolID, ok := strings.CutSuffix(id, "-nat")
	if !ok {
		return model.Pool{}, model.NotFound("vlan", id)
	}
	p, err := s.svc.GetPool(ctx, poolID)
	if err != nil || p.ID != poolID {
		return model.Pool{}, model.NotFound("vlan", id)
	}
	return p, nil
}

// lanNameRE is what a Kumo network may be called (service.CreateLAN).
var lanNameRE = regexp.MustCompile(`^[A-Za-z0-9]{6,10}$`)

var notLANChars = regexp.MustCompile(`[^A-Za-z0-9]+`)

// vlanName is the name a LAN is served under: the CloudTower name it
// was given, kept whole, or its Kumo name.
func vlanName(l model.LAN) string {
	if l.DisplayName != "" {
		return l.DisplayName
	}
	return l.Name
}

// kumoLANName returns the Kumo network name for a CloudTower vlan name
// and the display name to keep ("" when the name is a Kumo name
// itself). CloudTower names vlans freely ("sample name"); a Kumo network
// is 6-10 letters or digits, so the name is derived: up to 6 of the
// name's letters and digits and hex digits of a hash of the whole name
// (salted by try, for the rare name whose derivation is taken).
func kumoLANName(name string, try int) (string, string) {
	if lanNameRE.MatchString(name) && try == 0 {
		return name, ""
	}
	base := notLANChars.ReplaceAllString(name, "")
	if len(base) > 6 {
		base = base[:6]
	}
	sum := sha256.Sum256([]byte(name + strings.Repeat("\x00", try)))
	return base + hex.EncodeToString(sum[:])[:10-len(base)], name
}

// lanCIDR is the network Kumo numbers the VMs of a CloudTower-made LAN
// from (CloudTower gives none; no DHCP runs on a LAN).
const lanCIDR = "192.168.66.0/24"

type vlanCreation struct {
	VdsID  string          `json:"vds_id"`
	VlanID json.RawMessage `json:"vlan_id"`
	Name   string          `json:"name"`
}

// vlanNumber reads a vlan_id: a number, or a string of one.
func vlanNumber(raw json.RawMessage, field string) (int, error) {
	var n float64
	if err := json.Unmarshal(raw, &n); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, model.FieldError(field, "must be a VLAN id from 0 to 4094")
		}
		if n, err = strconv.ParseFloat(s, 64); err != nil {
			return 0, model.FieldError(field, "%q is not a VLAN id from 0 to 4094", s)
		}
	}
	if n != float64(int(n)) || n < 0 || n > 4094 {
		return 0, model.FieldError(field, "%v is not a VLAN id from 0 to 4094", n)
	}
	return int(n), nil
}

// createVMVlan is /create-vm-vlan: a Kumo LAN on the host vds_id names.
// A name that is not a Kumo network name is kept whole as the LAN's
// display name (kumoLANName). Every vlan of the batch is checked before
// any is made, and those made are deleted if a later one fails; a vlan
// is made at once, so task_id is null.
func (s *Server) createVMVlan(r *http.Request, body []byte) (any, error) {
	var req []vlanCreation
	if err := decodeStrict(body, &req); err != nil {
		return nil, err
	}
	if len(req) == 0 {
		return nil, model.FieldError("data", "must list at least one vlan")
	}
	ctx := r.Context()
	inv, err := s.inventory(ctx)
	if err != nil {
		return nil, err
	}
	shown := map[string]bool{}
	for _, vl := range vlans(inv) {
		shown[vl.Name] = true
	}
	ids := make([]int, len(req))
	hosts := make([]string, len(req))
	seen := map[string]bool{}
	for i, c := range req {
		if strings.TrimSpace(c.Name) == "" {
			return nil, model.FieldError("name", "is required")
		}
		if seen[c.Name] {
			return nil, model.FieldError("name", "%q is given twice", c.Name)
		}
		seen[c.Name] = true
		if shown[c.Name] {
			return nil, model.Errorf(model.CodeConflict, "a vlan named %q exists already", c.Name)
		}
		if c.VdsID == "" {
			return nil, model.FieldError("vds_id", "is required: the id of the host the network is on (a Kumo network spans one host)")
		}
		if len(c.VlanID) > 0 {
			n, err := vlanNumber(c.VlanID, "vlan_id")
			if err != nil {
				return nil, err
			}
			ids[i] = n
		}
		h, err := s.svc.GetHost(ctx, c.VdsID)
		if err != nil {
			return nil, model.Errorf(model.CodeNotFound, "vds %s: Kumo's virtual switches are its hosts (see /get-hosts); no host has this id", c.VdsID)
		}
		hosts[i] = h.ID
		if name, _ := kumoLANName(c.Name, 0); name == c.Name {
			if _, err := s.svc.GetLAN(ctx, c.Name); err == nil {
				return nil, model.Errorf(model.CodeConflict, "a network named %q exists already", c.Name)
			}
		}
	}
	out := make(batch[vlan], 0, len(req))
	var made []string
	undo := func() {
		for _, name := range made {
			_ = s.svc.DeleteLAN(ctx, name)
		}
	}
	for i, c := range req {
		l, err := s.createLAN(ctx, c.Name, hosts[i])
		if err != nil {
			undo()
			return nil, err
		}
		made = append(made, l.Name)
		if err := s.svc.SetLANVlanID(ctx, l.Name, ids[i]); err != nil {
			undo()
			return nil, err
		}
		vl, err := s.vlanAfter(ctx, l.Name)
		if err != nil {
			undo()
			return nil, err
		}
		out = append(out, withTask[vlan]{nil, vl})
	}
	return out, nil
}

// createLAN makes the LAN of a CloudTower vlan name: under the name
// itself when it is a Kumo network name, else under a derived one, tried
// again with another if a network has it.
func (s *Server) createLAN(ctx context.Context, towerName, host string) (model.LAN, error) {
	for try := 0; ; try++ {
		name, display := kumoLANName(towerName, try)
		l, err := s.svc.CreateNamedLAN(ctx, name, display, lanCIDR, host)
		if err == nil || display == "" || try == 3 || !model.IsCode(err, model.CodeConflict) {
			return l, err
		}
	}
}

func (s *Server) vlanAfter(ctx context.Context, name string) (vlan, error) {
	inv, err := s.inventory(ctx)
	if err != nil {
		return vlan{}, err
	}
	for _, l := range inv.lans {
		if l.Name == name {
			return inv.lanVlan(l), nil
		}
	}
	return vlan{}, model.NotFound("vlan", lanVlanID(name))
}

// selectLANs returns the LANs a change's where selects; the NAT vlans
// cannot be changed.
func (s *Server) selectLANs(ctx context.Context, where map[string]any) (*inventory, []model.LAN, error) {
	inv, err := s.inventory(ctx)
	if err != nil {
		return nil, nil, err
	}
	picked, err := selectWhere(where, vlans(inv), func(v vlan) string { return v.ID }, "vlan")
	if err != nil {
		return nil, nil, err
	}
	byID := map[string]model.LAN{}
	for _, l := range inv.lans {
		byID[lanVlanID(l.Name)] = l
	}
	out := make([]model.LAN, 0, len(picked))
	for _, p := range picked {
		l, ok := byID[p.ID]
		if !ok {
			return nil, nil, errRefused("vlan " + p.ID + " is the user-mode NAT network of a cluster: it cannot be changed or deleted")
		}
		out = append(out, l)
	}
	return inv, out, nil
}

// deleteVMVlan is /delete-vm-vlan: deletes LANs no VM is on.
func (s *Server) deleteVMVlan(r *http.Request, body []byte) (any, error) {
	var c vmChange
	if err := decodeStrict(body, &c); err != nil {
		return nil, err
	}
	if !noData(c.Data) {
		return nil, model.FieldError("data", "this operation takes no data")
	}
	ctx := r.Context()
	inv, lans, err := s.selectLANs(ctx, c.Where)
	if err != nil {
		return nil, err
	}
	for _, l := range lans {
		if vl := inv.lanVlan(l); len(vl.VMNics) > 0 {
			return nil, model.Errorf(model.CodeConflict, "vlan %s has %d NICs on it: remove them first (/remove-vm-nic)", vl.ID, len(vl.VMNics))
		}
	}
	out := make(batch[vlan], 0, len(lans))
	for _, l := range lans {
		vl := inv.lanVlan(l)
		if err := s.svc.DeleteLAN(ctx, l.Name); err != nil {
			return nil, err
		}
		out = append(out, withTask[vlan]{nil, vl})
	}
	return out, nil
}

type vlanUpdate struct {
	VlanID json.RawMessage `json:"vlan_id"`
	Name   *string         `json:"name"`
}

// updateVMVlan is /update-vm-vlan: changes the vlan_id label of LANs
// and the name one is shown under (its Kumo name, the key DBC clients
// name it by, stays).
func (s *Server) updateVMVlan(r *http.Request, body []byte) (any, error) {
	var c vmChange
	if err := decodeStrict(body, &c); err != nil {
		return nil, err
	}
	var d vlanUpdate
	if err := decodeData(c.Data, &d); err != nil {
		return nil, err
	}
	ctx := r.Context()
	inv, lans, err := s.selectLANs(ctx, c.Where)
	if err != nil {
		return nil, err
	}
	id := -1
	if len(d.VlanID) > 0 && string(d.VlanID) != "null" {
		if id, err = vlanNumber(d.VlanID, "data.vlan_id"); err != nil {
			return nil, err
		}
	}
	if d.Name != nil {
		if strings.TrimSpace(*d.Name) == "" {
			return nil, model.FieldError("data.name", "is required")
		}
		if len(lans) > 1 {
			return nil, model.FieldError("data.name", "renames one vlan, and the where selects %d", len(lans))
		}
		for _, vl := range vlans(inv) {
			if vl.Name == *d.Name && vl.ID != lanVlanID(lans[0].Name) {
				return nil, model.Errorf(model.CodeConflict, "a vlan named %q exists already", *d.Name)
			}
		}
	}
	out := make(batch[vlan], 0, len(lans))
	for _, l := range lans {
		// The LAN's Kumo name is its key (DBC clients name it): a rename
		// changes the name it is shown under.
		if d.Name != nil && *d.Name != vlanName(l) {
			display := *d.Name
			if display == l.Name {
				display = ""
			}
			if err := s.svc.SetLANDisplayName(ctx, l.Name, display); err != nil {
				return nil, err
			}
		}
		if id >= 0 {
			if err := s.svc.SetLANVlanID(ctx, l.Name, id); err != nil {
				return nil, err
			}
		}
		vl, err := s.vlanAfter(ctx, l.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, withTask[vlan]{nil, vl})
	}
	return out, nil
}

// lanNicParams is one of add-vm-nic's and remove-vm-nic's vm_nics.
type lanNicParams struct {
	ConnectVlanID string `json:"connect_vlan_id"`
	Model         string `json:"model"`
	Enabled       *bool  `json:"enabled"`
}

type nicChange struct {
	VMNics   json.RawMessage `json:"vm_nics"`
	NicIndex []int           `json:"nic_index"`
}

// nicLAN returns the LAN a vm_nics list connects to: exactly one NIC,
// on a LAN's vlan.
func (s *Server) nicLAN(ctx context.Context, d nicChange) (model.LAN, error) {
	nics, err := oneOrMany[lanNicParams](d.VMNics, "data.vm_nics")
	if err != nil {
		return model.LAN{}, err
	}
	if len(nics) != 1 || nics[0].ConnectVlanID == "" {
		return model.LAN{}, model.FieldError("data.vm_nics", "give exactly one NIC with a connect_vlan_id: a Kumo VM has its NAT NIC and at most one NIC on a network")
	}
	n := nics[0]
	if n.Model != "" && n.Model != "VIRTIO" {
		return model.LAN{}, errRefused("model " + n.Model + ": Kumo's NICs are VIRTIO")
	}
	if n.Enabled != nil && !*n.Enabled {
		return model.LAN{}, errRefused("enabled false: Kumo's NICs are always connected")
	}
	if _, err := s.vlanPool(ctx, n.ConnectVlanID); err == nil {
		return model.LAN{}, errRefused("vlan " + n.ConnectVlanID + " is the user-mode NAT network every VM is on already")
	}
	name, ok := strings.CutPrefix(n.ConnectVlanID, "lan-")
	if !ok {
		return model.LAN{}, model.NotFound("vlan", n.ConnectVlanID)
	}
	l, err := s.svc.GetLAN(ctx, name)
	if err != nil {
		return model.LAN{}, model.NotFound("vlan", n.ConnectVlanID)
	}
	return l, nil
}

func needStopped(v model.VM, what string) error {
	if v.Status != model.PowerStopped || v.PowerState != model.PowerStopped {
		return model.Errorf(model.CodeConflict, "VM %s is %s: Kumo %s of a stopped VM (applied at its next start)", v.Name, vmStatus(v.Status), what)
	}
	return nil
}

// addVMNic is /add-vm-nic: puts stopped VMs on a LAN, as a second NIC
// that appears at their next start. task_id is null.
func (s *Server) addVMNic(r *http.Request, body []byte) (any, error) {
	var d nicChange
	var lan model.LAN
	return s.changeVMs(r, body, &d, func(ctx context.Context, v model.VM) error {
		if d.NicIndex != nil {
			return model.FieldError("data.nic_index", "is for /remove-vm-nic")
		}
		var err error
		if lan, err = s.nicLAN(ctx, d); err != nil {
			return err
		}
		if m, err := s.svc.VMLAN(ctx, v.ID); err == nil {
			return model.Errorf(model.CodeConflict, "VM %s has a NIC on vlan %s already: a Kumo VM is on one network at most", v.Name, lanVlanID(m.LAN))
		}
		if v.HostID != lan.HostID {
			return model.Errorf(model.CodeConflict, "VM %s is on another host than vlan %s: a Kumo network spans one host", v.Name, lanVlanID(lan.Name))
		}
		return needStopped(v, "adds NICs")
	}, func(ctx context.Context, v model.VM) (model.Task, error) {
		return model.Task{}, s.svc.JoinLAN(ctx, v.ID, lan.Name)
	})
}

// removeVMNic is /remove-vm-nic: takes stopped VMs off their LAN. The
// NIC is named by the vlan it connects to (the guide's vm_nics) or by
// its index (the SDK's nic_index: 1, the NAT NIC being 0).
func (s *Server) removeVMNic(r *http.Request, body []byte) (any, error) {
	var d nicChange
	return s.changeVMs(r, body, &d, func(ctx context.Context, v model.VM) error {
		var want string // the LAN named, "" for the one at index 1
		switch {
		case d.NicIndex != nil && len(d.VMNics) > 0:
			return model.FieldError("data", "give vm_nics or nic_index, not both")
		case d.NicIndex != nil:
			for _, i := range d.NicIndex {
				if i == 0 {
					return errRefused("nic_index 0 is the user-mode NAT NIC every Kumo VM has: it cannot be removed")
				}
				if i != 1 {
					return model.NotFound("NIC of VM "+v.Name, strconv.Itoa(i))
				}
			}
			if len(d.NicIndex) == 0 {
				return model.FieldError("data.nic_index", "is empty")
			}
		default:
			l, err := s.nicLAN(ctx, d)
			if err != nil {
				return err
			}
			want = l.Name
		}
		m, err := s.svc.VMLAN(ctx, v.ID)
		if err != nil || (want != "" && m.LAN != want) {
			return model.Errorf(model.CodeNotFound, "VM %s has no NIC on that vlan", v.Name)
		}
		return needStopped(v, "removes NICs")
	}, func(ctx context.Context, v model.VM) (model.Task, error) {
		return model.Task{}, s.svc.LeaveLAN(ctx, v.ID)
	})
}
