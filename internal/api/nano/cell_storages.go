package nano

import (
	"net/http"
	"path/filepath"

	"github.com/kumo-cloud/kumo/internal/model"
)

// A cell's storage: where its agent keeps VM disks, with the capacity and
// free space of that file system as the agent last reported them.

type cellStorages struct {
	Mode   string   `json:"mode"`
	System []string `json:"system"`
	Data   []string `json:"data"`
	// Kumo's additions: the figures of the file system holding the paths.
	TotalBytes int64 `json:"total_bytes"`
	FreeBytes  int64 `json:"free_bytes"`
	UsedBytes  int64 `json:"used_bytes"`
}

func (s *Server) getCellStorages(r *http.Request) (reply, error) {
	h, err := s.poolCell(r)
	if err != nil {
		return reply{}, err
	}
	paths := []string{}
	if h.DataDir != "" {
		paths = append(paths, h.DataDir)
	}
	return ok(cellStorages{Mode: string(model.StorageLocal), System: paths, Data: paths,
		TotalBytes: h.DiskBytes, FreeBytes: h.DiskFreeBytes, UsedBytes: max(h.DiskBytes-h.DiskFreeBytes, 0)})
}

// setCellStorages accepts the path the cell already uses. An agent keeps
// VM disks in its data directory (chosen when it starts, --data-dir), so
// moving them is not something an API call can do; a different path per
// compute pool is a local storage pool's target.
func (s *Server) setCellStorages(r *http.Request) (reply, error) {
	var req struct {
		Default string `json:"default"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	if req.Default == "" {
		return reply{}, model.FieldError("default", "is required")
	}
	if !filepath.IsAbs(req.Default) {
		return reply{}, model.FieldError("default", "%q is not an absolute path", req.Default)
	}
	h, err := s.poolCell(r)
	if err != nil {
		return reply{}, err
	}
	if filepath.Clean(req.Default) != filepath.Clean(h.DataDir) {
		return reply{}, model.Errorf(model.CodeConflict, "cell %s keeps VM disks in %s, its agent's data directory, which only the agent's "+
			"--data-dir option changes; to keep the disks of a compute pool elsewhere, give it a local storage pool with that target",
			h.Name, h.DataDir)
	}
	return ok(nil)
}
