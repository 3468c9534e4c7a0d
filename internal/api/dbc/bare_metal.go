package dbc

func errBareMetal() error {
	return errNotImplemented("bare metal machines (IPMI power and boot device control) are not implemented in Kumo yet")
}

// bareMetal answers every bare metal call after checking its body.
func (s *Server) bareMetal(c *call) (any, error) {
	var p map[string]any
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	return nil, errBareMetal()
}
