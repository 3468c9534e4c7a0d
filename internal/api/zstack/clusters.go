package zstack

import "net/http"

// Clusters are Kumo's compute pools (one per zone, see zones.go).

type clusterInventory struct {
	UUID           string `json:"uuid"`
	Name           string `json:"name"`
	Description    string `json:"description"`
	State          string `json:"state"`
	HypervisorType string `json:"hypervisorType"`
	Type           string `json:"type"`
	ZoneUUID       string `json:"zoneUuid"`
	Architecture   string `json:"architecture"`
	CreateDate     string `json:"createDate"`
	LastOpDate     string `json:"lastOpDate"`
}

func (s *Server) queryCluster(r *http.Request) (any, error) {
	pools, err := s.svc.ListPools(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]clusterInventory, 0, len(pools))
	for _, p := range pools {
		out = append(out, clusterInventory{UUID: zid(p.ID), Name: p.Name, Description: p.Description, State: enabledState(p.Enabled),
			HypervisorType: "KVM", Type: "zstack", ZoneUUID: zoneUUID(p.ID), Architecture: architecture(),
			CreateDate: date(p.CreatedAt), LastOpDate: date(p.CreatedAt)})
	}
	return queryReply(r, out, func(c clusterInventory) string { return c.UUID })
}
