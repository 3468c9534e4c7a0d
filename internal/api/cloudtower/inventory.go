package cloudtower

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// inventory is what the resources refer to each other by: one read of
// pools, hosts, images and VMs per call, so that a list is consistent
// with itself.
type inventory struct {
	pools  []model.Pool
	hosts  []model.Host
	images []model.Image
	vms    []model.VM
	lans   []model.LAN
	pool   map[string]model.Pool
	host   map[string]model.Host
	image  map[string]model.Image
	// lanOf is the LAN place of each VM on one.
	lanOf map[string]model.LANMember
}

func (s *Server) inventory(ctx context.Context) (*inventory, error) {
	inv := &inventory{pool: map[string]model.Pool{}, host: map[string]model.Host{}, image: map[string]model.Image{},
		lanOf: map[string]model.LANMember{}}
	// The inventory holds what the caller may read: a kind of object its
	// roles do not let it read is empty (a tenant sees no hosts), not a
	// refusal of every call.
	var err error
	if inv.pools, err = readable(s.svc.ListPools(ctx)); err != nil {
		return nil, err
	}
	if inv.hosts, err = readable(s.svc.ListHosts(ctx)); err != nil {
		return nil, err
	}
	if inv.images, err = readable(s.svc.ListImages(ctx)); err != nil {
		return nil, err
	}
	if inv.vms, err = readable(s.svc.ListVMs(ctx)); err != nil {
		return nil, err
	}
	if inv.lans, err = readable(s.svc.ListLANs(ctx)); err != nil {
		return nil, err
	}
	for _, l := range inv.lans {
		ms, err := s.svc.LANMembers(ctx, l.Name)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			inv.lanOf[m.VMID] = m
		}
	}
	for _, p := range inv.pools {
		inv.pool[p.ID] = p
	}
	for _, h := range inv.hosts {
		inv.host[h.ID] = h
	}
	for _, img := range inv.images {
		inv.image[img.ID] = img
	}
	return inv, nil
}

// lanName is the name the LAN of that Kumo name is served under.
func (inv *inventory) lanName(name string) string {
	for _, l := range inv.lans {
		if l.Name == name {
			return vlanName(l)
		}
	}
	return name
}

// ref is a relation to another resource, as CloudTower nests them.
type ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (inv *inventory) poolRef(id string) *ref {
	p, ok := inv.pool[id]
	if !ok {
		return nil
	}
	return &ref{p.ID, p.Name}
}

// nestedHost is how CloudTower nests a host: with its management IP.
type nestedHost struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	ManagementIP string `json:"management_ip"`
}

func (inv *inventory) hostRef(id string) *nestedHost {
	h, ok := inv.host[id]
	if !ok {
		return nil
	}
	return &nestedHost{h.ID, h.Name, hostIP(h)}
}

// hostIP is the address a host's agent listens on.
func hostIP(h model.Host) string {
	u, err := url.Parse(h.Address)
	if err != nil {
		return ""
	}
	ip, _, err := net.SplitHostPort(u.Host)
	if err != nil {
		return u.Hostname()
	}
	return ip
}

// architecture is CloudTower's name for the CPU architecture Kumo's hosts
// share with the control plane.
func architecture() string {
	if runtime.GOARCH == "arm64" {
		return "AARCH64"
	}
	return "X86_64"
}

// The settings CloudTower VMs, templates and snapshots carry that Kumo
// has no choice of: guests keep their clock in UTC, run the CPU model
// QEMU's accelerator gives them, and have no Windows tuning.
const (
	clockOffset = "UTC"
	cpuModel    = ""
)

func (inv *inventory) imageRef(id string) *ref {
	img, ok := inv.image[id]
	if !ok {
		return nil
	}
	return &ref{img.ID, img.Name}
}

// timestamp is how CloudTower writes times; zero is null.
func timestamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format("2006-01-02T15:04:05.000Z")
	return &s
}

// inventoryList answers a /get-<things> call: the list, read from the
// inventory, filtered, ordered and paged as the body asks.
func inventoryList[T any](s *Server, build func(*inventory) []T) func(r *http.Request, body []byte) (any, error) {
	return func(r *http.Request, body []byte) (any, error) {
		q, err := decodeList(body)
		if err != nil {
			return nil, err
		}
		inv, err := s.inventory(r.Context())
		if err != nil {
			return nil, err
		}
		return list(q, build(inv))
	}
}

// readable turns a list the caller may not read into an empty one.
func readable[T any](list []T, err error) ([]T, error) {
	if model.IsCode(err, model.CodePermissionDenied) {
		return nil, nil
	}
	return list, err
}
