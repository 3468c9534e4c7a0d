package qemu

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// Files in a VM directory. Sockets may live elsewhere, see SocketPaths.
const (
	qmpSocketName   = "qmp.sock"
	vncSocketName   = "vnc.sock"
	qgaSocketName   = "qga.sock"
	serialSockName  = "serial.sock"
	pidFileName     = "qemu.pid"
	serialLogName   = "serial.log"
	qemuLogName     = "qemu.log"
	specFileName    = "spec.json"
	runtimeFileName = "runtime.json"
)

// maxSocketPath is the longest unix socket path Linux takes: sun_path
// holds 108 bytes including the terminating NUL.
const maxSocketPath = 107

// SerialLogPath is the file the guest's serial console is appended to.
func SerialLogPath(dir string) string { return filepath.Join(dir, serialLogName) }

// SocketPaths are the unix sockets of one VM.
type SocketPaths struct {
	QMP        string
	VNC        string
	GuestAgent string // exists only if the VM was started with GuestAgent
	// Serial is the guest's first serial port (ttyS0) as a stream both
	// ways; its output also goes to serial.log. VMs started before Kumo
	// had serial consoles have only the log.
	Serial string
}

func socketsIn(dir string) SocketPaths {
	return SocketPaths{
		QMP:        filepath.Join(dir, qmpSocketName),
		VNC:        filepath.Join(dir, vncSocketName),
		GuestAgent: filepath.Join(dir, qgaSocketName),
		Serial:     filepath.Join(dir, serialSockName),
	}
}

// Sockets returns where the sockets of the VM in dir are: in dir itself,
// or in the short directory recorded when it was started (see
// shortSocketDir).
func Sockets(dir string) SocketPaths {
	if rt, err := readRuntime(dir); err == nil && rt.SocketDir != "" {
		return socketsIn(rt.SocketDir)
	}
	if fitsSocketPath(dir) {
		return socketsIn(dir)
	}
	// Not recorded (the record is gone): the first short directory
	// holding a socket, else where Start would put them now.
	var first string
	for _, base := range socketBases() {
		d := filepath.Join(base, dirHash(dir))
		if !fitsSocketPath(d) {
			continue
		}
		if _, err := os.Lstat(filepath.Join(d, qmpSocketName)); err == nil {
			return socketsIn(d)
		}
		if first == "" {
			first = d
		}
	}
	if first == "" {
		first = dir
	}
	return socketsIn(first)
}

func fitsSocketPath(dir string) bool {
	return len(filepath.Join(dir, qmpSocketName)) <= maxSocketPath
}

// socketBases are where short socket directories may go, best first:
// /run is not shared with other users and is cleared at boot, as stale
// sockets should be; the temp dir is the fallback for unprivileged use.
func socketBases() []string {
	uid := strconv.Itoa(os.Getuid())
	bases := []string{"/run/kumo", filepath.Join(os.TempDir(), "kumo-"+uid)}
	if os.TempDir() != "/tmp" {
		bases = append(bases, "/tmp/kumo-"+uid)
	}
	return bases
}

func dirHash(dir string) string {
	sum := sha256.Sum256([]byte(dir))
	return hex.EncodeToString(sum[:8])
}

// socketDirFor returns the directory for dir's sockets, creating it if it
// is not dir. Socket paths over 107 bytes cannot be bound, and VM
// directories can be deep, so then the sockets go to a short directory
// named after a hash of dir. The choice is recorded in runtime.json, so
// that it is found again even if the environment (TMPDIR) changes.
func socketDirFor(dir string) (string, error) {
	if fitsSocketPath(dir) {
		return dir, nil
	}
	var errs []error
	for _, base := range socketBases() {
		d := filepath.Join(base, dirHash(dir))
		if !fitsSocketPath(d) {
			errs = append(errs, fmt.Errorf("%s: too long", d))
			continue
		}
		// Others may read the base but not write it: they could plant
		// our hash directory in it.
		if err := ensureOwnDir(base, 0o022); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := ensureOwnDir(d, 0o077); err != nil {
			errs = append(errs, err)
			continue
		}
		return d, nil
	}
	return "", fmt.Errorf("no short directory for the sockets of %s (path over %d bytes): %w", dir, maxSocketPath, errors.Join(errs...))
}

// ensureOwnDir creates dir (mode 0700) or checks that the existing one is
// a real directory owned by us without the forbidden permission bits: in
// a shared /tmp anybody could have created it first, or made it a symlink.
func ensureOwnDir(dir string, forbidden os.FileMode) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create socket directory: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("socket directory: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.IsDir():
		return fmt.Errorf("socket directory %s is not a directory", dir)
	case ok && int(st.Uid) != os.Getuid():
		return fmt.Errorf("socket directory %s is owned by uid %d, not us", dir, st.Uid)
	case fi.Mode().Perm()&forbidden != 0:
		return fmt.Errorf("socket directory %s is open to others (mode %v)", dir, fi.Mode().Perm())
	}
	return nil
}

// runtimeInfo records how the QEMU in a directory was started, for
// whoever attaches to it later (a restarted agent).
type runtimeInfo struct {
	ID        string           `json:"id"`
	Accel     hypervisor.Accel `json:"accel"`
	Started   time.Time        `json:"started"`
	SocketDir string           `json:"socket_dir"`
	// NoShutdown: QEMU runs with -no-shutdown, so its vanishing without
	// an exit record is a crash (see exits.go).
	NoShutdown bool `json:"no_shutdown,omitempty"`
}

func readRuntime(dir string) (runtimeInfo, error) {
	var rt runtimeInfo
	raw, err := os.ReadFile(filepath.Join(dir, runtimeFileName))
	if err != nil {
		return rt, err
	}
	if err := json.Unmarshal(raw, &rt); err != nil {
		return rt, fmt.Errorf("%s: %w", filepath.Join(dir, runtimeFileName), err)
	}
	return rt, nil
}

// writeFileAtomic replaces path with data, so a reader never sees half.
func writeFileAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// removeRuntimeFiles removes what a stopped QEMU left behind: its
// pidfile, sockets (and their short directory) and the runtime record.
// Logs and spec.json stay for whoever investigates.
func removeRuntimeFiles(dir string) {
	socks := Sockets(dir)
	for _, p := range []string{socks.QMP, socks.VNC, socks.GuestAgent, socks.Serial,
		filepath.Join(dir, pidFileName), filepath.Join(dir, runtimeFileName)} {
		os.Remove(p)
	}
	if sdir := filepath.Dir(socks.QMP); sdir != dir {
		os.Remove(sdir) // only if empty
	}
}

// livePID returns the pid of the QEMU of dir, or 0 if none runs. The
// pidfile alone proves nothing: after a crash or reboot its pid may have
// been reused, so the process must also carry this pidfile's path on its
// command line, and not be a zombie.
func livePID(dir string) int {
	pidfile := filepath.Join(dir, pidFileName)
	raw, err := os.ReadFile(pidfile)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 0 {
		return 0
	}
	if !isQEMUOf(pid, pidfile) {
		return 0
	}
	return pid
}

// isQEMUOf tells whether pid is alive and was started with -pidfile
// pidfile.
func isQEMUOf(pid int, pidfile string) bool {
	proc := "/proc/" + strconv.Itoa(pid)
	cmdline, err := os.ReadFile(proc + "/cmdline")
	if err != nil {
		return false
	}
	args := bytes.Split(cmdline, []byte{0})
	found := false
	for i := 0; i+1 < len(args); i++ {
		if string(args[i]) == "-pidfile" && string(args[i+1]) == pidfile {
			found = true
			break
		}
	}
	return found && !isZombie(pid)
}

// isZombie tells whether pid has exited but not been reaped (or is gone).
func isZombie(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses and
	// may itself contain spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	state := stat[i+2]
	return state == 'Z' || state == 'X'
}

// tailFile returns about the last n bytes of a file, whole lines only,
// for error messages.
func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(fi.Size()-int64(n), 0)
	buf := make([]byte, fi.Size()-off)
	k, _ := f.ReadAt(buf, off)
	buf = buf[:k]
	if off > 0 {
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf = buf[i+1:]
		}
	}
	return strings.TrimSpace(string(buf))
}
