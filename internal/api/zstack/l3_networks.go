package zstack

import (
	"net"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
)

// L3 networks are the networks a Kumo VM's NICs are on: the NAT network
// every VM's first NIC is on (QEMU user-mode NAT, its own 10.0.2.0/24 per
// VM, or the address its pool's address pool gives it) and the LANs a VM
// may join with a second NIC (host-local segments, see docs/architecture.md).

type ipRangeInventory struct {
	UUID          string `json:"uuid"`
	L3NetworkUUID string `json:"l3NetworkUuid"`
	Name          string `json:"name"`
	StartIP       string `json:"startIp"`
	EndIP         string `json:"endIp"`
	Netmask       string `json:"netmask"`
	PrefixLen     int    `json:"prefixLen"`
	Gateway       string `json:"gateway"`
	NetworkCidr   string `json:"networkCidr"`
	IPVersion     int    `json:"ipVersion"`
	CreateDate    string `json:"createDate"`
	LastOpDate    string `json:"lastOpDate"`
}

type l3NetworkInventory struct {
	UUID          string             `json:"uuid"`
	Name          string             `json:"name"`
	Description   string             `json:"description"`
	Type          string             `json:"type"`
	ZoneUUID      string             `json:"zoneUuid"`
	L2NetworkUUID string             `json:"l2NetworkUuid"`
	State         string             `json:"state"`
	System        bool               `json:"system"`
	Category      string             `json:"category"`
	IPVersion     int                `json:"ipVersion"`
	DNS           []string           `json:"dns"`
	EnableIPAM    bool               `json:"enableIPAM"`
	IPRanges      []ipRangeInventory `json:"ipRanges"`
	CreateDate    string             `json:"createDate"`
	LastOpDate    string             `json:"lastOpDate"`
}

// natL3UUID is the NAT network's uuid: the same on every host and pool.
var natL3UUID = partUUID("network", "nat")

func lanL3UUID(name string) string { return partUUID("lan", name) }

// l3Networks lists the NAT network and the LANs the caller sees. A
// caller who may not read LANs sees the NAT network only.
func (s *Server) l3Networks(r *http.Request) ([]l3NetworkInventory, []model.LAN) {
	ctx := r.Context()
	zone := ""
	if pools, err := s.svc.ListPools(ctx); err == nil {
		for _, p := range pools {
			if p.Name == model.DefaultPoolName {
				zone = zoneUUID(p.ID)
			}
		}
	}
	natDate := date(offeringsEpoch)
	out := []l3NetworkInventory{{UUID: natL3UUID, Name: "NAT", Description: "the user-mode NAT network of every VM's first NIC",
		Type: "L3BasicNetwork", ZoneUUID: zone, L2NetworkUUID: partUUID("l2", "nat"), State: "Enabled", Category: "Private",
		IPVersion: 4, DNS: []string{"10.0.2.3"}, EnableIPAM: true,
		IPRanges: []ipRangeInventory{{UUID: partUUID(natL3UUID, "range"), L3NetworkUUID: natL3UUID, Name: "NAT", StartIP: "10.0.2.15",
			EndIP: "10.0.2.15", Netmask: "255.255.255.0", PrefixLen: 24, Gateway: "10.0.2.2", NetworkCidr: "10.0.2.0/24", IPVersion: 4,
			CreateDate: natDate, LastOpDate: natDate}},
		CreateDate: natDate, LastOpDate: natDate}}
	lans, err := s.svc.ListLANs(ctx)
	if err != nil {
		return out, nil
	}
	pools := map[string]string{} // host id -> pool id
	if hosts, err := s.svc.ListHosts(ctx); err == nil {
		for _, h := range hosts {
			pools[h.ID] = h.PoolID
		}
	}
	for _, l := range lans {
		id, d := lanL3UUID(l.Name), date(l.CreatedAt)
		inv := l3NetworkInventory{UUID: id, Name: l.Name, Description: "a LAN of the VMs of one host", Type: "L3BasicNetwork",
			L2NetworkUUID: partUUID("l2", l.Name), State: "Enabled", Category: "Private", IPVersion: 4, DNS: []string{},
			EnableIPAM: false, IPRanges: []ipRangeInventory{}, CreateDate: d, LastOpDate: d}
		if p, ok := pools[l.HostID]; ok {
			inv.ZoneUUID = zoneUUID(p)
		}
		if _, n, err := net.ParseCIDR(l.CIDR); err == nil && n.IP.To4() != nil {
			ones, _ := n.Mask.Size()
			first, last := make(net.IP, 4), make(net.IP, 4)
			for i := range 4 {
				first[i] = n.IP.To4()[i]
				last[i] = n.IP.To4()[i] | ^n.Mask[i]
			}
			first[3]++
			last[3]--
			inv.IPRanges = []ipRangeInventory{{UUID: partUUID(id, "range"), L3NetworkUUID: id, Name: l.Name, StartIP: first.String(),
				EndIP: last.String(), Netmask: net.IP(n.Mask).String(), PrefixLen: ones, NetworkCidr: n.String(), IPVersion: 4,
				CreateDate: d, LastOpDate: d}}
		}
		out = append(out, inv)
	}
	return out, lans
}

func (s *Server) queryL3Network(r *http.Request) (any, error) {
	out, _ := s.l3Networks(r)
	return queryReply(r, out, func(n l3NetworkInventory) string { return n.UUID })
}

// lanOfL3 resolves a create's l3NetworkUuids: the NAT network is every
// VM's first NIC, and at most one LAN may be named for a second NIC.
// It returns the LAN's name, "" for none.
func (s *Server) lanOfL3(r *http.Request, uuids []string) (string, error) {
	_, lans := s.l3Networks(r)
	lan := ""
	for _, u := range uuids {
		if u == natL3UUID {
			continue
		}
		found := ""
		for _, l := range lans {
			if lanL3UUID(l.Name) == u {
				found = l.Name
			}
		}
		if found == "" {
			return "", model.FieldError("l3NetworkUuids", "no such L3 network: %s (GET /zstack/v1/l3-networks lists them)", u)
		}
		if lan != "" && lan != found {
			return "", model.FieldError("l3NetworkUuids", "names two LANs (%s and %s): a Kumo VM joins one LAN at most, beside its NAT network", lan, found)
		}
		lan = found
	}
	return lan, nil
}
