package dbc

import (
	"net/netip"
	"regexp"

	"github.com/kumo-cloud/kumo/internal/model"
)

// lanName is the document's rule for network names: 6-10 letters or
// digits.
var lanName = regexp.MustCompile(`^[A-Za-z0-9]{6,10}$`)

func errLANs() error {
	return errNotImplemented("LANs between VMs are not implemented in Kumo yet: each VM has its own user-mode NAT network, and an isolated segment per LAN (a second NIC on a QEMU socket/multicast netdev) is still to be built")
}

// createLAN checks the request, then refuses: Kumo cannot make the
// network yet.
func (s *Server) createLAN(c *call) (any, error) {
	var p struct {
		NetworkName string `json:"network_name"`
		IPCIDR      string `json:"ip_cidr"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	if !lanName.MatchString(p.NetworkName) {
		return nil, model.FieldError("additional.network_name", "%q is not 6-10 letters or digits", p.NetworkName)
	}
	if pfx, err := netip.ParsePrefix(p.IPCIDR); err != nil || !pfx.Addr().Is4() {
		return nil, model.FieldError("additional.ip_cidr", "%q is not an IPv4 network like 192.168.66.0/24", p.IPCIDR)
	}
	if _, err := s.node(c); err != nil {
		return nil, err
	}
	return nil, errLANs()
}

// deleteLAN: with no LANs made, there is none to delete.
func (s *Server) deleteLAN(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	return nil, model.Errorf(model.CodeNotFound, "no network %q (LANs between VMs are not implemented in Kumo yet)", c.r.PathValue("network_name"))
}
