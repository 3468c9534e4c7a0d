package nano

import "net/http"

// Resource visibility is a setting of the caller's user group: which
// resources of other members (instances, disk images, media images) its
// members may see and use.

type visibility struct {
	InstanceVisible   bool `json:"instance_visible"`
	MediaImageVisible bool `json:"media_image_visible"`
	DiskImageVisible  bool `json:"disk_image_visible"`
}

type visibilityModify struct {
	InstanceVisible   *bool `json:"instance_visible"`
	MediaImageVisible *bool `json:"media_image_visible"`
	DiskImageVisible  *bool `json:"disk_image_visible"`
}

func (s *Server) getVisibility(r *http.Request) (reply, error) {
	v, err := s.svc.GetVisibility(ctx(r))
	if err != nil {
		return reply{}, err
	}
	return ok(visibility{InstanceVisible: v.Instances, MediaImageVisible: v.MediaImages, DiskImageVisible: v.DiskImages})
}

// setVisibility changes the settings the body has and leaves the others.
func (s *Server) setVisibility(r *http.Request) (reply, error) {
	var req visibilityModify
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	v, err := s.svc.GetVisibility(ctx(r))
	if err != nil {
		return reply{}, err
	}
	set := func(dst *bool, src *bool) {
		if src != nil {
			*dst = *src
		}
	}
	set(&v.Instances, req.InstanceVisible)
	set(&v.MediaImages, req.MediaImageVisible)
	set(&v.DiskImages, req.DiskImageVisible)
	return done(s.svc.SetVisibility(ctx(r), v))
}
