package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// TestCLIPlatform drives tenants, quotas, spending, prices, schedules and
// the audit log through the kumo command line, reading back what each
// command did through another.
func TestCLIPlatform(t *testing.T) {
	k := startKumo(t)
	k.uploadGuest("guest")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("KUMO_PASSWORD", adminPassword)
	mustRun := func(args ...string) string {
		t.Helper()
		code, out, errOut := kumoCLI(t, args...)
		if code != 0 {
			t.Fatalf("kumo %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	mustFail := func(want string, args ...string) {
		t.Helper()
		code, _, errOut := kumoCLI(t, args...)
		if code == 0 || !strings.Contains(errOut, want) {
			t.Errorf("kumo %s: exit %d, %q; want a failure saying %q", strings.Join(args, " "), code, errOut, want)
		}
	}
	mustRun("login", "--server", k.c.BaseURL, "--user", "admin")

	mustRun("tenant", "create", "acme", "--password", "acme-passw0rd", "--description", "ACME's room")
	if out := mustRun("tenant", "list"); !regexp.MustCompile(`acme\s+account\s+\S+\s+ACME's room`).MatchString(out) {
		t.Errorf("tenant list:\n%s", out)
	}
	mustRun("tenant", "quota", "set", "acme", "vm.count", "2")
	if out := mustRun("tenant", "quota", "list", "acme"); !regexp.MustCompile(`vm\.count\s+0\s+2\n`).MatchString(out) {
		t.Errorf("quota list:\n%s", out)
	}
	mustFail("not a whole number", "tenant", "quota", "set", "acme", "vm.count", "lots")
	mustFail("quota", "tenant", "quota", "set", "acme", "vm.colour", "2")

	mustRun("price", "create", "cpu", "0.5", "--per", "h")
	var prices []api.Price
	if err := json.Unmarshal([]byte(mustRun("price", "list", "-o", "json")), &prices); err != nil || len(prices) != 1 ||
		prices[0].Resource != "cpu" || prices[0].Price != 0.5 || prices[0].TimeUnit != "h" {
		t.Errorf("price list: %+v %v", prices, err)
	}
	if out := mustRun("tenant", "spending", "acme"); !strings.Contains(out, "Total:") {
		t.Errorf("spending:\n%s", out)
	}

	mustRun("vm", "create", "sched1", "--image", "guest", "--memory", "64M")
	var job api.ScheduleJob
	if err := json.Unmarshal([]byte(mustRun("schedule", "job", "create", "nightly", "sched1", "snapshot", "-o", "json")), &job); err != nil || job.ID == "" {
		t.Fatalf("job create: %+v %v", job, err)
	}
	var trig api.ScheduleTrigger
	if err := json.Unmarshal([]byte(mustRun("schedule", "trigger", "create", "hourly", "--every", "1h", "-o", "json")), &trig); err != nil ||
		trig.Kind != "simple" || trig.IntervalSeconds != 3600 {
		t.Fatalf("trigger create: %+v %v", trig, err)
	}
	mustFail("--cron or --every", "schedule", "trigger", "create", "never")
	mustRun("schedule", "trigger", "add-job", trig.ID, job.ID)
	mustRun("schedule", "job", "disable", job.ID)
	var jobs []api.ScheduleJob
	if err := json.Unmarshal([]byte(mustRun("schedule", "job", "list", "-o", "json")), &jobs); err != nil || len(jobs) != 1 ||
		jobs[0].Enabled || len(jobs[0].Triggers) != 1 || jobs[0].Triggers[0] != trig.ID {
		t.Errorf("job list: %+v %v", jobs, err)
	}
	if out := mustRun("schedule", "job", "list"); !regexp.MustCompile(`nightly\s+sched1\s+snapshot\s+false`).MatchString(out) {
		t.Errorf("job table (the VM by name):\n%s", out)
	}
	if out := mustRun("task", "list", "--kind", "vm.create"); !regexp.MustCompile(`vm\.create\s+succeeded\s+100%\s+sched1\s`).MatchString(out) {
		t.Errorf("task table (the VM by name):\n%s", out)
	}
	mustRun("schedule", "trigger", "remove-job", trig.ID, job.ID)
	mustRun("schedule", "trigger", "delete", trig.ID)
	mustRun("schedule", "job", "delete", job.ID)
	if out := mustRun("schedule", "job", "list"); strings.Contains(out, "nightly") {
		t.Errorf("job list after delete:\n%s", out)
	}

	if out := mustRun("ldap", "servers"); !strings.HasPrefix(out, "NAME") {
		t.Errorf("ldap servers:\n%s", out)
	}
	mustFail("LDAP", "ldap", "add-server", "corp", "ldap://127.0.0.1:1", "dc=example,dc=com")

	// Every change above is in the audit log, with who made it; the
	// refused one says why.
	out := mustRun("audit-log", "--limit", "100")
	for _, want := range []string{"admin createTenant /v1/tenants", "admin putQuota /v1/tenants/acme/quotas/vm.count",
		"admin createLDAPServer /v1/ldap/servers (failed with 503", "admin deleteScheduleJob /v1/schedules/jobs/" + job.ID} {
		if !strings.Contains(out, want) {
			t.Errorf("audit-log lacks %q:\n%s", want, out)
		}
	}
	mustRun("tenant", "delete", "acme")
	mustFail("not found", "tenant", "show", "acme")
}
