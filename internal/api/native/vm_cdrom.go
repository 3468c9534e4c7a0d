package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// A running VM's CD-ROM drive: service.VMMedia, InsertMedia and
// EjectMedia, as Nano's media and CloudTower's CD-ROMs use them.

func (s *Server) cdromOf(r *http.Request, vmID string) (api.CDROM, error) {
	id, err := s.svc.VMMedia(ctx(r), vmID)
	if err != nil {
		return api.CDROM{}, err
	}
	out := api.CDROM{Image: id, Empty: id == ""}
	if id != "" {
		// An image the caller may not read is shown by its id alone.
		if img, err := s.svc.GetImage(ctx(r), id); err == nil {
			out.ImageName = img.Name
		}
	}
	return out, nil
}

func (s *Server) getVMCDROM(r *http.Request) (any, error) {
	return s.cdromOf(r, r.PathValue("id"))
}

func (s *Server) insertVMCDROM(r *http.Request) (any, error) {
	var req api.CDROMPut
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	if err := s.svc.InsertMedia(ctx(r), r.PathValue("id"), req.Image); err != nil {
		return nil, fieldRenamed(err, "source", "image")
	}
	return s.cdromOf(r, r.PathValue("id"))
}

func (s *Server) ejectVMCDROM(r *http.Request) (any, error) {
	return nil, s.svc.EjectMedia(ctx(r), r.PathValue("id"))
}
