package zstack

import (
	"net/http"
	"sort"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Quotas are the core's quotas of an account's tenant, under ZStack's
// names; the core checks them in the transaction of every create,
// whichever API asks (docs/iam.md).

// quotaNames maps ZStack's quota names to the core's.
var quotaNames = map[string]string{
	"vm.totalNum":     model.QuotaVMCount,
	"vm.num":          model.QuotaVMRunning,
	"vm.cpuNum":       model.QuotaVMCores,
	"vm.memorySize":   model.QuotaVMMemory,
	"volume.capacity": model.QuotaDiskBytes,
	"image.num":       model.QuotaImageCount,
	"image.size":      model.QuotaImageBytes,
}

// zstackQuotaName is the ZStack name of a core quota.
func zstackQuotaName(core string) string {
	for z, c := range quotaNames {
		if c == core {
			return z
		}
	}
	return core
}

type quotaInventory struct {
	Name         string `json:"name"`
	IdentityUUID string `json:"identityUuid"`
	IdentityType string `json:"identityType"`
	Value        int64  `json:"value"`
	CreateDate   string `json:"createDate"`
	LastOpDate   string `json:"lastOpDate"`
}

func (s *Server) queryQuota(r *http.Request) (any, error) {
	ctx := r.Context()
	accounts, err := s.accounts(ctx)
	if err != nil {
		return nil, err
	}
	var all []quotaInventory
	for _, a := range accounts {
		if a.Type == "SystemAdmin" {
			continue
		}
		qs, err := s.svc.ListQuotas(ctx, kumoID(a.UUID))
		if err != nil {
			return nil, err
		}
		for _, q := range qs {
			all = append(all, quotaInventory{Name: zstackQuotaName(q.Name), IdentityUUID: a.UUID, IdentityType: "AccountVO",
				Value: q.Value, CreateDate: date(q.UpdatedAt), LastOpDate: date(q.UpdatedAt)})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].IdentityUUID < all[j].IdentityUUID })
	return queryReply(r, all, func(q quotaInventory) string { return q.IdentityUUID + ":" + q.Name })
}

func (s *Server) updateQuota(r *http.Request) (any, error) {
	var p struct {
		IdentityUUID string   `json:"identityUuid"`
		Name         string   `json:"name"`
		Value        *float64 `json:"value"`
	}
	if err := body(r, "updateQuota", &p); err != nil {
		return nil, err
	}
	if p.Value == nil {
		return nil, model.FieldError("value", "is required")
	}
	value, err := wholeNumber("value", *p.Value)
	if err != nil {
		return nil, err
	}
	core, ok := quotaNames[p.Name]
	if !ok {
		return nil, model.FieldError("name", "Kumo enforces the quotas vm.totalNum, vm.num, vm.cpuNum, vm.memorySize, "+
			"volume.capacity, image.num and image.size, not %q", p.Name)
	}
	q, err := s.svc.SetQuota(r.Context(), kumoID(zid(p.IdentityUUID)), core, value)
	if err != nil {
		return nil, err
	}
	t := date(time.Now())
	return inventory(quotaInventory{Name: p.Name, IdentityUUID: zid(q.TenantID), IdentityType: "AccountVO", Value: q.Value,
		CreateDate: t, LastOpDate: t}), nil
}

type quotaUsage struct {
	Name  string `json:"name"`
	Total int64  `json:"total"`
	Used  int64  `json:"used"`
}

func (s *Server) getAccountQuotaUsage(r *http.Request) (any, error) {
	usages, err := s.svc.QuotaUsages(r.Context(), kumoID(zid(r.PathValue("uuid"))))
	if err != nil {
		return nil, err
	}
	out := []quotaUsage{}
	for _, u := range usages {
		if u.Limit == model.QuotaUnlimited {
			continue
		}
		out = append(out, quotaUsage{Name: zstackQuotaName(u.Name), Total: u.Limit, Used: u.Used})
	}
	return map[string]any{"usages": out}, nil
}
