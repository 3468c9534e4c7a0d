package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func templateToAPI(t model.Template) api.Template {
	return api.Template{ID: t.ID, Name: t.Name, Admin: t.Admin, OperatingSystem: t.OperatingSystem, DiskBus: t.DiskBus,
		NetworkModel: t.NetworkModel, Display: t.Display, Control: t.Control, USB: t.USB, Tablet: t.Tablet,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

func templateOf(req api.TemplatesPost) model.Template {
	return model.Template{Name: req.Name, Admin: req.Admin, OperatingSystem: req.OperatingSystem, DiskBus: req.DiskBus,
		NetworkModel: req.NetworkModel, Display: req.Display, Control: req.Control, USB: req.USB, Tablet: req.Tablet}
}

func (s *Server) listTemplates(r *http.Request) (any, error) {
	ts, err := s.svc.ListTemplates(ctx(r))
	if err != nil {
		return nil, err
	}
	out := make([]api.Template, 0, len(ts))
	for _, t := range ts {
		out = append(out, templateToAPI(t))
	}
	return out, nil
}

func (s *Server) createTemplate(r *http.Request) (any, error) {
	var req api.TemplatesPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	t, err := s.svc.CreateTemplate(ctx(r), templateOf(req))
	if err != nil {
		return nil, err
	}
	return templateToAPI(t), nil
}

func (s *Server) getTemplate(r *http.Request) (any, error) {
	t, err := s.svc.GetTemplate(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return templateToAPI(t), nil
}

func (s *Server) putTemplate(r *http.Request) (any, error) {
	var req api.TemplatesPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	t, err := s.svc.UpdateTemplate(ctx(r), r.PathValue("id"), templateOf(req))
	if err != nil {
		return nil, err
	}
	return templateToAPI(t), nil
}

func (s *Server) deleteTemplate(r *http.Request) (any, error) {
	return nil, s.svc.DeleteTemplate(ctx(r), r.PathValue("id"))
}
