package agent

import (
	"context"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/hostlink"
)

// A crash (of the agent, or of the all-in-one server it runs in) can leave
// temporary files (a full clone's ".root.qcow2.<n>.tmp", a half-fetched
// image ".part-") and directories of VMs whose create was then undone. The
// agent sweeps them when it starts: temporaries before it serves (no call
// can be making one then), directories only after the controller says no
// VM claims them.

// sweepTemporaries removes the temporary files under the agent's VM and
// image directories, and under the storage-pool directories its VMs'
// disks link to. It runs before the agent serves.
func (a *Agent) sweepTemporaries() []hostlink.SweptFile {
	var swept []hostlink.SweptFile
	remove := func(path string) {
		info, err := os.Lstat(path)
		if err != nil || !info.Mode().IsRegular() {
			return
		}
		if err := os.Remove(path); err != nil {
			a.log.Warn("remove a temporary file a crash left", "file", a.relative(path), "err", err)
			return
		}
		swept = append(swept, hostlink.SweptFile{Path: a.relative(path), Bytes: info.Size()})
	}
	if entries, err := os.ReadDir(a.vmDir); err == nil {
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			dir := a.dir(e.Name())
			dirs := []string{dir}
			// A disk in a storage pool: its temporaries are beside it.
			if target, err := os.Readlink(a.rootDisk(e.Name())); err == nil && filepath.Base(filepath.Dir(target)) == e.Name() {
				dirs = append(dirs, filepath.Dir(target))
			}
			for _, d := range dirs {
				files, _ := os.ReadDir(d)
				for _, f := range files {
					if strings.HasSuffix(f.Name(), ".tmp") {
						remove(filepath.Join(d, f.Name()))
					}
				}
			}
		}
	}
	if files, err := os.ReadDir(a.imageDir()); err == nil {
		for _, f := range files {
			if strings.Contains(f.Name(), ".part-") {
				remove(filepath.Join(a.imageDir(), f.Name()))
			}
		}
	}
	return swept
}

// relative names a file by its path under the data dir, for reports.
func (a *Agent) relative(path string) string {
	if rel, err := filepath.Rel(a.cfg.DataDir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return filepath.Base(path)
}

// sweepUnclaimed asks the controller which VM directories belong to no
// VM, removes those (powering off a QEMU still running there: no API can
// reach it), and reports what it removed with the temporaries. It keeps
// asking until the controller answers or ctx ends.
func (a *Agent) sweepUnclaimed(ctx context.Context, temporaries []hostlink.SweptFile) {
	entries, err := os.ReadDir(a.vmDir)
	if err != nil {
		a.log.Warn("list VM directories", "err", err)
		return
	}
	claims := hostlink.SweepClaims{HostID: a.id.HostID, VMs: []string{}}
	for _, e := range entries {
		if e.IsDir() {
			claims.VMs = append(claims.VMs, e.Name())
		}
	}
	var unclaimed hostlink.SweepUnclaimed
	for backoff := 500 * time.Millisecond; ; backoff = min(2*backoff, 10*time.Second) {
		err := hostlink.DoJSON(ctx, a.ctl, http.MethodPost, a.id.Controller+hostlink.PathSweepClaims, claims, &unclaimed)
		if err == nil {
			break
		}
		a.log.Debug("ask the controller which VM directories are claimed", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
	}
	rep := hostlink.SweepReport{HostID: a.id.HostID, Temporaries: temporaries}
	for _, id := range unclaimed.VMs {
		if !filepath.IsLocal(id) || strings.ContainsRune(id, filepath.Separator) {
			continue
		}
		size := dirSize(a.dir(id))
		unlock := a.lock(id)
		err := a.delete(ctx, id)
		unlock()
		if err != nil {
			a.log.Warn("remove the directory of a deleted VM", "vm", id, "err", err)
			continue
		}
		a.log.Info("removed the directory of a VM that no longer exists", "vm", id, "bytes", size)
		rep.VMs = append(rep.VMs, hostlink.SweptFile{Path: id, Bytes: size})
	}
	if len(rep.VMs) == 0 && len(rep.Temporaries) == 0 {
		return
	}
	if err := hostlink.DoJSON(ctx, a.ctl, http.MethodPost, a.id.Controller+hostlink.PathSweepReport, rep, nil); err != nil {
		a.log.Warn("report the sweep to the controller", "err", err)
	}
}

// dirSize is the bytes of the regular files under dir (a link's target
// in a storage pool included, since delete removes it too).
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
		return nil
	})
	return n
}
