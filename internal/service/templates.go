package service

import (
	"context"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Allowed template device choices. Kumo's QEMU driver uses virtio for
// disks and network today; the others are accepted and stored for guests
// that need them, as the Nano API allows.
var (
	templateDiskBuses = map[string]bool{"virtio": true, "scsi": true, "sata": true, "ide": true}
	templateNICModels = map[string]bool{"virtio": true, "e1000": true, "rtl8139": true}
)

func validTemplate(t model.Template) error {
	if err := validLabel("name", t.Name, 1, 255); err != nil {
		return err
	}
	if t.DiskBus != "" && !templateDiskBuses[t.DiskBus] {
		return model.FieldError("disk", "must be virtio, scsi, sata or ide, not %q", t.DiskBus)
	}
	if t.NetworkModel != "" && !templateNICModels[t.NetworkModel] {
		return model.FieldError("network", "must be virtio, e1000 or rtl8139, not %q", t.NetworkModel)
	}
	return nil
}

// ListTemplates returns all templates.
func (s *Service) ListTemplates(ctx context.Context) ([]model.Template, error) {
	if err := Authorize(ctx, model.PermTemplateRead); err != nil {
		return nil, err
	}
	return s.db.ListTemplates(ctx)
}

// GetTemplate returns a template by id or name.
func (s *Service) GetTemplate(ctx context.Context, idOrName string) (model.Template, error) {
	if err := Authorize(ctx, model.PermTemplateRead); err != nil {
		return model.Template{}, err
	}
	t, err := s.db.GetTemplate(ctx, idOrName)
	return t, notFound(err, "template", idOrName)
}

// CreateTemplate adds a template (needs the template menu).
func (s *Service) CreateTemplate(ctx context.Context, t model.Template) (model.Template, error) {
	if err := Authorize(ctx, model.PermTemplateCreate); err != nil {
		return t, err
	}
	if err := validTemplate(t); err != nil {
		return t, err
	}
	t.ID, t.CreatedAt, t.UpdatedAt = uuid.NewString(), now(), now()
	fillTemplateDefaults(&t)
	return t, conflict(s.db.CreateTemplate(ctx, t), "template %q already exists", t.Name)
}

func fillTemplateDefaults(t *model.Template) {
	for field, def := range map[*string]string{&t.Admin: "root", &t.OperatingSystem: "linux", &t.DiskBus: "virtio",
		&t.NetworkModel: "virtio", &t.Display: "vga", &t.Control: "vnc"} {
		if *field == "" {
			*field = def
		}
	}
}

// UpdateTemplate replaces a template's settings (needs the template menu).
func (s *Service) UpdateTemplate(ctx context.Context, idOrName string, t model.Template) (model.Template, error) {
	if err := Authorize(ctx, model.PermTemplateUpdate); err != nil {
		return t, err
	}
	cur, err := s.GetTemplate(ctx, idOrName)
	if err != nil {
		return t, err
	}
	if err := validTemplate(t); err != nil {
		return t, err
	}
	t.ID, t.CreatedAt, t.UpdatedAt = cur.ID, cur.CreatedAt, now()
	fillTemplateDefaults(&t)
	return t, conflict(notFound(s.db.UpdateTemplate(ctx, t), "template", idOrName), "template %q already exists", t.Name)
}

// DeleteTemplate removes a template no VM uses (needs the template menu).
func (s *Service) DeleteTemplate(ctx context.Context, idOrName string) error {
	if err := Authorize(ctx, model.PermTemplateDelete); err != nil {
		return err
	}
	t, err := s.GetTemplate(ctx, idOrName)
	if err != nil {
		return err
	}
	n, err := s.db.CountVMsUsingTemplate(ctx, t.ID)
	if err != nil {
		return err
	}
	if n > 0 {
		return model.Errorf(model.CodeConflict, "template %s is used by %d VMs", t.Name, n)
	}
	return notFound(s.db.DeleteTemplate(ctx, t.ID), "template", idOrName)
}
