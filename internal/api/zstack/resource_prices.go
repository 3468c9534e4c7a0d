package zstack

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Billing: prices per resource and time unit, and an account's spending
// computed from when its VMs really ran (service.RecordVMRuns samples
// the hosts' observed states into run intervals).

const kindPrice = "price"

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

var timeUnits = map[string]time.Duration{
	"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour, "mon": 30 * 24 * time.Hour,
}

// memoryUnits are the units a memory or volume price may be per.
var memoryUnits = map[string]int64{"B": 1, "K": 1 << 10, "KB": 1 << 10, "M": 1 << 20, "MB": 1 << 20, "G": 1 << 30, "GB": 1 << 30, "T": 1 << 40, "TB": 1 << 40}

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
	if err := requireAdmin(r.Context(), "set prices"); err != nil {
		return nil, err
	}
	switch p.ResourceName {
	case "cpu":
		if p.ResourceUnit == "" {
			p.ResourceUnit = "1"
		}
	case "memory", "rootvolume":
		if p.ResourceUnit == "" {
			p.ResourceUnit = "GB"
		}
		if _, ok := memoryUnits[p.ResourceUnit]; !ok {
			return nil, model.FieldError("resourceUnit", "must be one of B, KB, MB, GB, TB, not %q", p.ResourceUnit)
		}
	case "datavolume", "snapshot":
		return nil, errNotSupported("prices of %s: Kumo VMs have no separately billed %s yet", p.ResourceName, p.ResourceName)
	default:
		return nil, model.FieldError("resourceName", "must be cpu, memory, rootvolume, datavolume or snapshot, not %q", p.ResourceName)
	}
	if _, ok := timeUnits[p.TimeUnit]; !ok {
		return nil, model.FieldError("timeUnit", "must be s, m, h, d, w or mon, not %q", p.TimeUnit)
	}
	if p.Price < 0 {
		return nil, model.FieldError("price", "must not be negative")
	}
	t := date(time.Now())
	pr := priceInventory{UUID: newUUID(), ResourceName: p.ResourceName, ResourceUnit: p.ResourceUnit, TimeUnit: p.TimeUnit,
		Price: p.Price, DateInLong: int64(p.DateInLong), CreateDate: t, LastOpDate: t}
	return inventory(pr), s.svc.PutZStackObject(r.Context(), kindPrice, pr.UUID, time.Now(), pr)
}

func (s *Server) deleteResourcePrice(r *http.Request) (any, error) {
	if err := requireAdmin(r.Context(), "delete prices"); err != nil {
		return nil, err
	}
	return struct{}{}, s.svc.DeleteZStackObject(r.Context(), kindPrice, zid(r.PathValue("uuid")))
}

func (s *Server) queryResourcePrice(r *http.Request) (any, error) {
	all, err := listObjects[priceInventory](r.Context(), s, kindPrice)
	if err != nil {
		return nil, err
	}
	return queryReply(r, all, func(p priceInventory) string { return p.UUID })
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

// overlap is how long [a0,a1) and [b0,b1) share.
func overlap(a0, a1, b0, b1 time.Time) time.Duration {
	start, end := a0, a1
	if b0.After(start) {
		start = b0
	}
	if b1.Before(end) {
		end = b1
	}
	if end.Before(start) {
		return 0
	}
	return end.Sub(start)
}

// calculateAccountSpending is PUT /billings/accounts/{accountUuid}/actions.
func (s *Server) calculateAccountSpending(r *http.Request) (any, error) {
	var p struct {
		DateStart float64 `json:"dateStart"`
		DateEnd   float64 `json:"dateEnd"`
	}
	if err := body(r, "calculateAccountSpending", &p); err != nil {
		return nil, err
	}
	ctx := r.Context()
	accountUUID := zid(r.PathValue("accountUuid"))
	if c := callerOf(ctx); !c.admin() && c.accountUUID != accountUUID {
		return nil, model.Errorf(model.CodePermissionDenied, "%s may not read the spending of another account", c.Name)
	}
	if _, err := s.account(ctx, accountUUID); err != nil {
		return nil, err
	}
	start, end := time.UnixMilli(int64(p.DateStart)), time.Now()
	if p.DateEnd > 0 {
		end = time.UnixMilli(int64(p.DateEnd))
	}
	if end.Before(start) {
		return nil, model.FieldError("dateEnd", "is before dateStart")
	}
	return s.spendingOf(ctx, accountUUID, start, end)
}

func (s *Server) spendingOf(ctx context.Context, accountUUID string, start, end time.Time) (any, error) {
	// Bring the intervals up to now before reading them.
	if err := s.svc.RecordVMRuns(ctx); err != nil {
		return nil, err
	}
	prices, err := listObjects[priceInventory](ctx, s, kindPrice)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(prices, func(a, b priceInventory) int { return int(a.DateInLong - b.DateInLong) })
	vms, err := s.vmsOfAccount(ctx, accountUUID)
	if err != nil {
		return nil, err
	}
	runs, err := s.svc.VMRunIntervals(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	byType := map[string]*spending{}
	total := 0.0
	for _, name := range []string{"cpu", "memory", "rootvolume"} {
		byType[name] = &spending{SpendingType: name, DateStart: start.UnixMilli(), DateEnd: end.UnixMilli(), Details: []spendingDetail{}}
	}
	for i, pr := range prices {
		sp, ok := byType[pr.ResourceName]
		if !ok {
			continue
		}
		// A price holds from its date until the next price of the same resource.
		from, until := time.UnixMilli(pr.DateInLong), end
		for _, next := range prices[i+1:] {
			if next.ResourceName == pr.ResourceName {
				until = time.UnixMilli(next.DateInLong)
				break
			}
		}
		for _, vm := range vms {
			var ran time.Duration
			for _, run := range runs[vm.ID] {
				stop := run.Stopped
				if stop.IsZero() {
					stop = now
				}
				ran += overlap(run.Started, stop, later(start, from), earlier(end, until))
			}
			if ran <= 0 {
				continue
			}
			units := ran.Seconds() / timeUnits[pr.TimeUnit].Seconds()
			var amount float64
			switch pr.ResourceName {
			case "cpu":
				amount = pr.Price * float64(vm.Cores) * units
			case "memory":
				amount = pr.Price * float64(int64(vm.MemoryMiB)<<20) / float64(memoryUnits[pr.ResourceUnit]) * units
			case "rootvolume":
				amount = pr.Price * float64(vm.DiskBytes) / float64(memoryUnits[pr.ResourceUnit]) * units
			}
			sp.Spending += amount
			total += amount
			sp.Details = append(sp.Details, spendingDetail{ResourceUUID: zid(vm.ID), ResourceName: vm.Name, Spending: amount, RunSeconds: ran.Seconds()})
		}
	}
	out := []spending{*byType["cpu"], *byType["memory"], *byType["rootvolume"]}
	return map[string]any{"total": total, "spending": out, "success": true}, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
