package zstack

import (
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Billing is the core's (service.Spending): prices per resource and time
// unit, and an account's spending from when its VMs really ran.

type priceInventory struct {
	UUID         string  `json:"uuid"`
	ResourceName string  `json:"resourceName"`
	ResourceUnit string  `json:"resourceUnit"`
	TimeUnit     string  `json:"timeUnit"`
	Price        float64 `json:"price"`
	DateInLong   int64   `json:"dateInLong"`
	CreateDate   string  `json:"createDate"`
	LastOpDate   string  `json:"lastOpDate"`
}

func priceOf(p model.Price) priceInventory {
	return priceInventory{UUID: zid(p.ID), ResourceName: p.Resource, ResourceUnit: p.Unit, TimeUnit: p.TimeUnit, Price: p.Price,
		DateInLong: millis(p.EffectiveAt), CreateDate: date(p.CreatedAt), LastOpDate: date(p.CreatedAt)}
}

func (s *Server) createResourcePrice(r *http.Request) (any, error) {
	var p struct {
		ResourceName string  `json:"resourceName"`
		ResourceUnit string  `json:"resourceUnit"`
		TimeUnit     string  `json:"timeUnit"`
		Price        float64 `json:"price"`
		DateInLong   float64 `json:"dateInLong"`
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	if p.ResourceName == "datavolume" || p.ResourceName == "snapshot" {
		return nil, errNotSupported("prices of %s: Kumo VMs have no separately billed %s yet", p.ResourceName, p.ResourceName)
	}
	pr := model.Price{Resource: p.ResourceName, Unit: p.ResourceUnit, TimeUnit: p.TimeUnit, Price: p.Price}
	if p.DateInLong > 0 {
		pr.EffectiveAt = time.UnixMilli(int64(p.DateInLong)).UTC()
	}
	pr, err := s.svc.CreatePrice(r.Context(), pr)
	if err != nil {
		return nil, err
	}
	return inventory(priceOf(pr)), nil
}

func (s *Server) deleteResourcePrice(r *http.Request) (any, error) {
	return struct{}{}, s.svc.DeletePrice(r.Context(), kumoID(zid(r.PathValue("uuid"))))
}

func (s *Server) queryResourcePrice(r *http.Request) (any, error) {
	ps, err := s.svc.ListPrices(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]priceInventory, 0, len(ps))
	for _, p := range ps {
		out = append(out, priceOf(p))
	}
	return queryReply(r, out, func(p priceInventory) string { return p.UUID })
}

type spendingDetail struct {
	ResourceUUID string  `json:"resourceUuid"`
	ResourceName string  `json:"resourceName"`
	Spending     float64 `json:"spending"`
	// RunSeconds is how long the VM ran in the period.
	RunSeconds float64 `json:"runSeconds"`
}

type spending struct {
	SpendingType string           `json:"spendingType"`
	Spending     float64          `json:"spending"`
	DateStart    int64            `json:"dateStart"`
	DateEnd      int64            `json:"dateEnd"`
	Details      []spendingDetail `json:"details"`
}

// calculateAccountSpending is PUT /billings/accounts/{accountUuid}/actions:
// a Normal account's spending is its tenant's, a SystemAdmin account's
// that of the VMs its admin owns.
func (s *Server) calculateAccountSpending(r *http.Request) (any, error) {
	var p struct {
		DateStart float64 `json:"dateStart"`
		DateEnd   float64 `json:"dateEnd"`
	}
	if err := body(r, "calculateAccountSpending", &p); err != nil {
		return nil, err
	}
	ctx := r.Context()
	a, err := s.account(ctx, r.PathValue("accountUuid"))
	if err != nil {
		return nil, err
	}
	req := service.SpendingRequest{Tenant: kumoID(a.UUID), Start: time.UnixMilli(int64(p.DateStart)).UTC()}
	if a.Type == "SystemAdmin" {
		req.Tenant, req.Owner = model.DefaultTenantID, a.Name
	}
	if p.DateEnd > 0 {
		req.End = time.UnixMilli(int64(p.DateEnd)).UTC()
	}
	sp, err := s.svc.Spending(ctx, req)
	if err != nil {
		return nil, err
	}
	out := []spending{}
	for _, rs := range sp.ByResource {
		z := spending{SpendingType: rs.Resource, Spending: rs.Spending, DateStart: millis(sp.Start), DateEnd: millis(sp.End),
			Details: []spendingDetail{}}
		for _, v := range rs.VMs {
			z.Details = append(z.Details, spendingDetail{ResourceUUID: zid(v.VMID), ResourceName: v.VMName, Spending: v.Spending,
				RunSeconds: v.Ran.Seconds()})
		}
		out = append(out, z)
	}
	return map[string]any{"total": sp.Total, "spending": out, "success": true}, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
