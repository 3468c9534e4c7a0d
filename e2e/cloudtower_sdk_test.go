package e2e

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	towerclient "github.com/smartxworks/cloudtower-go-sdk/v2/client"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/cluster"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/host"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/task"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/user"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/vm"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/vm_snapshot"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/vm_template"
	"github.com/smartxworks/cloudtower-go-sdk/v2/models"
)

// This file is the only user of CloudTower's Go SDK, so the SDK stays a
// test-only dependency of Kumo. The SDK is the ground truth for the wire
// format of internal/api/cloudtower: every reply must decode into the
// SDK's models and pass their validation (required fields, enums).

func ptr[T any](v T) *T { return &v }

// str dereferences an optional string of a model.
func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// validatable is every SDK model.
type validatable interface {
	Validate(strfmt.Registry) error
}

// sdkValid fails the test unless each model passes the SDK's own
// validation: what the SDK's schema requires of a CloudTower reply.
func sdkValid[M validatable](t *testing.T, what string, ms ...M) {
	t.Helper()
	for i, m := range ms {
		if err := m.Validate(strfmt.Default); err != nil {
			t.Errorf("%s[%d] does not satisfy the SDK's %T: %v", what, i, m, err)
		}
	}
}

// sdkErrorBody returns the ErrorBody of an SDK error reply (400, 404 or
// 500), failing the test for any other error.
func sdkErrorBody(t *testing.T, err error) (int, *models.ErrorBody) {
	t.Helper()
	if err == nil {
		t.Fatal("the call succeeded; want an error reply")
	}
	var body interface{ GetPayload() *models.ErrorBody }
	if !errors.As(err, &body) {
		t.Fatalf("error is no ErrorBody reply of the SDK (%T): %v", err, err)
	}
	// The SDK's error replies are types named after their status.
	name := fmt.Sprintf("%T", err)
	st := 0
	switch {
	case strings.HasSuffix(name, "BadRequest"):
		st = 400
	case strings.HasSuffix(name, "NotFound"):
		st = 404
	case strings.HasSuffix(name, "InternalServerError"):
		st = 500
	}
	p := body.GetPayload()
	if p == nil || str(p.Message) == "" {
		t.Fatalf("%T without a message: %+v", err, p)
	}
	sdkValidError(t, p, st)
	return st, p
}

// sdkValidError checks the fields the SDK's ErrorBody requires. Its code
// is an enum that knows only ResourceLocked, so Kumo's own codes are not
// checked against it.
func sdkValidError(t *testing.T, p *models.ErrorBody, status int) {
	t.Helper()
	if p.Status == nil || int(*p.Status) != status {
		t.Errorf("ErrorBody status %v, want %d", p.Status, status)
	}
	if p.Path == nil || !strings.HasPrefix(*p.Path, "/v2/api/") {
		t.Errorf("ErrorBody path %v, want the operation's path", p.Path)
	}
}

// TestCloudTowerSDK drives Kumo with CloudTower's own Go SDK: log in,
// create a VM from the template of the uploaded guest image, start it
// (the guest boots), snapshot it, migrate it live to the other host and
// delete it, following every task with the SDK's get-tasks.
func TestCloudTowerSDK(t *testing.T) {
	k := startKumo(t, withCloudTower)
	second := newExtraAgent(t, k, "sdk-host-2")
	img := k.uploadGuest("guest")
	k.waitHosts(2)

	cfg := towerclient.ClientConfig{Host: k.srv.CloudTowerAddr(), BasePath: "/v2/api", Schemes: []string{"http"}}
	_, err := towerclient.NewWithUserConfig(cfg, towerclient.UserConfig{Name: "admin", Password: "wrong", Source: models.UserSourceLOCAL})
	var badLogin *user.LoginBadRequest
	if !errors.As(err, &badLogin) {
		t.Fatalf("log in with a wrong password: %v (%T), want the SDK's LoginBadRequest", err, err)
	}
	sdkValidError(t, badLogin.Payload, 400)
	ct, err := towerclient.NewWithUserConfig(cfg, towerclient.UserConfig{Name: "admin", Password: adminPassword, Source: models.UserSourceLOCAL})
	if err != nil {
		t.Fatalf("log in: %v", err)
	}

	// The template of the uploaded image, and the cluster of both hosts.
	tpls, err := ct.VMTemplate.GetVMTemplates(vm_template.NewGetVMTemplatesParams().WithRequestBody(
		&models.GetVMTemplatesRequestBody{Where: &models.VMTemplateWhereInput{Name: ptr("guest")}}))
	if err != nil {
		t.Fatalf("get-vm-templates: %v", err)
	}
	sdkValid(t, "get-vm-templates", tpls.Payload...)
	if len(tpls.Payload) != 1 || str(tpls.Payload[0].ID) != img.ID {
		t.Fatalf("get-vm-templates where name guest: %d templates, want image %s", len(tpls.Payload), img.ID)
	}
	clusters, err := ct.Cluster.GetClusters(cluster.NewGetClustersParams().WithRequestBody(&models.GetClustersRequestBody{}))
	if err != nil {
		t.Fatalf("get-clusters: %v", err)
	}
	sdkValid(t, "get-clusters", clusters.Payload...)
	if len(clusters.Payload) != 1 {
		t.Fatalf("get-clusters: %d clusters, want 1", len(clusters.Payload))
	}
	clusterID := str(clusters.Payload[0].ID)
	hosts, err := ct.Host.GetHosts(host.NewGetHostsParams().WithRequestBody(&models.GetHostsRequestBody{
		Where: &models.HostWhereInput{Cluster: &models.ClusterWhereInput{ID: &clusterID}}}))
	if err != nil {
		t.Fatalf("get-hosts: %v", err)
	}
	sdkValid(t, "get-hosts", hosts.Payload...)
	if len(hosts.Payload) != 2 {
		t.Fatalf("get-hosts of cluster %s: %d hosts, want 2", clusterID, len(hosts.Payload))
	}
	hostNames := map[string]string{}
	for _, h := range hosts.Payload {
		hostNames[str(h.ID)] = str(h.Name)
	}

	// wait follows a task through get-tasks until it SUCCESSED.
	wait := func(id *string) *models.Task {
		t.Helper()
		if id == nil || *id == "" {
			t.Fatal("no task_id to wait for")
		}
		var last *models.Task
		eventually(t, 120*time.Second, "task "+*id, func() (bool, string) {
			ts, err := ct.Task.GetTasks(task.NewGetTasksParams().WithRequestBody(
				&models.GetTasksRequestBody{Where: &models.TaskWhereInput{ID: id}}))
			if err != nil {
				t.Fatalf("get-tasks %s: %v", *id, err)
			}
			if len(ts.Payload) != 1 {
				t.Fatalf("get-tasks where id %s: %d tasks", *id, len(ts.Payload))
			}
			last = ts.Payload[0]
			sdkValid(t, "get-tasks", last)
			if str(last.ID) != *id || last.Status == nil {
				t.Fatalf("get-tasks where id %s: task %s, status %v", *id, str(last.ID), last.Status)
			}
			switch *last.Status {
			case models.TaskStatusPENDING, models.TaskStatusEXECUTING:
				return false, string(*last.Status)
			case models.TaskStatusSUCCESSED, models.TaskStatusFAILED:
				return true, string(*last.Status)
			}
			t.Fatalf("task %s: status %s", *id, *last.Status)
			return false, ""
		})
		if *last.Status != models.TaskStatusSUCCESSED {
			t.Fatalf("task %s %s: %s", *id, *last.Status, str(last.ErrorMessage))
		}
		if last.Progress == nil || *last.Progress != 1 {
			t.Errorf("task %s SUCCESSED with progress %v, want 1", *id, last.Progress)
		}
		return last
	}
	getVM := func(id string) *models.VM {
		t.Helper()
		vms, err := ct.VM.GetVms(vm.NewGetVmsParams().WithRequestBody(&models.GetVmsRequestBody{Where: &models.VMWhereInput{ID: &id}}))
		if err != nil {
			t.Fatalf("get-vms %s: %v", id, err)
		}
		sdkValid(t, "get-vms", vms.Payload...)
		switch len(vms.Payload) {
		case 0:
			return nil
		case 1:
			return vms.Payload[0]
		}
		t.Fatalf("get-vms where id %s: %d VMs", id, len(vms.Payload))
		return nil
	}
	deleteVM := func(id string) *models.VMDeleteParams {
		return &models.VMDeleteParams{Where: &models.VMWhereInput{ID: &id}, Effect: &models.VMDeleteParamsEffect{IncludeSnapshots: ptr(true)}}
	}

	// An unknown template is the SDK's 404.
	_, err = ct.VM.CreateVMFromTemplate(vm.NewCreateVMFromTemplateParams().WithRequestBody([]*models.VMCreateVMFromTemplateParams{{
		TemplateID: ptr("no-such-template"), Name: ptr("sdk-vm"), IsFullCopy: ptr(false)}}))
	if st, _ := sdkErrorBody(t, err); st != 404 {
		t.Errorf("create from an unknown template: HTTP %d, want 404", st)
	}

	created, err := ct.VM.CreateVMFromTemplate(vm.NewCreateVMFromTemplateParams().WithRequestBody([]*models.VMCreateVMFromTemplateParams{{
		TemplateID: &img.ID, Name: ptr("sdk-vm"), IsFullCopy: ptr(false), ClusterID: &clusterID,
		Vcpu: ptr(int32(1)), CPUCores: ptr(int32(1)), CPUSockets: ptr(int32(1)), Memory: ptr(int64(128 << 20)),
		Status: models.VMStatusSTOPPED.Pointer()}}))
	if err != nil {
		t.Fatalf("create-vm-from-template: %v", err)
	}
	sdkValid(t, "create-vm-from-template", created.Payload...)
	if len(created.Payload) != 1 || created.Payload[0].Data == nil {
		t.Fatalf("create-vm-from-template: %d results", len(created.Payload))
	}
	made := created.Payload[0].Data
	if str(made.ID) == "" || str(made.Name) != "sdk-vm" || made.Memory == nil || *made.Memory != 128<<20 {
		t.Fatalf("created: id %q name %q memory %v", str(made.ID), str(made.Name), made.Memory)
	}
	id := str(made.ID)
	wait(created.Payload[0].TaskID)
	v := getVM(id)
	if v == nil || v.Status == nil || *v.Status != models.VMStatusSTOPPED || v.Cluster == nil || str(v.Cluster.ID) != clusterID {
		t.Fatalf("after create: %+v", v)
	}

	started, err := ct.VM.StartVM(vm.NewStartVMParams().WithRequestBody(&models.VMStartParams{Where: &models.VMWhereInput{ID: &id}}))
	if err != nil {
		t.Fatalf("start-vm: %v", err)
	}
	sdkValid(t, "start-vm", started.Payload...)
	if len(started.Payload) != 1 || started.Payload[0].Data == nil || str(started.Payload[0].Data.ID) != id {
		t.Fatalf("start-vm: %d results", len(started.Payload))
	}
	wait(started.Payload[0].TaskID)
	v = getVM(id)
	if v == nil || v.Status == nil || *v.Status != models.VMStatusRUNNING || v.Host == nil || hostNames[str(v.Host.ID)] == "" {
		t.Fatalf("after start: %+v", v)
	}
	from := str(v.Host.ID)
	// Kumo placed the VM on one of the two agents: its serial log is in
	// that agent's data dir.
	dirOf := func(hostID string) string {
		if hostNames[hostID] == second.name {
			return second.dir
		}
		return k.dataDir
	}
	serial := func(hostID string) string {
		b, _ := os.ReadFile(filepath.Join(dirOf(hostID), "vms", id, "serial.log"))
		return string(b)
	}
	eventually(t, 90*time.Second, "guest ready on "+hostNames[from], func() (bool, string) {
		s := serial(from)
		return strings.Contains(s, "KUMO-GUEST-READY"), lastLine(s)
	})

	// A snapshot of the running VM.
	snapped, err := ct.VMSnapshot.CreateVMSnapshot(vm_snapshot.NewCreateVMSnapshotParams().WithRequestBody(&models.VMSnapshotCreationParams{
		Data: []*models.VMSnapshotCreationParamsData{{VMID: &id, Name: ptr("sdk snapshot"), ConsistentType: models.ConsistentTypeCRASHCONSISTENT.Pointer()}}}))
	if err != nil {
		t.Fatalf("create-vm-snapshot: %v", err)
	}
	sdkValid(t, "create-vm-snapshot", snapped.Payload...)
	if len(snapped.Payload) != 1 || snapped.Payload[0].Data == nil || str(snapped.Payload[0].Data.Name) != "sdk snapshot" {
		t.Fatalf("create-vm-snapshot: %d results", len(snapped.Payload))
	}
	snapID := str(snapped.Payload[0].Data.ID)
	wait(snapped.Payload[0].TaskID)
	snaps, err := ct.VMSnapshot.GetVMSnapshots(vm_snapshot.NewGetVMSnapshotsParams().WithRequestBody(&models.GetVMSnapshotsRequestBody{
		Where: &models.VMSnapshotWhereInput{VM: &models.VMWhereInput{ID: &id}}}))
	if err != nil {
		t.Fatalf("get-vm-snapshots: %v", err)
	}
	sdkValid(t, "get-vm-snapshots", snaps.Payload...)
	if len(snaps.Payload) != 1 || str(snaps.Payload[0].ID) != snapID || snaps.Payload[0].VM == nil || str(snaps.Payload[0].VM.ID) != id {
		t.Fatalf("get-vm-snapshots of %s: %d snapshots, want %s", id, len(snaps.Payload), snapID)
	}

	// Live migration to the other host.
	var to string
	for h := range hostNames {
		if h != from {
			to = h
		}
	}
	_, err = ct.VM.MigrateVM(vm.NewMigrateVMParams().WithRequestBody(&models.VMMigrateParams{
		Where: &models.VMWhereInput{ID: &id}, Data: &models.VMMigrateParamsData{HostID: ptr("no-such-host")}}))
	if st, _ := sdkErrorBody(t, err); st != 404 {
		t.Errorf("migrate to an unknown host: HTTP %d, want 404", st)
	}
	ticksBefore := ticks(serial(from))
	migrated, err := ct.VM.MigrateVM(vm.NewMigrateVMParams().WithRequestBody(&models.VMMigrateParams{
		Where: &models.VMWhereInput{ID: &id}, Data: &models.VMMigrateParamsData{HostID: &to}}))
	if err != nil {
		t.Fatalf("migrate-vm: %v", err)
	}
	sdkValid(t, "migrate-vm", migrated.Payload...)
	if len(migrated.Payload) != 1 {
		t.Fatalf("migrate-vm: %d results", len(migrated.Payload))
	}
	wait(migrated.Payload[0].TaskID)
	v = getVM(id)
	if v == nil || v.Host == nil || str(v.Host.ID) != to || v.Status == nil || *v.Status != models.VMStatusRUNNING {
		t.Fatalf("after migrate-vm: %+v, want running on %s", v, hostNames[to])
	}
	eventually(t, 60*time.Second, "guest ticking on "+hostNames[to], func() (bool, string) {
		s := serial(to)
		return ticks(s) > ticksBefore, lastLine(s)
	})

	// Delete: a running VM is powered off and removed with its snapshot.
	deleted, err := ct.VM.DeleteVM(vm.NewDeleteVMParams().WithRequestBody(deleteVM(id)))
	if err != nil {
		t.Fatalf("delete-vm: %v", err)
	}
	sdkValid(t, "delete-vm", deleted.Payload...)
	if len(deleted.Payload) != 1 || deleted.Payload[0].Data == nil || str(deleted.Payload[0].Data.ID) != id {
		t.Fatalf("delete-vm: %d results", len(deleted.Payload))
	}
	wait(deleted.Payload[0].TaskID)
	if v := getVM(id); v != nil {
		t.Fatalf("VM %s still listed after delete-vm", id)
	}
	_, err = ct.VM.DeleteVM(vm.NewDeleteVMParams().WithRequestBody(deleteVM(id)))
	if st, _ := sdkErrorBody(t, err); st != 404 {
		t.Errorf("delete a deleted VM: HTTP %d, want 404", st)
	}
}
