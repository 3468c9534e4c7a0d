package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// TestHealthReadyAndMetrics probes /healthz and /readyz, and scrapes
// /metrics with Prometheus's own text parser: a scrape needs a token with
// host:read, and it shows the host online with its capacity and use, the
// running VM, the finished create task with its duration, and requests
// counted per API and route pattern (not per path), Nano's included.
func TestHealthReadyAndMetrics(t *testing.T) {
	k := startKumo(t)
	base := "http://" + k.srv.Addr()
	get := func(path, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/healthz", ""); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("/healthz: %d %q", code, body)
	}
	if code, body := get("/readyz", ""); code != 200 || strings.TrimSpace(body) != "ready" {
		t.Errorf("/readyz: %d %q", code, body)
	}
	if code, _ := get("/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without a token: %d, want 401", code)
	}
	if code, _ := get("/metrics", "not-a-session"); code != http.StatusUnauthorized {
		t.Errorf("/metrics with a bad token: %d, want 401", code)
	}

	k.uploadGuest("guest")
	vm := k.createVM(api.VMsPost{Name: "metered", Image: "guest", MemoryMiB: 96, Cores: 2, Start: true})
	k.waitStatus(vm, "running")
	// The VM's own counters, from the heartbeats: once two samples are in,
	// its CPU share is known; a booted guest has read its disk.
	// The NIC counters come from the guest agent (the guest's DHCP
	// exchange is traffic), asked every 10 s.
	var usage api.VMUsage
	eventually(t, 90*time.Second, "the VM's usage with a CPU share and NIC counters", func() (bool, string) {
		u, err := k.c.VMUsage(ctxT(t), vm.Name)
		usage = u
		return err == nil && u.CPUPercent > 0 && u.NetMeasured && u.NetRxBytes > 0 && u.NetTxBytes > 0, fmt.Sprintf("%+v %v", u, err)
	})
	if usage.CPUSeconds <= 0 || usage.MemoryRSSBytes < 16<<20 || usage.DiskReadBytes <= 0 || usage.DiskReadOps <= 0 ||
		time.Since(usage.SampledAt) > time.Minute {
		t.Errorf("usage of a running guest: %+v", usage)
	}
	for _, id := range []string{vm.ID, "no-such-vm-1", "no-such-vm-2"} {
		k.c.VM(ctxT(t), id)
	}
	n := k.nano(t)
	n.login()

	code, body := get("/metrics", k.c.Token)
	if code != 200 {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics is not Prometheus text: %v", err)
	}
	value := func(name string, labels map[string]string) (float64, bool) {
		f := families[name]
		if f == nil {
			return 0, false
		}
	next:
		for _, m := range f.Metric {
			have := map[string]string{}
			for _, l := range m.Label {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue next
				}
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				return m.Counter.GetValue(), true
			case dto.MetricType_GAUGE:
				return m.Gauge.GetValue(), true
			case dto.MetricType_HISTOGRAM:
				return float64(m.Histogram.GetSampleCount()), true
			}
		}
		return 0, false
	}
	host := k.waitHosts(1)[0]
	want := func(name string, labels map[string]string, ok func(float64) bool, what string) {
		t.Helper()
		v, found := value(name, labels)
		if !found || !ok(v) {
			t.Errorf("%s%v = %v (found %v), want %s", name, labels, v, found, what)
		}
	}
	atLeast := func(n float64) func(float64) bool { return func(v float64) bool { return v >= n } }
	h := map[string]string{"host": host.Name}
	want("kumo_host_online", h, func(v float64) bool { return v == 1 }, "1")
	want("kumo_host_cpus", h, func(v float64) bool { return v == float64(host.CPUs) }, "the host's CPUs")
	want("kumo_host_memory_bytes", h, func(v float64) bool { return v == float64(host.MemoryBytes) }, "the host's memory")
	want("kumo_host_vms", h, func(v float64) bool { return v == 1 }, "1")
	want("kumo_host_used_cores", h, func(v float64) bool { return v == 2 }, "2")
	want("kumo_host_used_memory_bytes", h, func(v float64) bool { return v == 96<<20 }, "96 MiB")
	want("kumo_host_heartbeat_age_seconds", h, func(v float64) bool { return v >= 0 && v < 60 }, "a recent heartbeat")
	want("kumo_vms", map[string]string{"status": "running"}, func(v float64) bool { return v == 1 }, "1")
	want("kumo_tasks", map[string]string{"kind": "vm.create", "state": "succeeded"}, atLeast(1), ">= 1")
	want("kumo_task_duration_seconds", map[string]string{"kind": "vm.create", "state": "succeeded"}, atLeast(1), ">= 1 observation")
	// Three lookups of three VM ids are one route, and the two unknown
	// ones are 404s.
	want("kumo_api_requests_total", map[string]string{"api": "native", "route": "GET /v1/vms/{id}", "code": "404"}, atLeast(2), ">= 2")
	want("kumo_api_requests_total", map[string]string{"api": "native", "route": "GET /v1/vms/{id}", "code": "200"}, atLeast(1), ">= 1")
	want("kumo_api_request_duration_seconds", map[string]string{"api": "native", "route": "GET /v1/vms/{id}"}, atLeast(3), ">= 3 observations")
	want("kumo_api_requests_total", map[string]string{"api": "nano"}, atLeast(1), ">= 1 Nano request")
	v := map[string]string{"vm": "metered", "vm_id": vm.ID, "host_id": host.ID}
	want("kumo_vm_cpu_seconds_total", v, func(x float64) bool { return x > 0 }, "> 0")
	want("kumo_vm_memory_rss_bytes", v, atLeast(16<<20), ">= 16 MiB")
	want("kumo_vm_disk_read_bytes_total", v, func(x float64) bool { return x > 0 }, "> 0")
	want("kumo_vm_disk_reads_total", v, func(x float64) bool { return x > 0 }, "> 0")
	want("kumo_vm_network_receive_bytes_total", v, func(x float64) bool { return x > 0 }, "> 0")
	want("kumo_vm_network_transmit_bytes_total", v, func(x float64) bool { return x > 0 }, "> 0")
	for _, m := range families["kumo_api_requests_total"].Metric {
		for _, l := range m.Label {
			if l.GetName() == "route" && strings.Contains(l.GetValue(), "no-such-vm") {
				t.Errorf("a request path became a label: %s", l.GetValue())
			}
		}
	}
	// A stopped VM has no usage.
	k.mustTask(k.action(vm, "poweroff"))
	k.waitStatus(vm, "stopped")
	_, err = k.c.VMUsage(ctxT(t), vm.Name)
	wantAPIError(t, "usage of a stopped VM", err, http.StatusConflict)
}
