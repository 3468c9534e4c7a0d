package service

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/internal/model"
)

func TestMulticastSegment(t *testing.T) {
	a := MulticastSegment("dbc:alice", "230.0.0.1:5558")
	if a != MulticastSegment("dbc:alice", "230.0.0.1:5558") {
		t.Error("one owner's address maps to two segments")
	}
	if a == MulticastSegment("dbc:bob", "230.0.0.1:5558") {
		t.Error("two owners' same address share a segment")
	}
	if a == MulticastSegment("dbc:alice", "230.0.0.2:5558") {
		t.Error("two addresses share a segment")
	}
	ap, err := netip.ParseAddrPort(a)
	if err != nil || !strings.HasPrefix(ap.Addr().String(), "239.193.") || ap.Port() < lanPortBase {
		t.Errorf("segment %s is not in 239.193.0.0/16 on a LAN port", a)
	}
	vm := model.VM{ID: "8d2f50b0-b3e6-4439-a7a3-70fecb00ef63", Owner: "dbc:alice", Multicast: []string{"230.0.0.1:5558", "230.0.0.2:1"}}
	nics := multicastNICs(vm)
	if len(nics) != 2 || nics[0].Multicast != a || nics[0].MAC == nics[1].MAC || nics[0].Mode != "mcast" {
		t.Errorf("NICs: %+v", nics)
	}
	for _, bad := range [][]string{{"10.0.0.1:5"}, {"230.0.0.1"}, {"230.0.0.1:5", "230.0.0.1:5"}, {"a", "b", "c", "d", "e"}} {
		if err := validMulticast("multicast", bad); model.CodeOf(err) != model.CodeInvalidArgument {
			t.Errorf("validMulticast(%v) = %v", bad, err)
		}
	}
}
