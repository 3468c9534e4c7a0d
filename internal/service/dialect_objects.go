package service

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// The ZStack dialect keeps settings that neither act nor refer to other
// rows (its console proxy's) as JSON documents by kind and uuid. The
// dialect owns their shape; the service only persists them. Everything
// that acts or refers (identity, quotas, schedules, prices, LDAP) is the
// core's own.

// PutZStackObject stores v (marshalled to JSON) under kind and uuid:
// settings of the platform (host:update).
func (s *Service) PutZStackObject(ctx context.Context, kind, uuid string, created time.Time, v any) error {
	if err := Authorize(ctx, model.PermHostUpdate); err != nil {
		return err
	}
	body, err := json.Marshal(v)
	if err != nil {
		return internal(err, "encode "+kind)
	}
	return s.db.PutZStackResource(ctx, store.ZStackResource{Kind: kind, UUID: uuid, Body: body, CreatedAt: created})
}

// GetZStackObject decodes the object kind/uuid into v.
func (s *Service) GetZStackObject(ctx context.Context, kind, uuid string, v any) error {
	if _, err := caller(ctx); err != nil {
		return err
	}
	r, err := s.db.GetZStackResource(ctx, kind, uuid)
	if err != nil {
		return notFound(err, kind, uuid)
	}
	return json.Unmarshal(r.Body, v)
}

// ListZStackObjects returns the raw JSON of every object of a kind, oldest
// first.
func (s *Service) ListZStackObjects(ctx context.Context, kind string) ([]json.RawMessage, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	rs, err := s.db.ListZStackResources(ctx, kind)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, len(rs))
	for i, r := range rs {
		out[i] = r.Body
	}
	return out, nil
}

// DeleteZStackObject removes an object.
func (s *Service) DeleteZStackObject(ctx context.Context, kind, uuid string) error {
	if err := Authorize(ctx, model.PermHostUpdate); err != nil {
		return err
	}
	return notFound(s.db.DeleteZStackResource(ctx, kind, uuid), kind, uuid)
}
