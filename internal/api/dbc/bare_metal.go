package dbc

import (
	"fmt"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Kumo's control plane is DBC's bare metal node: it keeps the machines a
// wallet adds and drives their BMCs over IPMI. The list, add and delete
// calls name a Kumo node (or none) in peer_nodes_list; power and bootdev
// name the machine's own node id.

// bareMetalNode is a machine as the add call describes it.
type bareMetalNode struct {
	UUID         string `json:"uuid"`
	IP           string `json:"ip"`
	OS           string `json:"os"`
	Desc         string `json:"desc"`
	IPMIHostname string `json:"ipmi_hostname"`
	IPMIUsername string `json:"ipmi_username"`
	IPMIPassword string `json:"ipmi_password"`
}

type bareMetal struct {
	NodeID       string `json:"node_id"`
	UUID         string `json:"uuid"`
	IP           string `json:"ip"`
	OS           string `json:"os"`
	Desc         string `json:"desc"`
	IPMIHostname string `json:"ipmi_hostname"`
	IPMIUsername string `json:"ipmi_username"`
	PowerStatus  string `json:"power_status,omitempty"`
	CreateTime   string `json:"create_time"`
}

func bareMetalOf(m model.BareMetal) bareMetal {
	return bareMetal{NodeID: m.ID, UUID: m.UUID, IP: m.IP, OS: m.OS, Desc: m.Description, IPMIHostname: m.IPMIHost,
		IPMIUsername: m.IPMIUser, CreateTime: m.CreatedAt.Local().Format(timeFormat)}
}

func (s *Server) listBareMetal(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	if _, err := s.nodes(c); err != nil {
		return nil, err
	}
	list, err := s.svc.ListBareMetals(c.ctx())
	if err != nil {
		return nil, err
	}
	out := []bareMetal{}
	for _, m := range list {
		out = append(out, bareMetalOf(m))
	}
	return out, nil
}

// addBareMetal adds machines, each after its BMC answered; it stops at
// the first that fails, keeping those before it.
func (s *Server) addBareMetal(c *call) (any, error) {
	var p struct {
		Nodes []bareMetalNode `json:"bare_metal_nodes"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	if _, err := s.nodes(c); err != nil {
		return nil, err
	}
	if len(p.Nodes) == 0 {
		return nil, model.FieldError("additional.bare_metal_nodes", "names no machine")
	}
	out := []bareMetal{}
	for i, n := range p.Nodes {
		m, state, err := s.svc.AddBareMetal(c.ctx(), model.BareMetal{UUID: n.UUID, IP: n.IP, OS: n.OS, Description: n.Desc,
			IPMIHost: n.IPMIHostname, IPMIUser: n.IPMIUsername, IPMIPassword: n.IPMIPassword})
		if err != nil {
			return nil, fmt.Errorf("additional.bare_metal_nodes[%d] (%d added before it): %w", i, i, err)
		}
		b := bareMetalOf(m)
		b.PowerStatus = state
		out = append(out, b)
	}
	return out, nil
}

func (s *Server) deleteBareMetal(c *call) (any, error) {
	var p struct {
		IDs []string `json:"bare_metal_node_ids"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	if _, err := s.nodes(c); err != nil {
		return nil, err
	}
	if len(p.IDs) == 0 {
		return nil, model.FieldError("additional.bare_metal_node_ids", "names no machine")
	}
	for _, id := range p.IDs {
		if err := s.svc.DeleteBareMetal(c.ctx(), id); err != nil {
			return nil, err
		}
	}
	return map[string][]string{"bare_metal_node_ids": p.IDs}, nil
}

// machine returns the one machine id a power or bootdev call names.
func machine(c *call) (string, error) {
	if len(c.body.PeerNodesList) != 1 {
		return "", model.FieldError("peer_nodes_list", "must name the one bare metal machine (its node_id)")
	}
	return c.body.PeerNodesList[0], nil
}

func (s *Server) bareMetalPower(c *call) (any, error) {
	var p struct {
		Command string `json:"command"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	id, err := machine(c)
	if err != nil {
		return nil, err
	}
	state, err := s.svc.BareMetalPower(c.ctx(), id, p.Command)
	if err != nil {
		return nil, err
	}
	return map[string]string{"node_id": id, "command": p.Command, "power_status": state}, nil
}

func (s *Server) bareMetalBootdev(c *call) (any, error) {
	var p struct {
		Device string `json:"device"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	id, err := machine(c)
	if err != nil {
		return nil, err
	}
	if err := s.svc.SetBareMetalBootDevice(c.ctx(), id, p.Device); err != nil {
		return nil, err
	}
	return map[string]string{"node_id": id, "device": p.Device}, nil
}
