package zstack

import (
	"net/http"
	"runtime"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Zones are Kumo's compute pools, seen from above: every pool is a zone
// holding one cluster, the pool itself (clusters.go), so a client that
// names a zone or a cluster names a pool.

type zoneInventory struct {
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	Description string `json:"description"`
	State       string `json:"state"`
	Type        string `json:"type"`
	CreateDate  string `json:"createDate"`
	LastOpDate  string `json:"lastOpDate"`
}

// zoneUUID is the uuid of a pool's zone; its cluster's is the pool's id.
func zoneUUID(poolID string) string { return partUUID(poolID, "zone") }

func enabledState(enabled bool) string {
	if enabled {
		return "Enabled"
	}
	return "Disabled"
}

// architecture is ZStack's name of the control plane's CPU architecture,
// which its hosts share.
func architecture() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	}
	return runtime.GOARCH
}

func (s *Server) queryZone(r *http.Request) (any, error) {
	pools, err := s.svc.ListPools(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]zoneInventory, 0, len(pools))
	for _, p := range pools {
		out = append(out, zoneInventory{UUID: zoneUUID(p.ID), Name: p.Name, Description: p.Description,
			State: enabledState(p.Enabled), Type: "zstack", CreateDate: date(p.CreatedAt), LastOpDate: date(p.CreatedAt)})
	}
	return queryReply(r, out, func(z zoneInventory) string { return z.UUID })
}

// poolOfPlace resolves what a create names as its place (a zone or a
// cluster uuid) to the Kumo pool's id; "" when it names neither.
func (s *Server) poolOfPlace(r *http.Request, field, uuid string) (string, error) {
	if uuid == "" {
		return "", nil
	}
	pools, err := s.svc.ListPools(r.Context())
	if err != nil {
		return "", err
	}
	for _, p := range pools {
		if zid(p.ID) == uuid || zoneUUID(p.ID) == uuid {
			return p.ID, nil
		}
	}
	return "", model.FieldError(field, "no such %s: %s", map[string]string{"zoneUuid": "zone", "clusterUuid": "cluster"}[field], uuid)
}
