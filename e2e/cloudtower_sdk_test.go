package e2e

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-openapi/runtime"
	"github.com/go-openapi/strfmt"
	towerclient "github.com/smartxworks/cloudtower-go-sdk/v2/client"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/cluster"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/elf_image"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/host"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/system_audit_log"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/task"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/user"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/user_audit_log"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/vlan"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/vm"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/vm_disk"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/vm_nic"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/vm_snapshot"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/vm_template"
	"github.com/smartxworks/cloudtower-go-sdk/v2/client/vm_volume"
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

// checkedTransport is where every reply of every SDK call is checked:
// a success's payload must pass the SDK's validation, an error reply
// must be an ErrorBody with its required fields.
type checkedTransport struct {
	t    *testing.T
	next runtime.ClientTransport
}

func (c checkedTransport) Submit(op *runtime.ClientOperation) (any, error) {
	c.t.Helper()
	res, err := c.next.Submit(op)
	if err != nil {
		var body interface{ GetPayload() *models.ErrorBody }
		if !errors.As(err, &body) {
			c.t.Errorf("%s: error is no ErrorBody reply of the SDK (%T): %v", op.ID, err, err)
			return res, err
		}
		p := body.GetPayload()
		if p == nil || str(p.Message) == "" || p.Status == nil || p.Path == nil || !strings.HasPrefix(*p.Path, "/v2/api/") {
			c.t.Errorf("%s: ErrorBody lacks message, status or path: %+v", op.ID, p)
		}
		return res, err
	}
	sdkPayloadValid(c.t, op.ID, res)
	return res, nil
}

// sdkPayloadValid validates the payload of any SDK reply.
func sdkPayloadValid(t *testing.T, what string, res any) {
	t.Helper()
	get := reflect.ValueOf(res).MethodByName("GetPayload")
	if !get.IsValid() {
		t.Errorf("%s: reply %T has no payload", what, res)
		return
	}
	p := get.Call(nil)[0]
	var ms []any
	if p.Kind() == reflect.Slice {
		for i := range p.Len() {
			ms = append(ms, p.Index(i).Interface())
		}
	} else {
		ms = append(ms, p.Interface())
	}
	for i, m := range ms {
		v, ok := m.(validatable)
		if !ok {
			t.Errorf("%s[%d]: %T is no SDK model", what, i, m)
			continue
		}
		sdkValid(t, what, v)
	}
}

// sdkLogin logs in with the SDK's own login and returns a client whose
// every reply is checked (checkedTransport).
func sdkLogin(t *testing.T, cfg towerclient.ClientConfig) *towerclient.Cloudtower {
	t.Helper()
	ct, err := towerclient.NewWithUserConfig(cfg, towerclient.UserConfig{Name: "admin", Password: adminPassword, Source: models.UserSourceLOCAL})
	if err != nil {
		t.Fatalf("log in: %v", err)
	}
	ct.SetTransport(checkedTransport{t, ct.Transport})
	// The login's own reply, checked like every other.
	if _, err := ct.User.Login(user.NewLoginParams().WithRequestBody(&models.LoginInput{Username: ptr("admin"), Password: ptr(adminPassword),
		Source: models.UserSourceLOCAL.Pointer()})); err != nil {
		t.Fatalf("login: %v", err)
	}
	return ct
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
	ct := sdkLogin(t, cfg)

	// The template of the uploaded image, and the cluster of both hosts.
	tpls, err := ct.VMTemplate.GetVMTemplates(vm_template.NewGetVMTemplatesParams().WithRequestBody(
		&models.GetVMTemplatesRequestBody{Where: &models.VMTemplateWhereInput{Name: ptr("guest")}}))
	if err != nil {
		t.Fatalf("get-vm-templates: %v", err)
	}
	if len(tpls.Payload) != 1 || str(tpls.Payload[0].ID) != img.ID {
		t.Fatalf("get-vm-templates where name guest: %d templates, want image %s", len(tpls.Payload), img.ID)
	}
	clusters, err := ct.Cluster.GetClusters(cluster.NewGetClustersParams().WithRequestBody(&models.GetClustersRequestBody{}))
	if err != nil {
		t.Fatalf("get-clusters: %v", err)
	}
	if len(clusters.Payload) != 1 {
		t.Fatalf("get-clusters: %d clusters, want 1", len(clusters.Payload))
	}
	clusterID := str(clusters.Payload[0].ID)
	hosts, err := ct.Host.GetHosts(host.NewGetHostsParams().WithRequestBody(&models.GetHostsRequestBody{
		Where: &models.HostWhereInput{Cluster: &models.ClusterWhereInput{ID: &clusterID}}}))
	if err != nil {
		t.Fatalf("get-hosts: %v", err)
	}
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

// TestCloudTowerSDKLife drives one VM through its whole life with the
// SDK's own calls, on one host, every reply checked by checkedTransport:
// create from a template, add and remove a data disk (the guide's boot
// 2), clone, start, VNC info, force restart, eject, snapshot, power off,
// roll back, start and shut down, migrate with no other host (refused,
// saying so), delete; and every list call the SDK makes of them.
func TestCloudTowerSDKLife(t *testing.T) {
	k := startKumo(t, withCloudTower)
	img := k.uploadGuest("guest")
	k.waitHosts(1)
	cfg := towerclient.ClientConfig{Host: k.srv.CloudTowerAddr(), BasePath: "/v2/api", Schemes: []string{"http"}}
	ct := sdkLogin(t, cfg)

	wait := func(id *string) {
		t.Helper()
		if id == nil {
			t.Fatal("no task_id to wait for")
		}
		eventually(t, 120*time.Second, "task "+*id, func() (bool, string) {
			ts, err := ct.Task.GetTasks(task.NewGetTasksParams().WithRequestBody(&models.GetTasksRequestBody{Where: &models.TaskWhereInput{ID: id}}))
			if err != nil || len(ts.Payload) != 1 || ts.Payload[0].Status == nil {
				t.Fatalf("get-tasks %s: %v", *id, err)
			}
			switch st := *ts.Payload[0].Status; st {
			case models.TaskStatusSUCCESSED:
				return true, ""
			case models.TaskStatusFAILED:
				t.Fatalf("task %s failed: %s", *id, str(ts.Payload[0].ErrorMessage))
			}
			return false, string(*ts.Payload[0].Status)
		})
	}
	where := func(id string) *models.VMWhereInput { return &models.VMWhereInput{ID: &id} }
	status := func(id string) models.VMStatus {
		t.Helper()
		vms, err := ct.VM.GetVms(vm.NewGetVmsParams().WithRequestBody(&models.GetVmsRequestBody{Where: where(id)}))
		if err != nil || len(vms.Payload) != 1 {
			t.Fatalf("get-vms %s: %v", id, err)
		}
		return *vms.Payload[0].Status
	}
	lists := func() {
		t.Helper()
		calls := map[string]func() error{
			"get-vlans": func() error {
				_, err := ct.Vlan.GetVlans(vlan.NewGetVlansParams().WithRequestBody(&models.GetVlansRequestBody{}))
				return err
			},
			"get-elf-images": func() error {
				_, err := ct.ElfImage.GetElfImages(elf_image.NewGetElfImagesParams().WithRequestBody(&models.GetElfImagesRequestBody{}))
				return err
			},
			"get-vm-volumes": func() error {
				_, err := ct.VMVolume.GetVMVolumes(vm_volume.NewGetVMVolumesParams().WithRequestBody(&models.GetVMVolumesRequestBody{}))
				return err
			},
			"get-system-audit-logs": func() error {
				_, err := ct.SystemAuditLog.GetSystemAuditLogs(system_audit_log.NewGetSystemAuditLogsParams().WithRequestBody(&models.GetSystemAuditLogsRequestBody{}))
				return err
			},
			"get-user-audit-logs": func() error {
				_, err := ct.UserAuditLog.GetUserAuditLogs(user_audit_log.NewGetUserAuditLogsParams().WithRequestBody(&models.GetUserAuditLogsRequestBody{}))
				return err
			},
			"get-vm-disks": func() error {
				_, err := ct.VMDisk.GetVMDisks(vm_disk.NewGetVMDisksParams().WithRequestBody(&models.GetVMDisksRequestBody{}))
				return err
			},
			"get-vm-nics": func() error {
				_, err := ct.VMNic.GetVMNics(vm_nic.NewGetVMNicsParams().WithRequestBody(&models.GetVMNicsRequestBody{}))
				return err
			},
			"get-vms-connection": func() error {
				_, err := ct.VM.GetVmsConnection(vm.NewGetVmsConnectionParams().WithRequestBody(&models.GetVmsConnectionRequestBody{}))
				return err
			},
			"get-vm-snapshots": func() error {
				_, err := ct.VMSnapshot.GetVMSnapshots(vm_snapshot.NewGetVMSnapshotsParams().WithRequestBody(&models.GetVMSnapshotsRequestBody{}))
				return err
			},
			"get-hosts": func() error {
				_, err := ct.Host.GetHosts(host.NewGetHostsParams().WithRequestBody(&models.GetHostsRequestBody{}))
				return err
			},
			"get-clusters": func() error {
				_, err := ct.Cluster.GetClusters(cluster.NewGetClustersParams().WithRequestBody(&models.GetClustersRequestBody{}))
				return err
			},
		}
		for name, call := range calls {
			if err := call(); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}

	created, err := ct.VM.CreateVMFromTemplate(vm.NewCreateVMFromTemplateParams().WithRequestBody([]*models.VMCreateVMFromTemplateParams{{
		TemplateID: &img.ID, Name: ptr("life"), IsFullCopy: ptr(false), Vcpu: ptr(int32(1)), Memory: ptr(int64(128 << 20)),
		Status: models.VMStatusSTOPPED.Pointer()}}))
	if err != nil || len(created.Payload) != 1 {
		t.Fatalf("create-vm-from-template: %v", err)
	}
	id := str(created.Payload[0].Data.ID)
	wait(created.Payload[0].TaskID)
	lists()

	// A data disk, as the guide's example: boot 2.
	added, err := ct.VM.AddVMDisk(vm.NewAddVMDiskParams().WithRequestBody(&models.VMAddDiskParams{Where: where(id),
		Data: &models.VMAddDiskParamsData{VMDisks: &models.VMAddDiskParamsDataVMDisks{MountNewCreateDisks: []*models.MountNewCreateDisksParams{{
			Boot: ptr(int32(2)), Bus: models.BusVIRTIO.Pointer(), VMVolume: &models.MountNewCreateDisksParamsVMVolume{Name: ptr("data"), Size: ptr(int64(64 << 20))}}}}}}))
	if err != nil || len(added.Payload) != 1 {
		t.Fatalf("add-vm-disk: %v", err)
	}
	disks, err := ct.VMDisk.GetVMDisks(vm_disk.NewGetVMDisksParams().WithRequestBody(&models.GetVMDisksRequestBody{
		Where: &models.VMDiskWhereInput{VM: where(id)}}))
	if err != nil {
		t.Fatalf("get-vm-disks: %v", err)
	}
	var dataDisk, cdrom string
	for _, d := range disks.Payload {
		switch {
		case *d.Type == models.VMDiskTypeCDROM:
			cdrom = str(d.ID)
		case strings.HasSuffix(str(d.ID), "-disk-vdb"):
			dataDisk = str(d.ID)
		}
	}
	if len(disks.Payload) != 3 || dataDisk == "" || cdrom == "" {
		t.Fatalf("get-vm-disks of %s: %d drives, data disk %q, CD-ROM %q", id, len(disks.Payload), dataDisk, cdrom)
	}
	lists()
	if _, err := ct.VM.RemoveVMDisk(vm.NewRemoveVMDiskParams().WithRequestBody(&models.VMRemoveDiskParams{Where: where(id),
		Data: &models.VMRemoveDiskParamsData{DiskIds: []string{dataDisk}}})); err != nil {
		t.Fatalf("remove-vm-disk: %v", err)
	}

	// The system disk grows to 64 MiB (the template's is 18 MiB): what
	// the clone boots from must then be the source's disk, not the
	// template.
	const grown = 64 << 20
	systemDisk := id + "-disk-0"
	expanded, err := ct.VM.ExpandVMDisk(vm.NewExpandVMDiskParams().WithRequestBody(&models.VMExpandVMDiskParams{
		Where: &models.VMDiskWhereInput{ID: &systemDisk}, Size: ptr(int64(grown) >> 20), SizeUnit: models.ByteUnitMB.Pointer()}))
	if err != nil || len(expanded.Payload) != 1 {
		t.Fatalf("expand-vm-disk: %v", err)
	}
	wait(expanded.Payload[0].TaskID)
	_, err = ct.VM.ExpandVMDisk(vm.NewExpandVMDiskParams().WithRequestBody(&models.VMExpandVMDiskParams{
		Where: &models.VMDiskWhereInput{ID: &cdrom}, Size: ptr(int64(grown))}))
	if st, p := sdkErrorBody(t, err); st != 400 || !strings.Contains(str(p.Message), "CD-ROM") {
		t.Errorf("expand-vm-disk of a CD-ROM drive: HTTP %d %q", st, str(p.Message))
	}

	// A NIC on the guide's vlan "sample name", removed by the SDK's
	// remove-vm-nic-by-where.
	hosts, err := ct.Host.GetHosts(host.NewGetHostsParams().WithRequestBody(&models.GetHostsRequestBody{}))
	if err != nil || len(hosts.Payload) != 1 {
		t.Fatalf("get-hosts: %v", err)
	}
	vl, err := ct.Vlan.CreateVMVlan(vlan.NewCreateVMVlanParams().WithRequestBody([]*models.VMVlanCreationParams{{
		Name: ptr("sample name"), VdsID: hosts.Payload[0].ID}}))
	if err != nil || len(vl.Payload) != 1 || str(vl.Payload[0].Data.Name) != "sample name" {
		t.Fatalf("create-vm-vlan \"sample name\": %v", err)
	}
	vlanID := str(vl.Payload[0].Data.ID)
	if _, err := ct.VM.AddVMNic(vm.NewAddVMNicParams().WithRequestBody(&models.VMAddNicParams{Where: where(id),
		Data: &models.VMAddNicParamsData{VMNics: []*models.VMNicParams{{ConnectVlanID: &vlanID}}}})); err != nil {
		t.Fatalf("add-vm-nic: %v", err)
	}
	nics, err := ct.VMNic.GetVMNics(vm_nic.NewGetVMNicsParams().WithRequestBody(&models.GetVMNicsRequestBody{
		Where: &models.VMNicWhereInput{Vlan: &models.VlanWhereInput{Name: ptr("sample name")}}}))
	if err != nil || len(nics.Payload) != 1 || str(nics.Payload[0].VM.ID) != id {
		t.Fatalf("get-vm-nics on vlan \"sample name\": %v", err)
	}
	if _, err := ct.VM.RemoveVMNicByWhere(vm.NewRemoveVMNicByWhereParams().WithRequestBody(&models.VMRemoveNicByWhereParams{
		Where: &models.VMNicWhereInput{ID: nics.Payload[0].ID}, Effect: &models.VMRemoveNicByWhereParamsEffect{VMIds: []string{id}}})); err != nil {
		t.Fatalf("remove-vm-nic-by-where: %v", err)
	}
	if nics, err = ct.VMNic.GetVMNics(vm_nic.NewGetVMNicsParams().WithRequestBody(&models.GetVMNicsRequestBody{
		Where: &models.VMNicWhereInput{VM: where(id)}})); err != nil || len(nics.Payload) != 1 {
		t.Errorf("get-vm-nics after remove-vm-nic-by-where: %v, %d NICs", err, len(nics.Payload))
	}
	if _, err := ct.Vlan.DeleteVlan(vlan.NewDeleteVlanParams().WithRequestBody(&models.VlanDeletionParams{
		Where: &models.VlanWhereInput{ID: &vlanID}})); err != nil {
		t.Errorf("delete-vm-vlan: %v", err)
	}

	// A clone of the stopped VM: a copy of its disk, on its host, which
	// boots from that copy.
	cloned, err := ct.VM.CloneVM(vm.NewCloneVMParams().WithRequestBody([]*models.VMCloneParams{{SrcVMID: &id, Name: ptr("life-clone")}}))
	if err != nil || len(cloned.Payload) != 1 {
		t.Fatalf("clone-vm: %v", err)
	}
	cloneID := str(cloned.Payload[0].Data.ID)
	wait(cloned.Payload[0].TaskID)
	if _, err := os.Stat(filepath.Join(k.dataDir, "vms", cloneID, "root.qcow2")); err != nil {
		t.Fatalf("the clone has no disk: %v", err)
	}
	cloneStart, err := ct.VM.StartVM(vm.NewStartVMParams().WithRequestBody(&models.VMStartParams{Where: where(cloneID)}))
	if err != nil {
		t.Fatalf("start-vm of the clone: %v", err)
	}
	wait(cloneStart.Payload[0].TaskID)
	cloneSerial := func() string {
		b, _ := os.ReadFile(filepath.Join(k.dataDir, "vms", cloneID, "serial.log"))
		return string(b)
	}
	eventually(t, 90*time.Second, "clone ready", func() (bool, string) {
		return strings.Contains(cloneSerial(), "KUMO-GUEST-READY"), lastLine(cloneSerial())
	})
	if want := fmt.Sprintf("KUMO-GUEST-DISK vda %d", grown); !strings.Contains(cloneSerial(), want) {
		t.Errorf("the clone does not boot from a copy of the grown disk: no %q in\n%s", want, cloneSerial())
	}
	cloneOff, err := ct.VM.PoweroffVM(vm.NewPoweroffVMParams().WithRequestBody(&models.VMOperateParams{Where: where(cloneID)}))
	if err != nil {
		t.Fatalf("poweroff-vm of the clone: %v", err)
	}
	wait(cloneOff.Payload[0].TaskID)
	del, err := ct.VM.DeleteVM(vm.NewDeleteVMParams().WithRequestBody(&models.VMDeleteParams{Where: where(cloneID)}))
	if err != nil {
		t.Fatalf("delete-vm of the clone: %v", err)
	}
	wait(del.Payload[0].TaskID)

	started, err := ct.VM.StartVM(vm.NewStartVMParams().WithRequestBody(&models.VMStartParams{Where: where(id)}))
	if err != nil {
		t.Fatalf("start-vm: %v", err)
	}
	wait(started.Payload[0].TaskID)
	serial := func() string {
		b, _ := os.ReadFile(filepath.Join(k.dataDir, "vms", id, "serial.log"))
		return string(b)
	}
	eventually(t, 90*time.Second, "guest ready", func() (bool, string) { return strings.Count(serial(), "KUMO-GUEST-READY") >= 1, lastLine(serial()) })

	if want := fmt.Sprintf("KUMO-GUEST-DISK vda %d", grown); !strings.Contains(serial(), want) {
		t.Errorf("expand-vm-disk: the guest does not see %q", want)
	}
	// The guest's password, through its guest agent.
	if _, err := ct.VM.ResetVMGuestOsPassword(vm.NewResetVMGuestOsPasswordParams().WithRequestBody(&models.VMResetGuestOsPasswordParams{
		Where: where(id), Data: &models.VMResetGuestOsPasswordParamsData{Username: ptr("root"), Password: ptr("Tower-pass-1")}})); err != nil {
		t.Fatalf("reset-vm-guest-os-password: %v", err)
	}
	eventually(t, 30*time.Second, "password set", func() (bool, string) {
		return strings.Contains(serial(), "KUMO-GUEST-PASSWORD-SET root"), lastLine(serial())
	})
	// Disk limits of the whole VM, applied to the running VM.
	if _, err := ct.VM.UpdateVMIoPolicy(vm.NewUpdateVMIoPolicyParams().WithRequestBody(&models.VMUpdateIoPolicyParams{Where: where(id),
		Data: &models.VMUpdateIoPolicyParamsData{IoPolicy: models.VMDiskIoPolicyRESTRICTWHOLEVM.Pointer(),
			WholeVM: &models.VMRestrictIoParamsData{MaxIops: ptr(int64(500)), MaxBandwidth: ptr(int64(10)), MaxBandwidthUnit: models.BPSUnitMBps.Pointer()}}})); err != nil {
		t.Fatalf("update-vm-io-policy: %v", err)
	}
	if got, err := ct.VM.GetVms(vm.NewGetVmsParams().WithRequestBody(&models.GetVmsRequestBody{Where: where(id)})); err != nil ||
		len(got.Payload) != 1 || got.Payload[0].MaxIops == nil || *got.Payload[0].MaxIops != 500 || got.Payload[0].MaxBandwidth == nil || *got.Payload[0].MaxBandwidth != 10<<20 {
		t.Errorf("get-vms after update-vm-io-policy: %v", err)
	}
	_, err = ct.VM.UpdateVMIoPolicy(vm.NewUpdateVMIoPolicyParams().WithRequestBody(&models.VMUpdateIoPolicyParams{Where: where(id),
		Data: &models.VMUpdateIoPolicyParamsData{IoPolicy: models.VMDiskIoPolicyRESTRICTEACHDISK.Pointer()}}))
	if st, _ := sdkErrorBody(t, err); st != 400 {
		t.Errorf("update-vm-io-policy RESTRICT_EACH_DISK: HTTP %d, want 400", st)
	}
	// The owner, by username (the admin gives the VM to itself).
	if _, err := ct.VM.UpdateVMOwner(vm.NewUpdateVMOwnerParams().WithRequestBody(&models.VMUpdateOwnerParams{Where: where(id),
		Data: &models.VMUpdateOwnerParamsData{SearchFor: "username", Value: ptr("admin")}})); err != nil {
		t.Fatalf("update-vm-owner: %v", err)
	}
	_, err = ct.VM.UpdateVMOwner(vm.NewUpdateVMOwnerParams().WithRequestBody(&models.VMUpdateOwnerParams{Where: where(id),
		Data: &models.VMUpdateOwnerParamsData{SearchFor: "username", Value: ptr("nobody")}}))
	if st, _ := sdkErrorBody(t, err); st != 404 {
		t.Errorf("update-vm-owner to an unknown user: HTTP %d, want 404", st)
	}

	vnc, err := ct.VM.GetVMVncInfo(vm.NewGetVMVncInfoParams().WithRequestBody(&models.GetVMVncInfoParams{VM: &models.VMWhereUniqueInput{ID: &id}}))
	if err != nil {
		t.Fatalf("get-vm-vnc-info: %v", err)
	}
	if !strings.Contains(str(vnc.Payload.Redirect), "/websockify/?") || str(vnc.Payload.ClusterIP) != k.srv.CloudTowerAddr() {
		t.Errorf("get-vm-vnc-info: redirect %q cluster_ip %q", str(vnc.Payload.Redirect), str(vnc.Payload.ClusterIP))
	}

	restarted, err := ct.VM.ForceRestartVM(vm.NewForceRestartVMParams().WithRequestBody(&models.VMOperateParams{Where: where(id)}))
	if err != nil {
		t.Fatalf("force-restart-vm: %v", err)
	}
	wait(restarted.Payload[0].TaskID)
	eventually(t, 90*time.Second, "guest ready again", func() (bool, string) { return strings.Count(serial(), "KUMO-GUEST-READY") >= 2, lastLine(serial()) })

	if _, err := ct.VM.EjectIsoFromVMCdRom(vm.NewEjectIsoFromVMCdRomParams().WithRequestBody(&models.VMEjectCdRomParams{
		Where: &models.VMDiskWhereInput{ID: &cdrom}})); err != nil {
		t.Fatalf("eject-iso-from-vm-cd-rom: %v", err)
	}

	snapped, err := ct.VMSnapshot.CreateVMSnapshot(vm_snapshot.NewCreateVMSnapshotParams().WithRequestBody(&models.VMSnapshotCreationParams{
		Data: []*models.VMSnapshotCreationParamsData{{VMID: &id, Name: ptr("before"), ConsistentType: models.ConsistentTypeCRASHCONSISTENT.Pointer()}}}))
	if err != nil {
		t.Fatalf("create-vm-snapshot: %v", err)
	}
	wait(snapped.Payload[0].TaskID)
	snapID := str(snapped.Payload[0].Data.ID)

	// Migration with no other host says so.
	_, err = ct.VM.MigrateVM(vm.NewMigrateVMParams().WithRequestBody(&models.VMMigrateParams{Where: where(id)}))
	if st, p := sdkErrorBody(t, err); st != 400 || !strings.Contains(str(p.Message), "no other online host") {
		t.Errorf("migrate-vm with one host: HTTP %d %q", st, str(p.Message))
	}

	off, err := ct.VM.PoweroffVM(vm.NewPoweroffVMParams().WithRequestBody(&models.VMOperateParams{Where: where(id)}))
	if err != nil {
		t.Fatalf("poweroff-vm: %v", err)
	}
	wait(off.Payload[0].TaskID)
	rolled, err := ct.VM.RollbackVM(vm.NewRollbackVMParams().WithRequestBody(&models.VMRollbackParams{Where: where(id),
		Data: &models.VMRollbackParamsData{SnapshotID: &snapID}}))
	if err != nil {
		t.Fatalf("rollback-vm: %v", err)
	}
	wait(rolled.Payload[0].TaskID)

	started, err = ct.VM.StartVM(vm.NewStartVMParams().WithRequestBody(&models.VMStartParams{Where: where(id)}))
	if err != nil {
		t.Fatalf("start-vm after rollback: %v", err)
	}
	before := len(serial())
	wait(started.Payload[0].TaskID)
	// The guest must be up (booted, or resumed from the snapshot's RAM)
	// to heed the ACPI button.
	eventually(t, 90*time.Second, "guest up after rollback", func() (bool, string) {
		s := serial()
		if len(s) < before {
			before = 0
		}
		later := s[before:]
		return strings.Contains(later, "KUMO-GUEST-READY") || ticks(later) > 0, lastLine(s)
	})
	down, err := ct.VM.ShutDownVM(vm.NewShutDownVMParams().WithRequestBody(&models.VMOperateParams{Where: where(id)}))
	if err != nil {
		t.Fatalf("shutdown-vm: %v", err)
	}
	wait(down.Payload[0].TaskID)
	if st := status(id); st != models.VMStatusSTOPPED {
		t.Errorf("after shutdown-vm: %s", st)
	}
	lists()

	gone, err := ct.VM.DeleteVM(vm.NewDeleteVMParams().WithRequestBody(&models.VMDeleteParams{Where: where(id)}))
	if err != nil {
		t.Fatalf("delete-vm: %v", err)
	}
	wait(gone.Payload[0].TaskID)
	lists()

	// The template, renamed and deleted once no VM uses it.
	if _, err := ct.VMTemplate.UpdateVMTemplate(vm_template.NewUpdateVMTemplateParams().WithRequestBody(&models.VMTemplateUpdationParams{
		Where: &models.VMTemplateWhereInput{ID: &img.ID}, Data: &models.VMTemplateUpdationParamsData{Name: ptr("guest-renamed"), Description: ptr("the test guest")}})); err != nil {
		t.Fatalf("update-vm-template: %v", err)
	}
	tmpls, err := ct.VMTemplate.GetVMTemplates(vm_template.NewGetVMTemplatesParams().WithRequestBody(&models.GetVMTemplatesRequestBody{
		Where: &models.VMTemplateWhereInput{ID: &img.ID}}))
	if err != nil || len(tmpls.Payload) != 1 || str(tmpls.Payload[0].Name) != "guest-renamed" || str(tmpls.Payload[0].Description) != "the test guest" {
		t.Errorf("get-vm-templates after update-vm-template: %v", err)
	}
	if _, err := ct.VMTemplate.DeleteVMTemplate(vm_template.NewDeleteVMTemplateParams().WithRequestBody(&models.VMTemplateDeletionParams{
		Where: &models.VMTemplateWhereInput{ID: &img.ID}})); err != nil {
		t.Fatalf("delete-vm-template: %v", err)
	}

	// An ISO uploaded with the SDK's CreateElfImage (the whole file in one
	// request), renamed and deleted.
	iso, err := os.Open(filepath.Join(guestDir(t), "kumo-test-guest.iso"))
	if err != nil {
		t.Fatal(err)
	}
	defer iso.Close()
	st, err := iso.Stat()
	if err != nil {
		t.Fatal(err)
	}
	up, err := ct.ElfImage.CreateElfImage(elf_image.NewCreateElfImageParams().WithName(ptr("tower.iso")).WithSize(ptr(fmt.Sprint(st.Size()))).
		WithFile(runtime.NamedReader("kumo-test-guest.iso", iso)))
	if err != nil || len(up.Payload) != 1 || str((*string)(up.Payload[0].Status)) != "SUCCESSED" {
		t.Fatalf("upload-elf-image: %v", err)
	}
	isoID := str(up.Payload[0].ID)
	if _, err := ct.ElfImage.UpdateElfImage(elf_image.NewUpdateElfImageParams().WithRequestBody(&models.ElfImageUpdationParams{
		Where: &models.ElfImageWhereInput{ID: &isoID}, Data: &models.ElfImageUpdationParamsData{Name: ptr("tower-renamed.iso")}})); err != nil {
		t.Fatalf("update-elf-image: %v", err)
	}
	isos, err := ct.ElfImage.GetElfImages(elf_image.NewGetElfImagesParams().WithRequestBody(&models.GetElfImagesRequestBody{
		Where: &models.ElfImageWhereInput{ID: &isoID}}))
	if err != nil || len(isos.Payload) != 1 || str(isos.Payload[0].Name) != "tower-renamed.iso" || *isos.Payload[0].Size != st.Size() {
		t.Errorf("get-elf-images after upload and update: %v", err)
	}
	if _, err := ct.ElfImage.DeleteElfImage(elf_image.NewDeleteElfImageParams().WithRequestBody(&models.ElfImageDeletionParams{
		Where: &models.ElfImageWhereInput{ID: &isoID}})); err != nil {
		t.Fatalf("delete-elf-image: %v", err)
	}
	lists()
}
