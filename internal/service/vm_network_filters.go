package service

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Network filters are DBC's security group rules,
// "DIRECTION,PROTOCOL,PORT,CIDR,ACTION" (in,tcp,22,0.0.0.0/0,accept),
// taken in order, the first that matches deciding, traffic no rule
// matches accepted. A VM's network is QEMU user-mode NAT, which host
// firewall rules cannot see into; what it can enforce is exactly this:
// nothing reaches the guest from outside but its forwarded ports, and
// its outbound traffic is allowed or, with restrict=on, not at all. So
// Kumo takes the filters whose effect is that, and refuses the others
// with the reason, rather than pretend to apply them:
//   - inbound rules must be for any source (0.0.0.0/0), and must not
//     drop a forwarded port (remove its port mapping instead); inbound
//     traffic to other ports is dropped by the NAT whatever the rules.
//   - outbound rules must be for all traffic (all,all,0.0.0.0/0): the
//     first decides whether the guest may reach out at all.

// networkFilter is one parsed rule.
type networkFilter struct {
	in      bool
	proto   string // tcp, udp, icmp or all
	lo, hi  int    // port range; 0-0 for all
	anyAddr bool   // CIDR is 0.0.0.0/0
	accept  bool
}

func parseNetworkFilter(rule string) (networkFilter, error) {
	f := strings.Split(strings.ReplaceAll(rule, " ", ""), ",")
	if len(f) != 5 {
		return networkFilter{}, fmt.Errorf("%q is not DIRECTION,PROTOCOL,PORT,CIDR,ACTION", rule)
	}
	var nf networkFilter
	switch strings.ToLower(f[0]) {
	case "in":
		nf.in = true
	case "out":
	default:
		return nf, fmt.Errorf("%q: direction %q is not in or out", rule, f[0])
	}
	nf.proto = strings.ToLower(f[1])
	switch nf.proto {
	case "tcp", "udp", "icmp", "all":
	default:
		return nf, fmt.Errorf("%q: protocol %q is not tcp, udp, icmp or all", rule, f[1])
	}
	if p := strings.ToLower(f[2]); p != "all" {
		a, b, isRange := strings.Cut(p, "-")
		var err error
		if nf.lo, err = strconv.Atoi(a); err != nil || nf.lo < 1 || nf.lo > 65535 {
			return nf, fmt.Errorf("%q: port %q is not a port, a range A-B or all", rule, f[2])
		}
		nf.hi = nf.lo
		if isRange {
			if nf.hi, err = strconv.Atoi(b); err != nil || nf.hi < nf.lo || nf.hi > 65535 {
				return nf, fmt.Errorf("%q: port %q is not a port, a range A-B or all", rule, f[2])
			}
		}
	}
	pfx, err := netip.ParsePrefix(f[3])
	if err != nil || !pfx.Addr().Is4() {
		return nf, fmt.Errorf("%q: %q is not an IPv4 network like 0.0.0.0/0", rule, f[3])
	}
	nf.anyAddr = pfx.Bits() == 0
	switch strings.ToLower(f[4]) {
	case "accept":
		nf.accept = true
	case "drop":
	default:
		return nf, fmt.Errorf("%q: action %q is not accept or drop", rule, f[4])
	}
	return nf, nil
}

// matches reports whether an inbound rule covers a forwarded port.
func (nf networkFilter) matches(proto string, port int) bool {
	return (nf.proto == "all" || nf.proto == proto) && (nf.lo == 0 || (nf.lo <= port && port <= nf.hi))
}

// NetworkFiltersBlockOutbound checks a VM's filters against what its
// user-mode NAT enforces (see above) and reports whether they drop all
// outbound traffic.
func NetworkFiltersBlockOutbound(field string, rules []string, fwds []model.PortForward) (bool, error) {
	var parsed []networkFilter
	for i, r := range rules {
		nf, err := parseNetworkFilter(r)
		if err != nil {
			return false, model.FieldError(fmt.Sprintf("%s[%d]", field, i), "%v", err)
		}
		refuse := func(why string, args ...any) (bool, error) {
			return false, model.Errorf(model.CodeInvalidArgument, "%s[%d] %q: %s", field, i, r, fmt.Sprintf(why, args...))
		}
		if !nf.anyAddr {
			return refuse("a VM's user-mode NAT cannot filter by address: only 0.0.0.0/0 can be enforced")
		}
		if !nf.in && (nf.proto != "all" || nf.lo != 0) {
			return refuse("a VM's user-mode NAT can allow all outbound traffic or none: use out,all,all,0.0.0.0/0,accept or drop")
		}
		parsed = append(parsed, nf)
	}
	for _, fw := range fwds {
		for i, nf := range parsed {
			if nf.in && nf.matches(fw.Protocol, fw.GuestPort) {
				if !nf.accept {
					return false, model.Errorf(model.CodeInvalidArgument, "%s[%d] %q drops guest port %s/%d, which host port %d is forwarded to: a forwarded port cannot be filtered on user-mode NAT; remove the port mapping instead",
						field, i, rules[i], fw.Protocol, fw.GuestPort, fw.HostPort)
				}
				break
			}
		}
	}
	for _, nf := range parsed {
		if !nf.in {
			return !nf.accept, nil
		}
	}
	return false, nil
}
