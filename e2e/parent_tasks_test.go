package e2e

import (
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// TestParentTasksSurviveRestart makes one request over many tasks through
// each dialect that has such requests: a Nano batch create, a ZStack API
// job, a CloudTower start-vm matching two VMs. The controller restarts
// while their children run; afterwards each is polled through its own
// API as if nothing happened, and GET /v1/tasks shows each as a parent
// task with its children.
func TestParentTasksSurviveRestart(t *testing.T) {
	k := startKumo(t, withZStack, withCloudTower)
	img := k.uploadGuest("guest")
	stopped := []api.VM{
		k.createVM(api.VMsPost{Name: "tower-1", Image: img.Name, MemoryMiB: 128}),
		k.createVM(api.VMsPost{Name: "tower-2", Image: img.Name, MemoryMiB: 128}),
	}

	n := k.nano(t)
	n.login()
	var batch struct{ ID string }
	n.must(202, "POST", "/batch/create_guest/", map[string]any{
		"name_prefix": "nb", "count": 2, "cores": 1, "memory": 128 << 20, "from_image": img.ID,
	}, &batch)

	zs := &zstackClient{t: t, base: "http://" + k.srv.ZStackAddr()}
	zs.session = zs.login("/zstack/v1/accounts/login", "logInByAccount", map[string]any{"accountName": "admin", "password": adminPassword})
	jobID := "5e1f0a2b3c4d4e5f8a6b7c8d9e0f1a2b"
	r := zs.do("POST", "/zstack/v1/vm-instances", map[string]any{"params": map[string]any{"name": "zs-job",
		"imageUuid": zid(img.ID), "cpuNum": 1, "memorySize": 128 << 20}}, map[string]string{"X-Job-UUID": jobID})
	if r.status != http.StatusAccepted {
		t.Fatalf("CreateVmInstance: %d %v", r.status, r.body)
	}
	jobPath := "/zstack/v1/api-jobs/" + jobID
	if loc, _ := r.body["location"].(string); !strings.HasSuffix(loc, jobPath) {
		t.Fatalf("job location %q, want it to end in %s", loc, jobPath)
	}

	tower := k.tower(t)
	tower.login()
	var started []withTaskReply
	tower.must("start-vm", map[string]any{"where": map[string]any{"id_in": []string{stopped[0].ID, stopped[1].ID}}}, &started)
	if len(started) != 2 || started[0].TaskID == nil || started[1].TaskID == nil {
		t.Fatalf("start-vm of two VMs: %+v", started)
	}

	// Restart while the children run (creating and starting QEMUs takes
	// seconds). The dialects listen on new ports; sessions persist.
	k.restart()
	n.base = "http://" + k.srv.NanoAddr() + "/api/v1"
	zs.base = "http://" + k.srv.ZStackAddr()
	tower.base = "http://" + k.srv.CloudTowerAddr()

	created := waitBatch(t, n, "/batch/create_guest/"+batch.ID)
	if len(created) != 2 || created[0].Status != "created" || created[1].Status != "created" {
		t.Fatalf("Nano batch after the restart: %+v", created)
	}
	var job zsReply
	eventually(t, 2*time.Minute, "ZStack job "+jobID, func() (bool, string) {
		job = zs.do("GET", jobPath, nil, nil)
		return job.status != http.StatusAccepted, ""
	})
	inv, _ := job.body["inventory"].(map[string]any)
	if job.status != http.StatusOK || inv["name"] != "zs-job" || inv["uuid"] == nil {
		t.Fatalf("ZStack job after the restart: %d %v", job.status, job.body)
	}
	for _, s := range started {
		tower.waitTask(s.TaskID)
	}

	// The same three requests, seen from /v1: parents with their
	// children, all over.
	child, err := k.c.Task(ctxT(t), *started[0].TaskID)
	if err != nil || child.ParentID == "" {
		t.Fatalf("CloudTower's child task %+v (%v) has no parent", child, err)
	}
	for _, want := range []struct {
		parent, what string
		kinds        []string
	}{
		{batch.ID, "the Nano batch", []string{"vm.create", "vm.create"}},
		// A job's uuid is its task's id without the hyphens.
		{jobID[:8] + "-" + jobID[8:12] + "-" + jobID[12:16] + "-" + jobID[16:20] + "-" + jobID[20:], "the ZStack job", []string{"vm.create"}},
		{child.ParentID, "the CloudTower call", []string{"vm.start", "vm.start"}},
	} {
		p, err := k.c.WaitTask(ctxT(t), want.parent, nil)
		if err != nil || p.Kind != "group" || p.State != "succeeded" {
			t.Errorf("%s as a /v1 task: %+v %v", want.what, p, err)
			continue
		}
		children, err := k.c.TasksWhere(ctxT(t), api.TasksFilter{Parent: want.parent})
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, c := range children {
			if c.ParentID != want.parent || c.State != "succeeded" {
				t.Errorf("%s: child %+v", want.what, c)
			}
			kinds = append(kinds, c.Kind)
		}
		sort.Strings(kinds)
		if strings.Join(kinds, ",") != strings.Join(want.kinds, ",") {
			t.Errorf("%s has children %v, want %v", want.what, kinds, want.kinds)
		}
	}
	parents, err := k.c.TasksWhere(ctxT(t), api.TasksFilter{Kind: "group"})
	if err != nil || len(parents) != 3 {
		t.Errorf("parent tasks: %d (%v), want 3", len(parents), err)
	}
	// CloudTower's task center has no parents: it lists the children.
	var towerTasks []towerTask
	tower.must("get-tasks", map[string]any{}, &towerTasks)
	for _, tt := range towerTasks {
		if tt.ID == child.ParentID {
			t.Errorf("get-tasks lists the parent task %s", tt.ID)
		}
	}
}
