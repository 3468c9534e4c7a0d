package dbc

import (
	"reflect"
	"testing"

	"github.com/kumo-cloud/kumo/internal/model"
)

func TestParseCustomPort(t *testing.T) {
	fwd := func(p string, h, g int) model.PortForward {
		return model.PortForward{Protocol: p, HostPort: h, GuestPort: g}
	}
	for spec, want := range map[string][]model.PortForward{
		"tcp,123":                 {fwd("tcp", 123, 123)},
		"udp,111:222":             {fwd("udp", 111, 222)},
		"tcp,333-335":             {fwd("tcp", 333, 333), fwd("tcp", 334, 334), fwd("tcp", 335, 335)},
		"tcp/udp,555-556:777-778": {fwd("tcp", 555, 777), fwd("tcp", 556, 778), fwd("udp", 555, 777), fwd("udp", 556, 778)},
		" TCP , 80 : 8080 ":       {fwd("tcp", 80, 8080)},
	} {
		got, err := parseCustomPort(spec)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parseCustomPort(%q) = %v, %v; want %v", spec, got, err, want)
		}
	}
	for _, bad := range []string{"", "tcp", "sctp,80", "tcp,0", "tcp,70000", "tcp,5-3", "tcp,1-3:4-5", "tcp,x", "tcp,1-1000"} {
		if got, err := parseCustomPort(bad); err == nil {
			t.Errorf("parseCustomPort(%q) = %v, want an error", bad, got)
		}
	}
}

func TestPortMappingsForwards(t *testing.T) {
	m := portMappings{SSH: "5684", RDP: "5685", Custom: []string{"udp,111:222"}}
	got, err := m.forwards("")
	fwd := func(p string, h, g int) model.PortForward {
		return model.PortForward{Protocol: p, HostPort: h, GuestPort: g}
	}
	want := []model.PortForward{fwd("tcp", 5684, 22), fwd("tcp", 5685, 3389), fwd("udp", 111, 222)}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("forwards = %v, %v; want %v", got, err, want)
	}
	ssh, rdp, custom := loginPorts(got)
	if ssh != "5684" || rdp != "5685" || !reflect.DeepEqual(custom, []string{"udp,111:222"}) {
		t.Errorf("loginPorts = %s %s %v", ssh, rdp, custom)
	}
	if _, err := (portMappings{SSH: "ssh"}).forwards(""); model.CodeOf(err) != model.CodeInvalidArgument {
		t.Errorf("bad ssh_port: %v", err)
	}
	if _, err := (portMappings{VNC: "5904"}).forwards(""); model.CodeOf(err) != codeNotImplemented {
		t.Errorf("vnc_port: %v, want not implemented", err)
	}
}
