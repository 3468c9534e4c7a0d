package service

import (
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

func TestTriggerSchedule(t *testing.T) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	once := model.ScheduleTrigger{Kind: model.TriggerSimple, StartAt: start}
	if triggerDue(once, start.Add(-time.Second)) || !triggerDue(once, start) {
		t.Fatal("a one-shot trigger fires at its start")
	}
	triggerFired(&once, start)
	if triggerDue(once, start.Add(time.Hour)) {
		t.Fatal("a one-shot trigger fired twice")
	}
	every := model.ScheduleTrigger{Kind: model.TriggerSimple, StartAt: start, Interval: time.Minute, Repeat: 3}
	fires := 0
	for s := 0; s < 600; s++ {
		now := start.Add(time.Duration(s) * time.Second)
		if triggerDue(every, now) {
			triggerFired(&every, now)
			fires++
		}
	}
	if fires != 3 {
		t.Fatalf("repeatCount 3 fired %d times", fires)
	}
	// After downtime, missed firings are skipped, not replayed.
	forever := model.ScheduleTrigger{Kind: model.TriggerSimple, StartAt: start, Interval: 10 * time.Second}
	late := start.Add(time.Hour)
	triggerFired(&forever, late)
	if triggerDue(forever, late.Add(time.Second)) || !triggerDue(forever, late.Add(10*time.Second)) {
		t.Fatalf("catch-up after downtime: fireCount %d", forever.FireCount)
	}
	cronT := model.ScheduleTrigger{Kind: model.TriggerCron, Cron: "*/5 * * * * *", StartAt: start}
	if !triggerDue(cronT, start) {
		t.Fatal("cron every 5 s: not due at its start")
	}
	triggerFired(&cronT, start)
	if triggerDue(cronT, start.Add(3*time.Second)) || !triggerDue(cronT, start.Add(5*time.Second)) {
		t.Fatal("cron every 5 s: wrong next firing")
	}
}

// TestScheduleJobsFollowTheirObjects checks the foreign keys: deleting a
// VM removes its jobs, deleting a user its jobs and triggers, and a job
// runs as its owner (a user who may not stop the VM gets a failed job).
func TestScheduleJobsFollowTheirObjects(t *testing.T) {
	s := newTestService(t, Config{})
	account, _, img := quotaFixture(t, s)
	s.tasks.Close() // no agent runs here
	vm, _, err := s.CreateVM(account, CreateVMRequest{Name: "sched", Image: img.ID, MemoryMiB: 64})
	if err != nil {
		t.Fatal(err)
	}
	j, err := s.CreateScheduleJob(account, CreateScheduleJobRequest{Name: "stop", VM: vm.ID, Action: model.ScheduleStop})
	if err != nil || j.Owner != "acme" || !j.Enabled {
		t.Fatalf("job = %+v, %v", j, err)
	}
	tr, err := s.CreateScheduleTrigger(account, CreateScheduleTriggerRequest{Name: "soon", StartAt: now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.LinkScheduleJob(account, j.ID, tr.ID, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetScheduleTrigger(account, tr.ID); len(got.Jobs) != 1 || got.Jobs[0] != j.ID {
		t.Fatalf("trigger's jobs = %v", got.Jobs)
	}
	_, err = s.CreateScheduleJob(account, CreateScheduleJobRequest{Name: "x", VM: vm.ID, Action: "explode"})
	wantCode(t, "an unknown action", err, model.CodeInvalidArgument)
	// Another tenant's user neither sees nor schedules the VM.
	if _, _, err := s.CreateTenant(adminCtx(), CreateTenantRequest{Name: "other", AdminPassword: "other-password"}); err != nil {
		t.Fatal(err)
	}
	stranger := loginAs(t, s, "other", "other-password")
	_, err = s.CreateScheduleJob(stranger, CreateScheduleJobRequest{Name: "x", VM: vm.ID, Action: model.ScheduleStop})
	wantCode(t, "a job on another tenant's VM", err, model.CodeNotFound)
	if _, err := s.GetScheduleJob(stranger, j.ID); !model.IsCode(err, model.CodeNotFound) {
		t.Fatalf("another tenant sees the job: %v", err)
	}
	// Deleting the VM deletes its job; the trigger stays, empty.
	if err := s.db.DeleteVM(adminCtx(), vm.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetScheduleJob(account, j.ID); !model.IsCode(err, model.CodeNotFound) {
		t.Fatalf("job of a deleted VM: %v", err)
	}
	if got, err := s.GetScheduleTrigger(account, tr.ID); err != nil || len(got.Jobs) != 0 {
		t.Fatalf("trigger after its job went: %+v, %v", got, err)
	}
	// Deleting the owner deletes its triggers.
	if err := s.db.DeleteImage(adminCtx(), img.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTenant(adminCtx(), "acme"); err != nil {
		t.Fatal(err)
	}
	if ts, _ := s.db.ListScheduleTriggers(adminCtx()); len(ts) != 0 {
		t.Fatalf("triggers of a deleted user: %+v", ts)
	}
}
