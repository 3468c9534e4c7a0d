package service

import (
	"context"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Billing is a core service: prices per resource and time unit, and what
// a tenant's VMs cost, from when they really ran. `kumo server` samples
// the hosts' observed VM states into run intervals every few seconds
// whatever APIs are on (runRecorder).

// TimeUnits are the time units a price may be per.
var TimeUnits = map[string]time.Duration{
	"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour, "mon": 30 * 24 * time.Hour,
}

// ByteUnits are the units a memory or disk price may be per.
var ByteUnits = map[string]int64{"B": 1, "K": 1 << 10, "KB": 1 << 10, "M": 1 << 20, "MB": 1 << 20, "G": 1 << 30, "GB": 1 << 30,
	"T": 1 << 40, "TB": 1 << 40}

// Priced resources.
var pricedResources = []string{"cpu", "memory", "rootvolume"}

// CreatePrice sets a price from p.EffectiveAt on (platform admins).
func (s *Service) CreatePrice(ctx context.Context, p model.Price) (model.Price, error) {
	if err := Authorize(ctx, model.PermPriceCreate); err != nil {
		return model.Price{}, err
	}
	if err := checkPrice(&p); err != nil {
		return model.Price{}, err
	}
	p.ID, p.CreatedAt = newID(), now()
	return p, s.db.CreatePrice(ctx, p)
}

// checkPrice checks a price's resource and units, filling in the
// resource's default unit.
func checkPrice(p *model.Price) error {
	switch p.Resource {
	case "cpu":
		if p.Unit == "" {
			p.Unit = "1"
		}
	case "memory", "rootvolume":
		if p.Unit == "" {
			p.Unit = "GB"
		}
		if _, ok := ByteUnits[p.Unit]; !ok {
			return model.FieldError("resourceUnit", "must be one of B, KB, MB, GB, TB, not %q", p.Unit)
		}
	default:
		return model.FieldError("resourceName", "must be cpu, memory or rootvolume, not %q", p.Resource)
	}
	if _, ok := TimeUnits[p.TimeUnit]; !ok {
		return model.FieldError("timeUnit", "must be s, m, h, d, w or mon, not %q", p.TimeUnit)
	}
	if p.Price < 0 {
		return model.FieldError("price", "must not be negative")
	}
	return nil
}

// ListPrices returns every price by when it takes effect.
func (s *Service) ListPrices(ctx context.Context) ([]model.Price, error) {
	if err := Authorize(ctx, model.PermPriceRead); err != nil {
		return nil, err
	}
	return s.db.ListPrices(ctx)
}

// DeletePrice removes a price.
func (s *Service) DeletePrice(ctx context.Context, id string) error {
	if err := Authorize(ctx, model.PermPriceDelete); err != nil {
		return err
	}
	return notFound(s.db.DeletePrice(ctx, id), "price", id)
}

// SpendingRequest selects whose spending over which period: the VMs of
// a tenant, or (Owner set) of one user of it.
type SpendingRequest struct {
	Tenant     string // id or name
	Owner      string // a user name, optional
	Start, End time.Time
}

// Spending computes what VMs cost over a period: price x size x time
// run within it, a price holding from its EffectiveAt until the next
// price of the same resource. A tenant's members may read their tenant's.
func (s *Service) Spending(ctx context.Context, req SpendingRequest) (model.Spending, error) {
	if err := Authorize(ctx, model.PermSpendingRead); err != nil {
		return model.Spending{}, err
	}
	t, err := s.GetTenant(ctx, req.Tenant)
	if err != nil {
		return model.Spending{}, err
	}
	if req.End.IsZero() {
		req.End = now()
	}
	if req.End.Before(req.Start) {
		return model.Spending{}, model.FieldError("dateEnd", "is before dateStart")
	}
	// Bring the intervals up to now before reading them.
	if err := s.recordVMRuns(ctx); err != nil {
		return model.Spending{}, err
	}
	prices, err := s.db.ListPrices(ctx)
	if err != nil {
		return model.Spending{}, err
	}
	all, err := s.db.ListVMs(ctx)
	if err != nil {
		return model.Spending{}, err
	}
	var vms []model.VM
	for _, vm := range all {
		if vm.TenantID == t.ID && (req.Owner == "" || vm.Owner == req.Owner) {
			vms = append(vms, vm)
		}
	}
	runs, err := s.db.ListRunIntervals(ctx)
	if err != nil {
		return model.Spending{}, err
	}
	byVM := map[string][]store.RunInterval{}
	for _, r := range runs {
		byVM[r.VMID] = append(byVM[r.VMID], r)
	}
	out := model.Spending{Start: req.Start, End: req.End}
	at := now()
	for _, res := range pricedResources {
		rs := model.ResourceSpending{Resource: res, VMs: []model.VMSpending{}}
		for i, pr := range prices {
			if pr.Resource != res {
				continue
			}
			until := req.End
			for _, next := range prices[i+1:] {
				if next.Resource == res {
					until = next.EffectiveAt
					break
				}
			}
			for _, vm := range vms {
				var ran time.Duration
				for _, run := range byVM[vm.ID] {
					stop := run.Stopped
					if stop.IsZero() {
						stop = at
					}
					ran += overlap(run.Started, stop, later(req.Start, pr.EffectiveAt), earlier(req.End, until))
				}
				if ran <= 0 {
					continue
				}
				units := ran.Seconds() / TimeUnits[pr.TimeUnit].Seconds()
				var amount float64
				switch res {
				case "cpu":
					amount = pr.Price * float64(vm.Cores) * units
				case "memory":
					amount = pr.Price * float64(int64(vm.MemoryMiB)<<20) / float64(ByteUnits[pr.Unit]) * units
				case "rootvolume":
					amount = pr.Price * float64(vm.DiskBytes) / float64(ByteUnits[pr.Unit]) * units
				}
				rs.Spending += amount
				rs.VMs = append(rs.VMs, model.VMSpending{VMID: vm.ID, VMName: vm.Name, Spending: amount, Ran: ran})
			}
		}
		out.Total += rs.Spending
		out.ByResource = append(out.ByResource, rs)
	}
	return out, nil
}

func overlap(a0, a1, b0, b1 time.Time) time.Duration {
	start, end := later(a0, b0), earlier(a1, b1)
	if !end.After(start) {
		return 0
	}
	return end.Sub(start)
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

// recordVMRuns opens a run interval for each VM observed running or
// paused (it holds its host's resources either way) and closes the
// intervals of the others. Billing follows what hosts report, not what
// was asked for.
func (s *Service) recordVMRuns(ctx context.Context) error {
	vms, err := s.db.ListVMs(ctx)
	if err != nil {
		return err
	}
	t := now()
	for _, vm := range vms {
		if vm.Status == model.PowerRunning || vm.Status == model.PowerPaused {
			err = s.db.OpenRunInterval(ctx, vm.ID, t)
		} else {
			err = s.db.CloseRunInterval(ctx, vm.ID, t)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// runRecorder samples VM run intervals every RunSampleInterval until
// Close.
func (s *Service) runRecorder() {
	defer s.wg.Done()
	tick := time.NewTicker(s.cfg.RunSampleInterval)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			if err := s.recordVMRuns(context.Background()); err != nil {
				s.log.Warn("record VM run intervals", "err", err)
			}
		}
	}
}
