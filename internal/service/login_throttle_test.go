package service

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// fakeClock is the throttle's clock in tests: time moves only when the
// test says so.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// throttledService is a service whose login throttle runs on a fake
// clock, with a first admin whose password is adminPW.
func throttledService(t *testing.T, limits LoginThrottleConfig) (*Service, *fakeClock) {
	t.Helper()
	s := newTestService(t, Config{Logins: limits})
	clock := &fakeClock{t: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	s.logins.now = clock.now
	if _, _, err := s.EnsureAdmin(context.Background(), "admin", adminPW); err != nil {
		t.Fatal(err)
	}
	return s, clock
}

const (
	adminPW = "the-admin-password"
	wrongPW = "not-it-7f3a"
)

// loginCode returns the code a login ended with ("" for a success) and
// the wait a refusal asked for.
func loginCode(s *Service, ctx context.Context, name, password string) (model.ErrorCode, time.Duration) {
	_, _, err := s.Login(ctx, name, password)
	if err == nil {
		return "", 0
	}
	return model.CodeOf(err), model.RetryAfterOf(err)
}

func failedLoginLogs(t *testing.T, s *Service) []model.OperationLog {
	t.Helper()
	logs, _, err := s.db.ListOperationLogs(context.Background(), store.LogFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []model.OperationLog
	for _, l := range logs {
		if strings.Contains(l.Content, " login as ") {
			out = append(out, l)
		}
	}
	return out
}

func TestLoginThrottleDelaysDoubleAndLockOut(t *testing.T) {
	s, clock := throttledService(t, LoginThrottleConfig{
		PerName:    LoginLimits{FreeFailures: 3, Delay: time.Second, MaxDelay: 3 * time.Second, LockoutFailures: 6, Lockout: time.Minute},
		PerAddress: LoginLimits{FreeFailures: 1000, LockoutFailures: 1000},
	})
	ctx := WithSource(context.Background(), "192.0.2.7:40000")
	want := func(step string, password string, code model.ErrorCode, wait time.Duration) {
		t.Helper()
		got, gotWait := loginCode(s, ctx, "admin", password)
		if got != code || gotWait != wait {
			t.Fatalf("%s: login ended %q (wait %s), want %q (wait %s)", step, got, gotWait, code, wait)
		}
	}
	for i := 1; i <= 3; i++ {
		want(fmt.Sprintf("free failure %d", i), wrongPW, model.CodeUnauthenticated, 0)
	}
	want("right after the free failures", wrongPW, model.CodeTooManyRequests, time.Second)
	want("the right password during the delay", adminPW, model.CodeTooManyRequests, time.Second)
	clock.advance(time.Second)
	want("after the first delay", wrongPW, model.CodeUnauthenticated, 0)
	want("the delay doubled", wrongPW, model.CodeTooManyRequests, 2*time.Second)
	clock.advance(2 * time.Second)
	want("after the second delay", wrongPW, model.CodeUnauthenticated, 0)
	want("the delay is capped", wrongPW, model.CodeTooManyRequests, 3*time.Second)
	clock.advance(3 * time.Second)
	want("the failure that locks out", wrongPW, model.CodeUnauthenticated, 0)
	want("the right password during the lockout", adminPW, model.CodeTooManyRequests, time.Minute)
	clock.advance(59 * time.Second)
	want("a second before the lockout ends", adminPW, model.CodeTooManyRequests, time.Second)
	clock.advance(time.Second)
	want("after the lockout", adminPW, "", 0)
	// The success forgot the failures: three free ones again.
	for i := 1; i <= 3; i++ {
		want(fmt.Sprintf("free failure %d after the success", i), wrongPW, model.CodeUnauthenticated, 0)
	}
	want("delayed again", wrongPW, model.CodeTooManyRequests, time.Second)

	logs := failedLoginLogs(t, s)
	// 3+1+1+1 failures and 6 refusals before the success, 3 failures
	// and 1 refusal after it.
	if len(logs) != 16 {
		t.Fatalf("%d failed logins in the operation log, want 16: %+v", len(logs), logs)
	}
	refused := 0
	for _, l := range logs {
		if l.Address != "192.0.2.7" || !strings.Contains(l.Content, `"admin" from 192.0.2.7`) {
			t.Fatalf("entry without the name and source: %+v", l)
		}
		if strings.Contains(l.Content, wrongPW) || strings.Contains(l.Content, adminPW) {
			t.Fatalf("entry holds a password: %+v", l)
		}
		if strings.Contains(l.Content, " refused: too many failed logins") {
			refused++
		}
	}
	if refused != 7 {
		t.Fatalf("%d refused attempts logged, want 7", refused)
	}
}

func TestLoginThrottlePerAddress(t *testing.T) {
	s, clock := throttledService(t, LoginThrottleConfig{
		PerName:    LoginLimits{FreeFailures: 1000, LockoutFailures: 1000},
		PerAddress: LoginLimits{FreeFailures: 4, Delay: time.Second, LockoutFailures: 5, Lockout: 10 * time.Second},
	})
	sprayer := WithSource(context.Background(), "[2001:db8:1:2::99]:5000")
	// Another address of the same /64 is the same machine.
	neighbour := WithSource(context.Background(), "[2001:db8:1:2::42]:6000")
	other := WithSource(context.Background(), "198.51.100.3:7000")
	for i := 0; i < 4; i++ {
		if code, _ := loginCode(s, sprayer, fmt.Sprintf("user%d", i), "guess"); code != model.CodeUnauthenticated {
			t.Fatalf("guess %d: %q", i, code)
		}
	}
	if code, wait := loginCode(s, neighbour, "user9", "guess"); code != model.CodeTooManyRequests || wait != time.Second {
		t.Fatalf("a fifth name from the same /64: %q, wait %s", code, wait)
	}
	if code, _ := loginCode(s, other, "admin", adminPW); code != "" {
		t.Fatalf("the admin from another address: %q", code)
	}
	// A valid login does not reset its address: the sprayer has one
	// guess more, which locks the address out.
	clock.advance(time.Second)
	if code, _ := loginCode(s, sprayer, "admin", adminPW); code != "" {
		t.Fatalf("the admin from the sprayer's address after the delay: %q", code)
	}
	if code, _ := loginCode(s, sprayer, "user5", "guess"); code != model.CodeUnauthenticated {
		t.Fatalf("the fifth guess: %q", code)
	}
	if code, wait := loginCode(s, sprayer, "admin", adminPW); code != model.CodeTooManyRequests || wait != 10*time.Second {
		t.Fatalf("the admin from a locked-out address: %q, wait %s", code, wait)
	}
}

// A flood of parallel guesses cannot get more than the free ones
// evaluated before the first of them has failed.
func TestLoginThrottleParallelFlood(t *testing.T) {
	s, _ := throttledService(t, LoginThrottleConfig{
		PerName:    LoginLimits{FreeFailures: 3, LockoutFailures: 5},
		PerAddress: LoginLimits{FreeFailures: 1000, LockoutFailures: 1000},
	})
	ctx := WithSource(context.Background(), "203.0.113.5:1")
	var mu sync.Mutex
	codes := map[model.ErrorCode]int{}
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := loginCode(s, ctx, "admin", "guess")
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[model.CodeUnauthenticated] != 3 || codes[model.CodeTooManyRequests] != 37 {
		t.Fatalf("40 parallel guesses ended %v, want 3 evaluated and 37 refused", codes)
	}
	if n := len(failedLoginLogs(t, s)); n != 40 {
		t.Fatalf("%d failed logins logged, want 40", n)
	}
}

func TestLoginThrottleWalletSignatures(t *testing.T) {
	s, _ := throttledService(t, LoginThrottleConfig{
		PerName:    LoginLimits{FreeFailures: 2, LockoutFailures: 3},
		PerAddress: LoginLimits{FreeFailures: 1000, LockoutFailures: 1000},
	})
	ctx := WithSource(context.Background(), "203.0.113.9:1")
	pub, priv, _ := ed25519.GenerateKey(nil)
	wallet := SS58Address(pub)
	_, otherKey, _ := ed25519.GenerateKey(nil)
	badSign := hex.EncodeToString(ed25519.Sign(otherKey, []byte("n1")))
	for i := 0; i < 2; i++ {
		if _, err := s.AuthenticateWallet(ctx, wallet, fmt.Sprintf("n%d", i), badSign); !model.IsCode(err, model.CodeUnauthenticated) {
			t.Fatalf("bad signature %d: %v", i, err)
		}
	}
	good := hex.EncodeToString(ed25519.Sign(priv, []byte("n9")))
	if _, _, err := s.LoginWallet(ctx, wallet, "n9", good); !model.IsCode(err, model.CodeTooManyRequests) {
		t.Fatalf("a good signature after two bad ones: %v", err)
	}
	logs := failedLoginLogs(t, s)
	if len(logs) != 3 || !strings.Contains(logs[0].Content, "wallet signature login as \"dbc:"+wallet+"\" from 203.0.113.9 refused") {
		t.Fatalf("logged: %+v", logs)
	}
}

// Neither a flood of names nor of addresses grows the table beyond its
// cap, and keys whose window is over are forgotten.
func TestLoginThrottleMemoryBounded(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1e9, 0)}
	th := newLoginThrottle(LoginThrottleConfig{MaxEntries: 200,
		PerName: LoginLimits{Window: time.Minute}, PerAddress: LoginLimits{Window: time.Minute}}, clock.now)
	failed := model.Errorf(model.CodeUnauthenticated, "wrong")
	for i := 0; i < 20000; i++ {
		a, err := th.admit(fmt.Sprintf("name-%d-%s", i, strings.Repeat("x", i%300)), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		if err != nil {
			t.Fatalf("attempt %d refused: %v", i, err)
		}
		a.done(failed)
		if n := th.size(); n > 200 {
			t.Fatalf("%d keys after %d attempts, cap 200", n, i+1)
		}
	}
	// A hot key survives a flood of others that come and go.
	for i := 0; i < 5; i++ {
		a, _ := th.admit("victim", "")
		a.done(failed)
	}
	for i := 0; i < 50; i++ {
		a, _ := th.admit(fmt.Sprintf("passer-by-%d", i), "")
		a.done(nil)
	}
	if _, err := th.admit("victim", ""); !model.IsCode(err, model.CodeTooManyRequests) {
		t.Fatalf("the victim's delay was lost: %v", err)
	}
	// Once every window is over, successes leave nothing behind and new
	// keys replace the old ones.
	clock.advance(16 * time.Minute)
	for i := 0; i < 400; i++ {
		a, err := th.admit(fmt.Sprintf("late-%d", i), "")
		if err != nil {
			t.Fatal(err)
		}
		a.done(nil)
	}
	if n := th.size(); n > 200 {
		t.Fatalf("%d keys after the windows ended", n)
	}
}
