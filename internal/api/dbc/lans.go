package dbc

// A DBC network is a Kumo LAN (see service.CreateLAN): an isolated
// segment between the VMs of one node, which they join with a second NIC
// when created with its network_name.

type lan struct {
	NetworkName string `json:"network_name"`
	IPCIDR      string `json:"ip_cidr"`
	NodeID      string `json:"node_id"`
	CreateTime  string `json:"create_time"`
}

func (s *Server) createLAN(c *call) (any, error) {
	var p struct {
		NetworkName string `json:"network_name"`
		IPCIDR      string `json:"ip_cidr"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	h, err := s.node(c)
	if err != nil {
		return nil, err
	}
	l, err := s.svc.CreateLAN(c.ctx(), p.NetworkName, p.IPCIDR, h.ID)
	if err != nil {
		return nil, err
	}
	return lan{NetworkName: l.Name, IPCIDR: l.CIDR, NodeID: NodeID(l.HostID), CreateTime: l.CreatedAt.Local().Format(timeFormat)}, nil
}

// deleteLAN deletes a network no VM is on. (DBC also removes networks
// unused for long; Kumo keeps them until deleted.)
func (s *Server) deleteLAN(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	l, err := s.svc.GetLAN(c.ctx(), c.r.PathValue("network_name"))
	if err != nil {
		return nil, err
	}
	if err := s.svc.DeleteLAN(c.ctx(), l.Name); err != nil {
		return nil, err
	}
	return map[string]string{"network_name": l.Name}, nil
}
