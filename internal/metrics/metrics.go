// Package metrics serves Kumo's /metrics in the Prometheus text format:
// API requests and latencies per dialect and route, task durations, and,
// read from the service at each scrape, hosts (capacity, use, online,
// heartbeat lag), VMs by state and tasks by kind and state.
package metrics

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Metrics holds a control plane's metrics.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	tasks    *prometheus.HistogramVec
}

// New makes the metrics of svc's control plane and starts timing its
// tasks.
func New(svc *service.Service) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kumo_api_requests_total",
			Help: "API requests answered, by API (native, nano, cloudtower, zstack, dbc), route pattern and status code.",
		}, []string{"api", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kumo_api_request_duration_seconds",
			Help:    "Time to answer an API request (not counting websocket sessions), by API and route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"api", "route"}),
		tasks: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kumo_task_duration_seconds",
			Help:    "Time from a task's start to its end, by kind and final state.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800},
		}, []string{"kind", "state"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.tasks, &census{svc: svc},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	svc.OnTaskFinished(func(t model.Task) {
		if !t.StartedAt.IsZero() && !t.FinishedAt.IsZero() {
			m.tasks.WithLabelValues(t.Kind, string(t.State)).Observe(t.FinishedAt.Sub(t.StartedAt).Seconds())
		}
	})
	return m
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: nil, ErrorHandling: promhttp.ContinueOnError})
}

// Instrument counts and times the requests h answers for api; route
// names the route pattern a request takes ("" for none), so that labels
// stay few whatever the paths asked for.
func (m *Metrics) Instrument(api string, h http.Handler, route func(*http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pattern := route(r)
		if pattern == "" {
			pattern = "unmatched"
		}
		rec := &recorder{ResponseWriter: w}
		start := time.Now()
		h.ServeHTTP(rec, r)
		code := rec.code
		if code == 0 {
			code = http.StatusOK
		}
		m.requests.WithLabelValues(api, pattern, strconv.Itoa(code)).Inc()
		if !rec.hijacked {
			m.latency.WithLabelValues(api, pattern).Observe(time.Since(start).Seconds())
		}
	})
}

// recorder notes the status code of a reply. It passes Flush and Hijack
// on, and Unwrap lets http.ResponseController reach the connection's
// deadlines, which streaming handlers extend.
type recorder struct {
	http.ResponseWriter
	code     int
	hijacked bool
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	http.NewResponseController(r.ResponseWriter).Flush()
}

func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(r.ResponseWriter).Hijack()
	if err == nil {
		r.hijacked = true
		if r.code == 0 {
			r.code = http.StatusSwitchingProtocols
		}
	}
	return c, rw, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// census reads hosts, VMs and tasks from the service at each scrape.
type census struct {
	svc *service.Service
}

var (
	hostLabels    = []string{"host", "pool_id"}
	descHostUp    = prometheus.NewDesc("kumo_host_online", "1 if the host's agent is heartbeating, else 0.", hostLabels, nil)
	descHostCPUs  = prometheus.NewDesc("kumo_host_cpus", "CPUs of the host.", hostLabels, nil)
	descHostMem   = prometheus.NewDesc("kumo_host_memory_bytes", "Memory of the host.", hostLabels, nil)
	descHostAvail = prometheus.NewDesc("kumo_host_memory_available_bytes", "Memory the host's kernel reports available.", hostLabels, nil)
	descHostDisk  = prometheus.NewDesc("kumo_host_disk_bytes", "Size of the file system holding the host's VM disks.", hostLabels, nil)
	descHostFree  = prometheus.NewDesc("kumo_host_disk_free_bytes", "Free space on that file system.", hostLabels, nil)
	descHostBusy  = prometheus.NewDesc("kumo_host_cpu_usage_percent", "Busy share of the host's CPUs over the last heartbeat interval, in percent of one CPU.", hostLabels, nil)
	descHostVMs   = prometheus.NewDesc("kumo_host_vms", "VMs placed on the host.", hostLabels, nil)
	descHostCores = prometheus.NewDesc("kumo_host_used_cores", "Cores the VMs placed on the host have.", hostLabels, nil)
	descHostUMem  = prometheus.NewDesc("kumo_host_used_memory_bytes", "Memory the VMs placed on the host have.", hostLabels, nil)
	descHostUDisk = prometheus.NewDesc("kumo_host_used_disk_bytes", "Root disk sizes of the VMs placed on the host.", hostLabels, nil)
	descHostLag   = prometheus.NewDesc("kumo_host_heartbeat_age_seconds", "Time since the host's last heartbeat.", hostLabels, nil)
	descVMs       = prometheus.NewDesc("kumo_vms", "VMs by observed state.", []string{"status"}, nil)
	descTasks     = prometheus.NewDesc("kumo_tasks", "Tasks in the database by kind and state.", []string{"kind", "state"}, nil)
	descUp        = prometheus.NewDesc("kumo_census_up", "1 if the last scrape could read the database, else 0.", nil, nil)

	// Per VM, from the heartbeats of its host (QEMU's /proc entry, QMP
	// query-blockstats, the guest agent's NIC counters); counters since
	// the VM's process (or, for NICs, its guest) started.
	vmLabels       = []string{"vm", "vm_id", "host_id"}
	descVMCPU      = prometheus.NewDesc("kumo_vm_cpu_seconds_total", "CPU time of the VM's QEMU process.", vmLabels, nil)
	descVMRSS      = prometheus.NewDesc("kumo_vm_memory_rss_bytes", "Resident memory of the VM's QEMU process.", vmLabels, nil)
	descVMReadB    = prometheus.NewDesc("kumo_vm_disk_read_bytes_total", "Bytes the VM read from its disks.", vmLabels, nil)
	descVMWriteB   = prometheus.NewDesc("kumo_vm_disk_written_bytes_total", "Bytes the VM wrote to its disks.", vmLabels, nil)
	descVMReads    = prometheus.NewDesc("kumo_vm_disk_reads_total", "Read requests of the VM to its disks.", vmLabels, nil)
	descVMWrites   = prometheus.NewDesc("kumo_vm_disk_writes_total", "Write requests of the VM to its disks.", vmLabels, nil)
	descVMNetRx    = prometheus.NewDesc("kumo_vm_network_receive_bytes_total", "Bytes the VM's NICs received, as its guest agent reports (VMs with one only).", vmLabels, nil)
	descVMNetTx    = prometheus.NewDesc("kumo_vm_network_transmit_bytes_total", "Bytes the VM's NICs sent, as its guest agent reports (VMs with one only).", vmLabels, nil)
	descVMSampleAt = prometheus.NewDesc("kumo_vm_usage_age_seconds", "Time since the VM's usage was last reported.", vmLabels, nil)
)

func (c *census) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descHostUp, descHostCPUs, descHostMem, descHostAvail, descHostDisk, descHostFree,
		descHostBusy, descHostVMs, descHostCores, descHostUMem, descHostUDisk, descHostLag, descVMs, descTasks, descUp,
		descVMCPU, descVMRSS, descVMReadB, descVMWriteB, descVMReads, descVMWrites, descVMNetRx, descVMNetTx, descVMSampleAt} {
		ch <- d
	}
}

func (c *census) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(service.AsControlPlane(context.Background()), 5*time.Second)
	defer cancel()
	cen, err := c.svc.Census(ctx)
	up := 1.0
	if err != nil && !errors.Is(err, context.Canceled) {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, up)
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, h := range cen.Hosts {
		l := []string{h.Host.Name, h.Host.PoolID}
		online := 0.0
		if h.Host.State == model.HostOnline {
			online = 1
		}
		gauge(descHostUp, online, l...)
		gauge(descHostCPUs, float64(h.Host.CPUs), l...)
		gauge(descHostMem, float64(h.Host.MemoryBytes), l...)
		gauge(descHostAvail, float64(h.Host.MemoryAvailableBytes), l...)
		gauge(descHostDisk, float64(h.Host.DiskBytes), l...)
		gauge(descHostFree, float64(h.Host.DiskFreeBytes), l...)
		gauge(descHostBusy, h.Host.CPUUsage, l...)
		gauge(descHostVMs, float64(h.Use.VMs), l...)
		gauge(descHostCores, float64(h.Use.Cores), l...)
		gauge(descHostUMem, float64(h.Use.MemoryBytes), l...)
		gauge(descHostUDisk, float64(h.Use.DiskBytes), l...)
		gauge(descHostLag, h.HeartbeatAge.Seconds(), l...)
	}
	for _, v := range cen.VMs {
		gauge(descVMs, float64(v.Count), string(v.Status))
	}
	for _, t := range cen.Tasks {
		gauge(descTasks, float64(t.Count), t.Kind, string(t.State))
	}
	usages, err := c.svc.VMUsages(ctx)
	if err != nil {
		return
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	for _, u := range usages {
		l := []string{u.VMName, u.VMID, u.HostID}
		counter(descVMCPU, u.CPUSeconds, l...)
		gauge(descVMRSS, float64(u.MemoryRSSBytes), l...)
		counter(descVMReadB, float64(u.DiskReadBytes), l...)
		counter(descVMWriteB, float64(u.DiskWriteBytes), l...)
		counter(descVMReads, float64(u.DiskReadOps), l...)
		counter(descVMWrites, float64(u.DiskWriteOps), l...)
		if u.NetMeasured {
			counter(descVMNetRx, float64(u.NetRxBytes), l...)
			counter(descVMNetTx, float64(u.NetTxBytes), l...)
		}
		gauge(descVMSampleAt, time.Since(u.SampledAt).Seconds(), l...)
	}
}
