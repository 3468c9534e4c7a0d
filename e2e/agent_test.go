package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/agent"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
	"github.com/kumo-cloud/kumo/internal/hypervisor/qemu"
	"github.com/kumo-cloud/kumo/internal/storage"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// extraAgent is a host agent of its own (own data dir, own port) on this
// machine, joined like a remote `kumo agent`.
type extraAgent struct {
	t        *testing.T
	dir      string
	name     string
	bootedAt time.Time
	token    string // the join token it used
	stop     func()
}

// newExtraAgent joins an agent named name to k's cluster and runs it. The
// agent's VMs are killed when the test ends.
func newExtraAgent(t *testing.T, k *kumo, name string) *extraAgent {
	t.Helper()
	return newExtraAgentIn(t, k, name, "")
}

// newExtraAgentIn is newExtraAgent joining pool ("": the default).
func newExtraAgentIn(t *testing.T, k *kumo, name, pool string) *extraAgent {
	t.Helper()
	tok, err := k.c.CreateJoinToken(ctxT(t), api.JoinTokensPost{Pool: pool})
	if err != nil {
		t.Fatal(err)
	}
	a := &extraAgent{t: t, dir: t.TempDir(), name: name, token: tok.Token}
	t.Cleanup(func() { killVMs(a.dir) })
	a.run(tok.Token)
	t.Cleanup(func() { a.halt() })
	return a
}

// run starts the agent; the token is needed only before it has joined.
func (a *extraAgent) run(token string) {
	a.t.Helper()
	drv, err := qemu.New(qemu.Options{Accel: hypervisor.AccelTCG, Logger: testLogger(a.t)})
	if err != nil {
		a.t.Fatal(err)
	}
	ag, err := agent.New(context.Background(), agent.Config{DataDir: a.dir, Name: a.name, Listen: "127.0.0.1:0",
		JoinToken: token, Driver: drv, Volumes: storage.NewQemuImg(), Accel: hypervisor.AccelTCG,
		Logger: testLogger(a.t), BootedAt: a.bootedAt})
	if err != nil {
		a.t.Fatalf("agent %s: %v", a.name, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); ag.Run(ctx) }()
	a.stop = func() { cancel(); <-done }
}

// halt stops the agent process (its VMs keep running); halting a halted
// agent does nothing.
func (a *extraAgent) halt() {
	if a.stop != nil {
		a.stop()
		a.stop = nil
	}
}

// restart halts the agent and runs it again with its saved identity.
func (a *extraAgent) restart() {
	a.halt()
	a.run("")
}
