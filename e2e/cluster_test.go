package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/agent"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/hypervisor/qemu"
	"github.com/kumo-cloud/kumo/internal/server"
	"github.com/kumo-cloud/kumo/internal/storage"
	"github.com/kumo-cloud/kumo/pkg/api"
	"github.com/kumo-cloud/kumo/pkg/client"
)

// TestRemoteAgentAndOfflineHost joins a separate agent with a join token
// (the path a remote `kumo agent` takes), places a VM on it, then stops
// the agent: the host must go offline and its VM be marked lost, and both
// must recover when the agent comes back.
func TestRemoteAgentAndOfflineHost(t *testing.T) {
	k := startKumo(t, withoutLocalAgent)
	remote := newExtraAgent(t, k, "remote-1")
	agentDir := remote.dir
	hosts := k.waitHosts(1)
	if hosts[0].Name != "remote-1" {
		t.Fatalf("joined host is named %q", hosts[0].Name)
	}

	// A token admits one agent only.
	other := t.TempDir()
	drv, _ := qemu.New(qemu.Options{Accel: hypervisor.AccelTCG})
	if _, err := agent.New(context.Background(), agent.Config{DataDir: other, Name: "intruder", Listen: "127.0.0.1:0",
		JoinToken: remote.token, Driver: drv, Volumes: storage.NewQemuImg()}); err == nil {
		t.Fatal("a used join token admitted a second agent")
	}

	k.uploadFile("tiny", tinyImage(t))
	vm := k.createVM(api.VMsPost{Name: "on-remote", Image: "tiny", MemoryMiB: 64})
	if vm.Host != hosts[0].ID {
		t.Fatalf("VM placed on %s, want %s", vm.Host, hosts[0].ID)
	}
	if _, err := filepath.Glob(filepath.Join(agentDir, "vms", vm.ID, "root.qcow2")); err != nil {
		t.Fatal(err)
	}

	remote.halt()
	eventually(t, 15*time.Second, "host offline", func() (bool, string) {
		h, err := k.c.Host(context.Background(), hosts[0].ID)
		return err == nil && h.State == "offline", h.State
	})
	k.waitStatus(vm, "lost")
	_, err := k.c.ChangeVMState(ctxT(t), vm.ID, api.VMStatePut{Action: "start"})
	if err == nil {
		// The task is accepted but must fail: the host is unreachable.
		tasks, _ := k.c.Tasks(ctxT(t))
		done, _ := k.c.WaitTask(ctxT(t), tasks[0].ID, nil)
		if done.State != "failed" || done.ErrorCode != "unavailable" {
			t.Fatalf("start on an offline host: %s %s %s", done.State, done.ErrorCode, done.Error)
		}
	}

	// The agent comes back with its saved identity (no token needed).
	remote.run("")
	k.waitHosts(1)
	k.waitStatus(vm, "stopped")
}

// TestAutoStartAtHostBoot acts out a host losing power and booting again:
// the VMs marked auto_start come back up, the others stay stopped.
func TestAutoStartAtHostBoot(t *testing.T) {
	k := startKumo(t, withoutLocalAgent)
	firstBoot := time.Now().Add(-time.Hour).Truncate(time.Second)
	host := &extraAgent{t: t, dir: t.TempDir(), name: "rebooting", bootedAt: firstBoot}
	agentDir := host.dir
	t.Cleanup(func() { killVMs(agentDir) })
	tok, err := k.c.CreateJoinToken(ctxT(t), api.JoinTokensPost{})
	if err != nil {
		t.Fatal(err)
	}
	host.run(tok.Token)
	t.Cleanup(host.halt)
	k.waitHosts(1)
	img := k.uploadGuest("guest")
	n := k.nano(t)
	n.login()
	serial := func(id string) string {
		b, _ := os.ReadFile(filepath.Join(agentDir, "vms", id, "serial.log"))
		return string(b)
	}
	ids := map[bool]string{}
	for _, auto := range []bool{true, false} {
		var g struct{ ID string }
		n.must(202, "POST", "/guests/", map[string]any{"name": fmt.Sprintf("auto-%v", auto), "memory": 128 << 20,
			"from_image": img.ID, "auto_start": auto}, &g)
		eventually(t, 60*time.Second, "guest created", func() (bool, string) {
			r := n.call("GET", "/guests/"+g.ID, nil)
			return r.Status == 200, string(r.Data)
		})
		n.must(200, "POST", "/instances/"+g.ID, map[string]any{}, nil)
		ids[auto] = g.ID
	}
	for _, id := range ids {
		eventually(t, 90*time.Second, "guest ready", func() (bool, string) {
			return strings.Contains(serial(id), "KUMO-GUEST-READY"), lastLine(serial(id))
		})
	}

	// Power loss: the agent and every VM die at once.
	host.halt()
	killVMs(agentDir)
	// The host boots after the power loss, so after its VMs' QEMUs
	// started: they ended with the host, they did not crash.
	host.bootedAt = time.Now()
	host.run("")
	eventually(t, 90*time.Second, "auto-start guest booted again", func() (bool, string) {
		return strings.Count(serial(ids[true]), "KUMO-GUEST-READY") >= 2, lastLine(serial(ids[true]))
	})
	k.waitStatus(api.VM{ID: ids[true], Name: "auto-true"}, "running")
	other := k.waitStatus(api.VM{ID: ids[false], Name: "auto-false"}, "stopped")
	if other.PowerState != "stopped" {
		t.Errorf("the VM without auto_start wants to be %s", other.PowerState)
	}
	// A heartbeat without a new boot starts nothing: stop the auto-start
	// VM, restart the agent with the same boot time, and it stays down.
	k.mustTask(k.action(api.VM{ID: ids[true]}, "poweroff"))
	host.restart()
	k.waitHosts(1)
	time.Sleep(2 * time.Second) // a few heartbeats; a start takes well under a second
	if pidAlive(filepath.Join(agentDir, "vms", ids[true], "qemu.pid")) != 0 {
		t.Error("auto-start VM started again without a host boot")
	}
}

// TestRemoveHost retires a machine: its host cannot be removed while its
// agent runs or while it holds a VM; once it is offline and empty it is
// removed, its pool can then be deleted, and its old agent identity no
// longer brings it back.
func TestRemoveHost(t *testing.T) {
	k := startKumo(t, withoutLocalAgent)
	ctx := ctxT(t)
	if _, err := k.c.CreatePool(ctx, api.PoolsPost{Name: "rack-2"}); err != nil {
		t.Fatal(err)
	}
	remote := newExtraAgentIn(t, k, "retiring", "rack-2")
	host := k.waitHosts(1)[0]
	wantConflict := func(what, words string) {
		t.Helper()
		err := k.c.RemoveHost(ctx, host.Name)
		var ce *client.Error
		if !errors.As(err, &ce) || ce.Status != http.StatusConflict || !strings.Contains(ce.Message, words) {
			t.Fatalf("remove %s: %v, want 409 saying %q", what, err, words)
		}
	}
	wantConflict("an online host", "is online")

	k.uploadFile("tiny", tinyImage(t))
	vm := k.createVM(api.VMsPost{Name: "last-one", Image: "tiny", MemoryMiB: 64, Pool: "rack-2"})
	remote.halt()
	waitOffline := func() {
		t.Helper()
		eventually(t, 15*time.Second, "host offline", func() (bool, string) {
			h, err := k.c.Host(ctx, host.ID)
			return err == nil && h.State == "offline", h.State
		})
	}
	waitOffline()
	wantConflict("a host with a VM", "holds 1 VMs (last-one)")

	remote.run("")
	k.waitHosts(1)
	k.mustTask(mustDelete(t, k, vm.ID))
	remote.halt()
	waitOffline()
	if err := k.c.RemoveHost(ctx, host.Name); err != nil {
		t.Fatalf("remove an offline, empty host: %v", err)
	}
	if _, err := k.c.Host(ctx, host.ID); err == nil {
		t.Fatal("the removed host is still listed")
	}
	if err := k.c.DeletePool(ctx, "rack-2"); err != nil {
		t.Fatalf("delete the pool of the removed host: %v", err)
	}

	// Its agent, started again with its old identity, is not let back.
	remote.run("")
	time.Sleep(5 * k.cfg.Service.HeartbeatInterval)
	if hosts, err := k.c.Hosts(ctx); err != nil || len(hosts) != 0 {
		t.Fatalf("hosts after the removed agent came back: %+v %v", hosts, err)
	}
}

func mustDelete(t *testing.T, k *kumo, id string) api.Task {
	t.Helper()
	task, err := k.c.DeleteVM(ctxT(t), id)
	if err != nil {
		t.Fatalf("delete VM %s: %v", id, err)
	}
	return task
}

// TestJoinTokenAddress: a token for an agent on another machine is
// refused while the cluster listener is loopback only (the default), with
// the way out in the message; one for this machine, or once an address
// is advertised, names the address the agent will dial.
func TestJoinTokenAddress(t *testing.T) {
	k := startKumo(t, withoutLocalAgent)
	_, err := k.c.CreateJoinToken(ctxT(t), api.JoinTokensPost{Remote: true})
	wantAPIError(t, "remote token on loopback", err, http.StatusConflict)
	if err != nil && !strings.Contains(err.Error(), "--cluster-listen") {
		t.Errorf("refusal does not say how to fix it: %v", err)
	}
	tok, err := k.c.CreateJoinToken(ctxT(t), api.JoinTokensPost{})
	if err != nil || !strings.HasPrefix(tok.Address, "https://127.0.0.1:") || tok.Token == "" {
		t.Fatalf("same-machine token: %+v, %v", tok, err)
	}

	adv := startKumo(t, withoutLocalAgent, func(c *server.Config) { c.ClusterAdvertise = "192.0.2.10" })
	tok, err = adv.c.CreateJoinToken(ctxT(t), api.JoinTokensPost{Remote: true})
	if err != nil || !strings.HasPrefix(tok.Address, "https://192.0.2.10:") {
		t.Fatalf("remote token with an advertised address: %+v, %v", tok, err)
	}
}

// TestEvacuateHost: a host in maintenance takes no new VMs; evacuating a
// host moves its running VM live to the other host (the guest keeps
// ticking) as children of one parent task, and leaves its stopped VM
// where its disk is, saying so.
func TestEvacuateHost(t *testing.T) {
	k := startKumo(t)
	spare := newExtraAgent(t, k, "spare")
	_ = spare
	img := k.uploadGuest("guest")
	hosts := k.waitHosts(2)
	ctx := ctxT(t)
	var local, other api.Host
	for _, h := range hosts {
		if h.Name == "spare" {
			other = h
		} else {
			local = h
		}
	}
	// With the spare in maintenance, new VMs go to the local host.
	if h, err := k.c.SetHostMaintenance(ctx, other.Name, true); err != nil || !h.Maintenance {
		t.Fatalf("maintenance on: %+v %v", h, err)
	}
	mover := k.createVM(api.VMsPost{Name: "mover", Image: img.ID, MemoryMiB: 128, Start: true})
	stayer := k.createVM(api.VMsPost{Name: "stayer", Image: img.ID, MemoryMiB: 64})
	for _, v := range []api.VM{mover, stayer} {
		if v.Host != local.ID {
			t.Fatalf("%s was placed on %s while the other host is in maintenance", v.Name, v.HostName)
		}
	}
	if list, _ := k.c.Hosts(ctx); len(list) != 2 {
		t.Fatalf("hosts: %+v", list)
	}
	_, err := k.c.MigrateVM(ctx, mover.ID, api.VMMigratePost{Host: other.Name})
	wantAPIError(t, "migrate to a host in maintenance", err, http.StatusServiceUnavailable)
	if _, err := k.c.SetHostMaintenance(ctx, other.Name, false); err != nil {
		t.Fatal(err)
	}
	k.waitSerial(mover, "KUMO-GUEST-READY", 1)

	parent, err := k.c.EvacuateHost(ctx, local.Name)
	if err != nil {
		t.Fatal(err)
	}
	parent = k.mustTask(parent)
	children, err := k.c.TasksWhere(ctx, api.TasksFilter{Parent: parent.ID})
	if err != nil || len(children) != 1 || children[0].Kind != "vm.migrate" || children[0].TargetID != mover.ID || children[0].State != "succeeded" {
		t.Fatalf("the evacuation's children: %+v %v", children, err)
	}
	if !strings.Contains(string(parent.Result), "stays on the host") {
		t.Errorf("the evacuation does not say why the stopped VM stayed: %s", parent.Result)
	}
	if v, _ := k.c.VM(ctx, mover.ID); v.Host != other.ID || v.Status != "running" {
		t.Errorf("mover after the evacuation: on %s, %s", v.HostName, v.Status)
	}
	if v, _ := k.c.VM(ctx, stayer.ID); v.Host != local.ID {
		t.Errorf("the stopped VM moved to %s", v.HostName)
	}
	if h, _ := k.c.Host(ctx, local.ID); !h.Maintenance {
		t.Error("the evacuated host is not in maintenance")
	}
	// The guest lives on, on the other host.
	before := ticks(k.serial(mover))
	eventually(t, 30*time.Second, "the migrated guest ticking", func() (bool, string) {
		n := ticks(serialOn(t, spare.dir, mover.ID))
		return n > before, fmt.Sprint(n)
	})
	// And a new VM goes to the host not in maintenance.
	if v := k.createVM(api.VMsPost{Name: "newcomer", Image: img.ID, MemoryMiB: 64}); v.Host != other.ID {
		t.Errorf("a new VM went to %s, in maintenance", v.HostName)
	}
}

// serialOn reads a VM's serial log in an agent's data dir.
func serialOn(t *testing.T, agentDir, vmID string) string {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(agentDir, "vms", vmID, "serial.log"))
	return string(b)
}
