package cloudtower

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Changes of Kumo images through CloudTower's VM templates (disk
// images) and ELF images (ISO images): rename, describe, delete.

// imageUpdate is the data of /update-vm-template and /update-elf-image.
type imageUpdate struct {
	Name               *string `json:"name"`
	Description        *string `json:"description"`
	CloudInitSupported *bool   `json:"cloud_init_supported"`
}

// imageChange is a change's where and data.
type imageChange struct {
	Where map[string]any  `json:"where"`
	Data  json.RawMessage `json:"data"`
}

// selectImages returns the images a where selects among those kind
// lists (vmTemplates or elfImages), by their ids.
func selectImages[T any](ctx context.Context, s *Server, where map[string]any, all func(*inventory) []T, idOf func(T) string, kind string) (*inventory, []model.Image, error) {
	inv, err := s.inventory(ctx)
	if err != nil {
		return nil, nil, err
	}
	picked, err := selectWhere(where, all(inv), idOf, kind)
	if err != nil {
		return nil, nil, err
	}
	out := make([]model.Image, 0, len(picked))
	for _, p := range picked {
		out = append(out, inv.image[idOf(p)])
	}
	return inv, out, nil
}

// updateImages renames and describes the selected images
// (service.UpdateImageInfo); a rename selects one image. The reply is
// each image as after(inv) lists it.
func updateImages[T any](r *http.Request, s *Server, body []byte, all func(*inventory) []T, idOf func(T) string, kind string) (batch[T], error) {
	var c imageChange
	if err := decodeStrict(body, &c); err != nil {
		return nil, err
	}
	var d imageUpdate
	if err := decodeData(c.Data, &d); err != nil {
		return nil, err
	}
	if d.CloudInitSupported != nil && *d.CloudInitSupported {
		return nil, errRefused("cloud_init_supported: Kumo keeps no such flag on an image; a VM made from any template takes cloud_init (/create-vm-from-template)")
	}
	ctx := r.Context()
	_, imgs, err := selectImages(ctx, s, c.Where, all, idOf, kind)
	if err != nil {
		return nil, err
	}
	if d.Name != nil && len(imgs) > 1 {
		return nil, model.FieldError("data.name", "renames one %s, and the where selects %d", kind, len(imgs))
	}
	for _, img := range imgs {
		upd := service.UploadImageRequest{Name: img.Name, Description: img.Description}
		if d.Name != nil {
			upd.Name = *d.Name
		}
		if d.Description != nil {
			upd.Description = *d.Description
		}
		if _, err := s.svc.UpdateImageInfo(ctx, img.ID, upd); err != nil {
			return nil, err
		}
	}
	inv, err := s.inventory(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]T{}
	for _, e := range all(inv) {
		byID[idOf(e)] = e
	}
	out := make(batch[T], 0, len(imgs))
	for _, img := range imgs {
		out = append(out, withTask[T]{nil, byID[img.ID]})
	}
	return out, nil
}

// deleteImages deletes the selected images (service.DeleteImage): none
// if a VM uses one of them.
func deleteImages[T any](r *http.Request, s *Server, body []byte, all func(*inventory) []T, idOf func(T) string, kind string) (any, error) {
	var c imageChange
	if err := decodeStrict(body, &c); err != nil {
		return nil, err
	}
	if !noData(c.Data) {
		return nil, model.FieldError("data", "this operation takes no data")
	}
	ctx := r.Context()
	inv, imgs, err := selectImages(ctx, s, c.Where, all, idOf, kind)
	if err != nil {
		return nil, err
	}
	for _, img := range imgs {
		for _, v := range inv.vms {
			if v.ImageID == img.ID {
				return nil, model.Errorf(model.CodeConflict, "%s %s is used by VM %s: delete the VM first", kind, img.Name, v.Name)
			}
		}
	}
	out := make(batch[deleted], 0, len(imgs))
	for _, img := range imgs {
		if err := s.svc.DeleteImage(ctx, img.ID); err != nil {
			return nil, err
		}
		out = append(out, withTask[deleted]{nil, deleted{img.ID}})
	}
	return out, nil
}

func templateID(t vmTemplate) string { return t.ID }
func elfImageID(e elfImage) string   { return e.ID }

// updateVMTemplate is /update-vm-template.
func (s *Server) updateVMTemplate(r *http.Request, body []byte) (any, error) {
	return updateImages(r, s, body, vmTemplates, templateID, "template")
}

// deleteVMTemplate is /delete-vm-template.
func (s *Server) deleteVMTemplate(r *http.Request, body []byte) (any, error) {
	return deleteImages(r, s, body, vmTemplates, templateID, "template")
}

// updateElfImage is /update-elf-image.
func (s *Server) updateElfImage(r *http.Request, body []byte) (any, error) {
	return updateImages(r, s, body, elfImages, elfImageID, "ELF image")
}

// deleteElfImage is /delete-elf-image.
func (s *Server) deleteElfImage(r *http.Request, body []byte) (any, error) {
	return deleteImages(r, s, body, elfImages, elfImageID, "ELF image")
}
