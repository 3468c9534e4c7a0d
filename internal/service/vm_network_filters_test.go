package service

import (
	"testing"

	"github.com/kumo-cloud/kumo/internal/model"
)

func TestNetworkFiltersBlockOutbound(t *testing.T) {
	fwds := []model.PortForward{{Protocol: "tcp", HostPort: 2222, GuestPort: 22}, {Protocol: "tcp", HostPort: 8080, GuestPort: 80}}
	for _, c := range []struct {
		name    string
		rules   []string
		block   bool
		refused bool
	}{
		{"none", nil, false, false},
		{"the document's example", []string{"in,tcp,22,0.0.0.0/0,accept", "in,tcp,3389,0.0.0.0/0,accept", "out,all,all,0.0.0.0/0,accept", "in,all,all,0.0.0.0/0,drop"}, false, true},
		{"accept forwards, drop the rest", []string{"in,tcp,22,0.0.0.0/0,accept", "in,tcp,80,0.0.0.0/0,accept", "in,all,all,0.0.0.0/0,drop"}, false, false},
		{"no outbound", []string{"in,tcp,1-1024,0.0.0.0/0,accept", "out,all,all,0.0.0.0/0,drop"}, true, false},
		{"first outbound rule decides", []string{"out,all,all,0.0.0.0/0,accept", "out,all,all,0.0.0.0/0,drop"}, false, false},
		{"drops a forwarded port", []string{"in,tcp,80,0.0.0.0/0,drop"}, false, true},
		{"by source", []string{"in,tcp,22,10.0.0.0/8,accept"}, false, true},
		{"one outbound port", []string{"out,tcp,443,0.0.0.0/0,drop"}, false, true},
		{"malformed", []string{"in,tcp,22,accept"}, false, true},
		{"bad action", []string{"in,tcp,22,0.0.0.0/0,reject"}, false, true},
	} {
		block, err := NetworkFiltersBlockOutbound("network_filters", c.rules, fwds)
		if (err != nil) != c.refused || block != c.block {
			t.Errorf("%s: block %v, err %v; want block %v, refused %v", c.name, block, err, c.block, c.refused)
		}
		if err != nil && model.CodeOf(err) != model.CodeInvalidArgument {
			t.Errorf("%s: %v is not a bad request", c.name, err)
		}
	}
}
