package dbc

import "github.com/kumo-cloud/kumo/internal/model"

func errBareMetal() error {
	return errNotImplemented("bare metal machines (IPMI power and boot device control) are not implemented in Kumo yet")
}

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

// The bare metal calls check their bodies as the document describes
// them, then refuse: Kumo has no IPMI support yet.

func (s *Server) listBareMetal(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	return nil, errBareMetal()
}

func (s *Server) addBareMetal(c *call) (any, error) {
	var p struct {
		Nodes []bareMetalNode `json:"bare_metal_nodes"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	for i, n := range p.Nodes {
		if n.UUID == "" || n.IP == "" || n.IPMIHostname == "" || n.IPMIUsername == "" || n.IPMIPassword == "" {
			return nil, model.FieldError("additional.bare_metal_nodes", "machine %d: uuid, ip, ipmi_hostname, ipmi_username and ipmi_password are required", i)
		}
	}
	return nil, errBareMetal()
}

func (s *Server) deleteBareMetal(c *call) (any, error) {
	var p struct {
		IDs []string `json:"bare_metal_node_ids"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	return nil, errBareMetal()
}

func (s *Server) bareMetalPower(c *call) (any, error) {
	var p struct {
		Command string `json:"command"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	switch p.Command {
	case "on", "off", "reset", "status":
	case "":
		// Checked after the body's form, so an empty call learns what
		// Kumo lacks rather than which field it left out.
	default:
		return nil, model.FieldError("additional.command", "must be on, off, reset or status, not %q", p.Command)
	}
	return nil, errBareMetal()
}

func (s *Server) bareMetalBootdev(c *call) (any, error) {
	var p struct {
		Device string `json:"device"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	switch p.Device {
	case "pxe", "disk", "cdrom", "bios", "":
	default:
		return nil, model.FieldError("additional.device", "must be pxe, disk, cdrom or bios, not %q", p.Device)
	}
	return nil, errBareMetal()
}
