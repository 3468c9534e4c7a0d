package dbc

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Guest ports of DBC's named mappings.
const (
	guestSSHPort = 22
	guestRDPPort = 3389
)

// maxPortForwards bounds a VM's forwards: each one is an option on
// QEMU's command line and a socket on the host.
const maxPortForwards = 256

// portMappings are the host ports a DBC task asks for.
type portMappings struct {
	SSH, RDP, VNC string
	Custom        []string
}

// forwards turns the mappings into port forwards: ssh to guest port 22,
// rdp to 3389, and the custom ones as written ("tcp,123",
// "udp,111:222", "tcp/udp,333-444", "tcp,555-666:777-888").
func (m portMappings) forwards(prefix string) ([]model.PortForward, error) {
	if m.VNC != "" {
		return nil, errNotImplemented("%svnc_port %s: Kumo never exposes a VM's VNC server on a host port (it listens on a local socket only); use Kumo's console proxy", prefix, m.VNC)
	}
	var out []model.PortForward
	for _, named := range []struct {
		field, port string
		guest       int
	}{{"ssh_port", m.SSH, guestSSHPort}, {"rdp_port", m.RDP, guestRDPPort}} {
		if named.port == "" {
			continue
		}
		p, err := strconv.Atoi(named.port)
		if err != nil || p < 1 || p > 65535 {
			return nil, model.FieldError("additional."+prefix+named.field, "%q is not a port number", named.port)
		}
		out = append(out, model.PortForward{Protocol: "tcp", HostPort: p, GuestPort: named.guest})
	}
	for i, spec := range m.Custom {
		fwds, err := parseCustomPort(spec)
		if err != nil {
			return nil, model.FieldError(fmt.Sprintf("additional.%scustom_port[%d]", prefix, i), "%v", err)
		}
		out = append(out, fwds...)
		if len(out) > maxPortForwards {
			return nil, model.FieldError("additional."+prefix+"custom_port", "asks for more than %d forwarded ports", maxPortForwards)
		}
	}
	return out, nil
}

// parseCustomPort parses one custom mapping: "PROTO,HOST[:GUEST]" where
// PROTO is tcp, udp or tcp/udp and HOST and GUEST are a port or a range
// A-B. A host range with no guest side maps each port to itself (the
// document's comment "333-444 to the guest's 444" is read as the
// same range, the only reading that forwards every port). A host range
// with a guest range maps them pairwise, and the ranges must be equally
// long.
func parseCustomPort(spec string) ([]model.PortForward, error) {
	proto, ports, ok := strings.Cut(strings.TrimSpace(spec), ",")
	if !ok {
		return nil, fmt.Errorf("%q is not PROTOCOL,PORTS", spec)
	}
	var protos []string
	switch strings.ToLower(strings.TrimSpace(proto)) {
	case "tcp":
		protos = []string{"tcp"}
	case "udp":
		protos = []string{"udp"}
	case "tcp/udp", "udp/tcp":
		protos = []string{"tcp", "udp"}
	default:
		return nil, fmt.Errorf("protocol %q is not tcp, udp or tcp/udp", proto)
	}
	hostSide, guestSide, mapped := strings.Cut(strings.TrimSpace(ports), ":")
	hostLo, hostHi, err := portRange(hostSide)
	if err != nil {
		return nil, err
	}
	guestLo, guestHi := hostLo, hostHi
	if mapped {
		if guestLo, guestHi, err = portRange(guestSide); err != nil {
			return nil, err
		}
	}
	if hostHi-hostLo != guestHi-guestLo {
		return nil, fmt.Errorf("host ports %s and guest ports %s are not ranges of the same length", hostSide, guestSide)
	}
	if hostHi-hostLo+1 > maxPortForwards {
		return nil, fmt.Errorf("range %s holds more than %d ports", hostSide, maxPortForwards)
	}
	var out []model.PortForward
	for _, p := range protos {
		for i := 0; i <= hostHi-hostLo; i++ {
			out = append(out, model.PortForward{Protocol: p, HostPort: hostLo + i, GuestPort: guestLo + i})
		}
	}
	return out, nil
}

func portRange(s string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(strings.TrimSpace(s), "-")
	if lo, err = strconv.Atoi(strings.TrimSpace(a)); err != nil || lo < 1 || lo > 65535 {
		return 0, 0, fmt.Errorf("%q is not a port between 1 and 65535", a)
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(strings.TrimSpace(b)); err != nil || hi < lo || hi > 65535 {
			return 0, 0, fmt.Errorf("%q is not a port range LOW-HIGH", s)
		}
	}
	return lo, hi, nil
}

// loginPorts splits a VM's forwards back into DBC's named mappings.
func loginPorts(fwds []model.PortForward) (ssh, rdp string, custom []string) {
	for _, f := range fwds {
		switch {
		case f.Protocol == "tcp" && f.GuestPort == guestSSHPort && ssh == "":
			ssh = strconv.Itoa(f.HostPort)
		case f.Protocol == "tcp" && f.GuestPort == guestRDPPort && rdp == "":
			rdp = strconv.Itoa(f.HostPort)
		default:
			custom = append(custom, fmt.Sprintf("%s,%d:%d", f.Protocol, f.HostPort, f.GuestPort))
		}
	}
	sort.Strings(custom)
	return ssh, rdp, custom
}
