package zstack

import (
	"context"
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Quotas limit what a Normal account (with its users) may hold; they are
// checked when a VM is created. The defaults are ZStack's; an account's
// changed values are kept as "quota" objects named <account>:<quota>.

const kindQuota = "quota"

// Quota names and their defaults.
var defaultQuotas = []struct {
	name  string
	value int64
}{
	{"vm.totalNum", 20},
	{"vm.num", 20},
	{"vm.cpuNum", 80},
	{"vm.memorySize", 80 << 30},
}

type quotaInventory struct {
	Name         string `json:"name"`
	IdentityUUID string `json:"identityUuid"`
	IdentityType string `json:"identityType"`
	Value        int64  `json:"value"`
	CreateDate   string `json:"createDate"`
	LastOpDate   string `json:"lastOpDate"`
}

// quotasOf returns the quotas of an account.
func (s *Server) quotasOf(ctx context.Context, accountUUID string) ([]quotaInventory, error) {
	var out []quotaInventory
	for _, d := range defaultQuotas {
		q := quotaInventory{Name: d.name, IdentityUUID: accountUUID, IdentityType: "AccountVO", Value: d.value}
		if err := s.svc.GetZStackObject(ctx, kindQuota, accountUUID+":"+d.name, &q); err != nil && !model.IsCode(err, model.CodeNotFound) {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

func (s *Server) queryQuota(r *http.Request) (any, error) {
	ctx := r.Context()
	accounts, err := s.accounts(ctx)
	if err != nil {
		return nil, err
	}
	c := callerOf(ctx)
	var all []quotaInventory
	for _, a := range accounts {
		if a.Type == "SystemAdmin" || (!c.admin() && a.UUID != c.accountUUID) {
			continue
		}
		qs, err := s.quotasOf(ctx, a.UUID)
		if err != nil {
			return nil, err
		}
		all = append(all, qs...)
	}
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
	ctx := r.Context()
	if err := requireAdmin(ctx, "change quotas"); err != nil {
		return nil, err
	}
	if p.Value == nil {
		return nil, model.FieldError("value", "is required")
	}
	value, err := wholeNumber("value", *p.Value)
	if err != nil {
		return nil, err
	}
	if _, err := s.account(ctx, p.IdentityUUID); err != nil {
		return nil, err
	}
	known := false
	for _, d := range defaultQuotas {
		known = known || d.name == p.Name
	}
	if !known {
		return nil, model.FieldError("name", "Kumo enforces the quotas vm.totalNum, vm.num, vm.cpuNum and vm.memorySize, not %q", p.Name)
	}
	t := date(time.Now())
	q := quotaInventory{Name: p.Name, IdentityUUID: zid(p.IdentityUUID), IdentityType: "AccountVO", Value: value, CreateDate: t, LastOpDate: t}
	return inventory(q), s.svc.PutZStackObject(ctx, kindQuota, q.IdentityUUID+":"+q.Name, time.Now(), q)
}

type quotaUsage struct {
	Name  string `json:"name"`
	Total int64  `json:"total"`
	Used  int64  `json:"used"`
}

// usageOf counts what an account holds, by quota name.
func (s *Server) usageOf(ctx context.Context, accountUUID string) (map[string]int64, error) {
	vms, err := s.vmsOfAccount(ctx, accountUUID)
	if err != nil {
		return nil, err
	}
	used := map[string]int64{}
	for _, vm := range vms {
		used["vm.totalNum"]++
		if vm.Status == model.PowerRunning || vm.Status == model.PowerPaused || vm.PowerState == model.PowerRunning {
			used["vm.num"]++
		}
		used["vm.cpuNum"] += int64(vm.Cores)
		used["vm.memorySize"] += int64(vm.MemoryMiB) << 20
	}
	return used, nil
}

func (s *Server) getAccountQuotaUsage(r *http.Request) (any, error) {
	ctx := r.Context()
	id := zid(r.PathValue("uuid"))
	if c := callerOf(ctx); !c.admin() && c.accountUUID != id {
		return nil, model.Errorf(model.CodePermissionDenied, "%s may not read the quotas of another account", c.Name)
	}
	qs, err := s.quotasOf(ctx, id)
	if err != nil {
		return nil, err
	}
	used, err := s.usageOf(ctx, id)
	if err != nil {
		return nil, err
	}
	out := []quotaUsage{}
	for _, q := range qs {
		out = append(out, quotaUsage{Name: q.Name, Total: q.Value, Used: used[q.Name]})
	}
	return map[string]any{"usages": out}, nil
}

// checkVMQuota refuses a new VM that would take an account over a quota.
func (s *Server) checkVMQuota(ctx context.Context, accountUUID string, cores int, memoryMiB int, start bool) error {
	a, err := s.account(ctx, accountUUID)
	if err != nil || a.Type == "SystemAdmin" {
		return err
	}
	qs, err := s.quotasOf(ctx, accountUUID)
	if err != nil {
		return err
	}
	used, err := s.usageOf(ctx, accountUUID)
	if err != nil {
		return err
	}
	want := map[string]int64{"vm.totalNum": 1, "vm.cpuNum": int64(cores), "vm.memorySize": int64(memoryMiB) << 20}
	if start {
		want["vm.num"] = 1
	}
	for _, q := range qs {
		if used[q.Name]+want[q.Name] > q.Value {
			return model.Errorf(model.CodeQuotaExceeded, "quota exceeding: account %s uses %d of its %s quota %d and the new VM needs %d more",
				a.Name, used[q.Name], q.Name, q.Value, want[q.Name])
		}
	}
	return nil
}
