package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kumo-cloud/kumo/internal/store"
)

// controllerLease is the name of the lease a control plane holds on its
// database. Until several controllers can share a database, the one
// holding it is the only one that serves, and so the only one that
// resumes tasks.
const controllerLease = "controller"

// defaultLeaseTTL is how long a lease lasts unrenewed; it is renewed every
// third of that. A controller killed without releasing it blocks another
// one (not itself: see controllerID) for at most this long.
const defaultLeaseTTL = 15 * time.Second

// lockDataDir takes an exclusive lock on the data dir for as long as the
// process lives (the kernel drops it when the process dies, however it
// dies), so two servers never share one data dir.
func lockDataDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "kumo.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock the data dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		pid, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another kumo server (pid %s) is running with data dir %s", strings.TrimSpace(string(pid)), dir)
		}
		return nil, fmt.Errorf("lock the data dir: %w", err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return f, nil
}

// controllerID is this control plane's identity as a lease holder, kept
// in its data dir: a restart of the same controller (after a crash, say)
// takes its own lease back at once, while a controller with another data
// dir waits for it to expire.
func controllerID(dir string) (string, error) {
	path := filepath.Join(dir, "controller-id")
	if raw, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(raw))) > 0 {
		return strings.TrimSpace(string(raw)), nil
	} else if !errors.Is(err, os.ErrNotExist) && err != nil {
		return "", fmt.Errorf("read controller id: %w", err)
	}
	b := make([]byte, 16)
	rand.Read(b)
	id := hex.EncodeToString(b)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write controller id: %w", err)
	}
	return id, os.Rename(tmp, path)
}

// lease is a held controller lease, renewed until stopped.
type lease struct {
	db          *store.DB
	holder      string
	description string
	ttl         time.Duration
	log         *slog.Logger
	stop        chan struct{}
	done        chan struct{}
	// lost is closed when another controller took the lease.
	lost chan struct{}
}

// acquireLease takes the controller lease or explains who holds it.
func acquireLease(ctx context.Context, db *store.DB, dataDir string, ttl time.Duration, log *slog.Logger) (*lease, error) {
	if ttl == 0 {
		ttl = defaultLeaseTTL
	}
	id, err := controllerID(dataDir)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	desc := fmt.Sprintf("kumo server on %s (pid %d, data dir %s)", host, os.Getpid(), dataDir)
	cur, err := db.AcquireLease(ctx, controllerLease, id, desc, time.Now(), ttl)
	if errors.Is(err, store.ErrLeaseHeld) {
		return nil, fmt.Errorf("the database is in use by another control plane: %s, whose lease runs until %s; "+
			"stop it first, or wait until its lease expires (%s after it stopped)",
			cur.Description, cur.ExpiresAt.Local().Format(time.RFC3339), ttl)
	}
	if err != nil {
		return nil, fmt.Errorf("take the controller lease: %w", err)
	}
	l := &lease{db: db, holder: id, description: desc, ttl: ttl, log: log,
		stop: make(chan struct{}), done: make(chan struct{}), lost: make(chan struct{})}
	go l.renew()
	return l, nil
}

// renew renews the lease every third of its TTL. A renewal that fails on
// a database error is retried at the next tick (the lease is still ours
// until it expires); one refused because another holder has it now
// closes lost.
func (l *lease) renew() {
	defer close(l.done)
	tick := time.NewTicker(l.ttl / 3)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.ttl/3)
		cur, err := l.db.AcquireLease(ctx, controllerLease, l.holder, l.description, time.Now(), l.ttl)
		cancel()
		switch {
		case errors.Is(err, store.ErrLeaseHeld):
			l.log.Error("another control plane took the database lease: stopping", "holder", cur.Description)
			close(l.lost)
			return
		case err != nil:
			l.log.Warn("renew the controller lease", "err", err)
		}
	}
}

// release stops renewing and gives the lease up, so the next controller
// need not wait for it to expire.
func (l *lease) release() {
	select {
	case <-l.stop:
		return
	default:
	}
	close(l.stop)
	<-l.done
	select {
	case <-l.lost:
		return
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.db.ReleaseLease(ctx, controllerLease, l.holder); err != nil {
		l.log.Warn("release the controller lease", "err", err)
	}
}
