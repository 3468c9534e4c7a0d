package nano

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
)

type template struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Admin           string `json:"admin,omitempty"`
	OperatingSystem string `json:"operating_system"`
	Disk            string `json:"disk,omitempty"`
	Network         string `json:"network,omitempty"`
	Display         string `json:"display,omitempty"`
	Control         string `json:"control,omitempty"`
	USB             string `json:"usb"`
	Tablet          string `json:"tablet"`
	CreatedTime     string `json:"created_time"`
	ModifiedTime    string `json:"modified_time"`
}

func templateOf(t model.Template) template {
	return template{ID: t.ID, Name: t.Name, Admin: t.Admin, OperatingSystem: t.OperatingSystem, Disk: t.DiskBus,
		Network: t.NetworkModel, Display: t.Display, Control: t.Control, USB: t.USB, Tablet: t.Tablet,
		CreatedTime: t.CreatedAt.Local().Format(timeFormat), ModifiedTime: t.UpdatedAt.Local().Format(timeFormat)}
}

type templateBody struct {
	Name            string `json:"name"`
	Admin           string `json:"admin"`
	OperatingSystem string `json:"operating_system"`
	Disk            string `json:"disk"`
	Network         string `json:"network"`
	Display         string `json:"display"`
	Control         string `json:"control"`
	USB             string `json:"usb"`
	Tablet          string `json:"tablet"`
}

func (b templateBody) model() model.Template {
	return model.Template{Name: b.Name, Admin: b.Admin, OperatingSystem: b.OperatingSystem, DiskBus: b.Disk,
		NetworkModel: b.Network, Display: b.Display, Control: b.Control, USB: b.USB, Tablet: b.Tablet}
}

func (s *Server) listTemplates(r *http.Request) (reply, error) {
	ts, err := s.svc.ListTemplates(ctx(r))
	if err != nil {
		return reply{}, err
	}
	out := make([]template, 0, len(ts))
	for _, t := range ts {
		// The list shows the summary only, as the document does.
		out = append(out, template{ID: t.ID, Name: t.Name, OperatingSystem: t.OperatingSystem, USB: t.USB, Tablet: t.Tablet,
			CreatedTime: t.CreatedAt.Local().Format(timeFormat), ModifiedTime: t.UpdatedAt.Local().Format(timeFormat)})
	}
	return ok(out)
}

func (s *Server) getTemplate(r *http.Request) (reply, error) {
	t, err := s.svc.GetTemplate(ctx(r), r.PathValue("id"))
	if err != nil {
		return reply{}, err
	}
	return ok(templateOf(t))
}

func (s *Server) createTemplate(r *http.Request) (reply, error) {
	var req templateBody
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	t, err := s.svc.CreateTemplate(ctx(r), req.model())
	if err != nil {
		return reply{}, err
	}
	return ok(map[string]string{"id": t.ID})
}

func (s *Server) modifyTemplate(r *http.Request) (reply, error) {
	var req templateBody
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	_, err := s.svc.UpdateTemplate(ctx(r), r.PathValue("id"), req.model())
	return done(err)
}

func (s *Server) deleteTemplate(r *http.Request) (reply, error) {
	return done(s.svc.DeleteTemplate(ctx(r), r.PathValue("id")))
}
