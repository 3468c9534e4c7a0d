package dbc

import (
	"github.com/kumo-cloud/kumo/internal/model"
)

// An image is a disk image file: of the node (a Kumo image, which every
// host can start VMs from) or of an image server.
type image struct {
	ImageName  string `json:"image_name"`
	Size       int64  `json:"size,omitempty"`
	Format     string `json:"format,omitempty"`
	State      string `json:"state,omitempty"`
	CreateTime string `json:"create_time,omitempty"`
}

// listImages answers the images of an image server, or of the node:
// Kumo's disk images, which every host of the cluster can start VMs from.
func (s *Server) listImages(c *call) (any, error) {
	var p struct {
		ImageServer string `json:"image_server"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	if len(c.body.PeerNodesList) == 0 {
		if p.ImageServer == "" {
			return nil, model.FieldError("additional.image_server", "is required without peer_nodes_list")
		}
		return s.serverImages(c.ctx(), p.ImageServer)
	}
	if _, err := s.nodes(c); err != nil {
		return nil, err
	}
	var onServer map[string]bool
	if p.ImageServer != "" {
		// The node's images that are on that server too.
		names, err := s.serverImages(c.ctx(), p.ImageServer)
		if err != nil {
			return nil, err
		}
		onServer = map[string]bool{}
		for _, n := range names {
			onServer[n.ImageName] = true
		}
	}
	// With credentials, the images the wallet may use (its own, and
	// those shared with it); without, those shared with everyone.
	list := s.svc.ListImages
	if c.wallet == "" {
		list = s.svc.PublicImages
	}
	imgs, err := list(c.ctx())
	if err != nil {
		return nil, err
	}
	out := []image{}
	for _, img := range imgs {
		if img.Format == model.FormatISO {
			continue // media, not VM disks
		}
		if onServer != nil && !onServer[img.Name] {
			continue
		}
		out = append(out, image{ImageName: img.Name, Size: img.SizeBytes, Format: string(img.Format), State: string(img.State),
			CreateTime: img.CreatedAt.Local().Format(timeFormat)})
	}
	return out, nil
}

// deleteImage deletes an image of the wallet's on the node; images
// shared with it are not its to delete (the service refuses).
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
	if err := s.svc.DeleteImage(c.ctx(), img.ID); err != nil {
		return nil, err
	}
	return map[string]string{"image_filename": img.Name}, nil
}
