package service

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/model"
)

// DBC lets a VM name multicast addresses ("230.0.0.1:5558") its VMs talk
// over. Each becomes a NIC on a QEMU socket netdev, like a LAN's. The
// address a NIC really uses is derived from the owner and the address
// named, so an owner's VMs naming one address share a segment while
// another owner naming the same address gets a segment of its own: a
// wallet cannot join another's traffic by guessing its address. Like a
// LAN, a segment is the host's loopback, so it joins VMs of one host.

// maxMulticast bounds a VM's multicast NICs.
const maxMulticast = 4

// Real multicast addresses of segments: 239.193.0.0/16, organisation-local
// scope beside LANs' 239.192.0.0/16, so a segment never meets a LAN.
const segmentGroupBase = 0xefc10000 // 239.193.0.0

// validMulticast checks the addresses a VM names: IPv4 multicast with a
// port, as many as maxMulticast, none twice.
func validMulticast(field string, addrs []string) error {
	if len(addrs) > maxMulticast {
		return model.FieldError(field, "names %d addresses, at most %d", len(addrs), maxMulticast)
	}
	seen := map[string]bool{}
	for i, a := range addrs {
		ap, err := netip.ParseAddrPort(a)
		if err != nil || !ap.Addr().Is4() || !ap.Addr().IsMulticast() || ap.Port() == 0 {
			return model.FieldError(fmt.Sprintf("%s[%d]", field, i), "%q is not an IPv4 multicast address and port like 230.0.0.1:5558", a)
		}
		if seen[ap.String()] {
			return model.FieldError(field, "%s is named twice", ap)
		}
		seen[ap.String()] = true
	}
	return nil
}

// MulticastSegment is the real group and port of an owner's multicast
// address.
func MulticastSegment(owner, addr string) string {
	sum := sha256.Sum256([]byte("kumo-multicast:" + owner + "\x00" + addr))
	group := uint32(segmentGroupBase) | uint32(binary.BigEndian.Uint16(sum[:2]))
	port := lanPortBase + int(binary.BigEndian.Uint32(sum[2:6])%lanPortSpan)
	g := netip.AddrFrom4([4]byte{byte(group >> 24), byte(group >> 16), byte(group >> 8), byte(group)})
	return fmt.Sprintf("%s:%d", g, port)
}

// multicastNICs are the NICs of a VM's multicast addresses, MACs
// 52:54:1i:… for the i-th.
func multicastNICs(vm model.VM) []hypervisor.NIC {
	u, err := uuid.Parse(vm.ID)
	if err != nil {
		return nil
	}
	var out []hypervisor.NIC
	for i, a := range vm.Multicast {
		out = append(out, hypervisor.NIC{Mode: "mcast", Multicast: MulticastSegment(vm.Owner, a),
			MAC: fmt.Sprintf("52:54:%02x:%02x:%02x:%02x", 0x10+i, u[13], u[14], u[15])})
	}
	return out
}
