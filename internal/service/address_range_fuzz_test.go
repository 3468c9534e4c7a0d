package service

import (
	"net/netip"
	"testing"
)

// FuzzParseAddressRange feeds arbitrary range requests (they come from
// API bodies and paths) to the range checks: they must not panic, and a
// range they accept must be in order, in one network, and bounded.
func FuzzParseAddressRange(f *testing.F) {
	f.Add("internal", "172.16.3.1", "172.16.3.18", "255.255.255.0")
	f.Add("", "10.0.0.1", "10.0.255.254", "255.255.0.0")
	f.Add("external", "10.0.0.1", "10.0.0.2", "255.255.255.252")
	f.Add("internal", "10.0.0.0", "10.0.0.255", "255.255.255.0")
	f.Add("internal", "::1", "10.0.0.1", "255.0.255.0")
	f.Fuzz(func(t *testing.T, rangeType, start, end, netmask string) {
		r, err := parseAddressRange(rangeType, start, end, netmask)
		if err != nil {
			return
		}
		a, err1 := netip.ParseAddr(r.Start)
		b, err2 := netip.ParseAddr(r.End)
		bits, err3 := prefixOf(r.Netmask)
		if err1 != nil || err2 != nil || err3 != nil || !a.Is4() || !b.Is4() || b.Less(a) {
			t.Fatalf("accepted a bad range %+v", r)
		}
		if n := netip.PrefixFrom(a, bits).Masked(); !n.Contains(b) || n.Addr() == a {
			t.Fatalf("range %+v is not inside its network %s", r, n)
		}
		if size := rangeSize(r); size < 1 || size > maxRangeSize {
			t.Fatalf("range %+v has %d addresses", r, size)
		}
	})
}
