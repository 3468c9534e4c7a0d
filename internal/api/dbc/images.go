package dbc

import (
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Image servers are DBC's image centres, from which nodes download
// images and to which they upload them. Kumo has none configured: its
// images are uploaded to the control plane, which hands them to its
// hosts. So the list of servers is empty, and calls naming one find none.

func errNoImageServer(id string) error {
	return model.Errorf(model.CodeNotFound, "no image server %q: Kumo has no image servers configured (image transfer to and from image servers is not implemented yet)", id)
}

func errImageTransfer() error {
	return errNotImplemented("image transfer to and from image servers is not implemented in Kumo yet; upload images through Kumo's own API")
}

func (s *Server) listImageServers(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	return []string{}, nil
}

type image struct {
	ImageName  string `json:"image_name"`
	Size       int64  `json:"size"`
	Format     string `json:"format"`
	State      string `json:"state"`
	CreateTime string `json:"create_time"`
}

// listImages answers the images of the node: Kumo's disk images, which
// every host of the cluster can start VMs from.
func (s *Server) listImages(c *call) (any, error) {
	var p struct {
		ImageServer string `json:"image_server"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	if p.ImageServer != "" {
		return nil, errNoImageServer(p.ImageServer)
	}
	if len(c.body.PeerNodesList) == 0 {
		return nil, model.FieldError("peer_nodes_list", "must name the GPU node whose images to list (or give additional.image_server)")
	}
	if _, err := s.nodes(c); err != nil {
		return nil, err
	}
	imgs, err := s.svc.ListImages(c.ctx())
	if err != nil {
		return nil, err
	}
	out := []image{}
	for _, img := range imgs {
		if img.Format == model.FormatISO {
			continue // media, not VM disks
		}
		// With credentials, a wallet's own images only (DBC's "images of
		// one user on the node").
		if c.wallet != "" && img.Owner != service.DBCOwner(c.wallet) {
			continue
		}
		out = append(out, image{ImageName: img.Name, Size: img.SizeBytes, Format: string(img.Format), State: string(img.State),
			CreateTime: img.CreatedAt.Local().Format(timeFormat)})
	}
	return out, nil
}

type imageTransferParams struct {
	ImageFilename string `json:"image_filename"`
	ImageServer   string `json:"image_server"`
	LocalDir      string `json:"local_dir"`
}

// transferImage answers upload and download: both need an image server.
func (s *Server) transferImage(c *call) (any, error) {
	var p imageTransferParams
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	if p.ImageFilename == "" {
		return nil, model.FieldError("additional.image_filename", "is required")
	}
	if p.ImageServer == "" {
		return nil, model.FieldError("additional.image_server", "is required")
	}
	return nil, errNoImageServer(p.ImageServer)
}

// imageTransferState answers progress and stop calls: with no image
// servers, no transfer can be under way.
func (s *Server) imageTransferState(c *call) (any, error) {
	var p struct {
		ImageFilename string `json:"image_filename"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	if p.ImageFilename == "" {
		return nil, model.FieldError("additional.image_filename", "is required")
	}
	return nil, errImageTransfer()
}

// deleteImage deletes one of the wallet's images on the node; images
// others made are not the wallet's to delete.
func (s *Server) deleteImage(c *call) (any, error) {
	var p struct {
		ImageFilename string `json:"image_filename"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	if p.ImageFilename == "" {
		return nil, model.FieldError("additional.image_filename", "is required")
	}
	img, err := s.svc.GetImage(c.ctx(), p.ImageFilename)
	if err != nil {
		return nil, err
	}
	if img.Owner != service.DBCOwner(c.wallet) {
		return nil, model.Errorf(model.CodePermissionDenied, "image %s was not made by wallet %s, so it may not delete it", img.Name, c.wallet)
	}
	if err := s.svc.DeleteImage(c.ctx(), img.ID); err != nil {
		return nil, err
	}
	return map[string]string{"image_filename": img.Name}, nil
}
