// Package diskspace measures the free space of file systems and
// recognises the many ways a full disk surfaces as an error: a system
// call's ENOSPC or EDQUOT, SQLite's SQLITE_FULL, PostgreSQL's
// disk_full, and qemu-img's message on its stderr.
//
// Every layer that writes (the store, image uploads, the agent's disks)
// asks IsFull of its errors so that a full disk is reported as
// insufficient capacity rather than as an internal error carrying a host
// path.
package diskspace

import (
	"errors"
	"io"
	"strings"
	"syscall"
)

// Free returns the size of the file system holding dir and the bytes an
// unprivileged writer may still use there (the reserved blocks of root
// are not counted: the agent and the controller must not rely on them).
func Free(dir string) (total, free int64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0, err
	}
	return clampMul(st.Blocks, st.Bsize), clampMul(st.Bavail, st.Bsize), nil
}

// clampMul multiplies a block count by a block size without wrapping:
// a file system larger than int64 bytes reports the largest int64.
func clampMul(blocks uint64, bsize int64) int64 {
	if bsize <= 0 {
		return 0
	}
	if blocks > uint64(1<<63-1)/uint64(bsize) {
		return 1<<63 - 1
	}
	return int64(blocks) * bsize
}

// Texts that mean a full disk when a program or a database reports one
// in words rather than as an errno.
var fullTexts = []string{
	"no space left on device",  // strerror(ENOSPC): qemu-img, PostgreSQL
	"disk quota exceeded",      // strerror(EDQUOT)
	"database or disk is full", // SQLITE_FULL
	"sqlstate 53100",           // PostgreSQL disk_full
}

// sqliteFull is SQLite's primary result code SQLITE_FULL.
const sqliteFull = 13

// IsFull reports whether err says that a disk (or a quota on it) is full.
func IsFull(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, ErrBelowReserve) {
		return true
	}
	// modernc.org/sqlite's errors carry the extended result code.
	var coded interface{ Code() int }
	if errors.As(err, &coded) && coded.Code()&0xff == sqliteFull {
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, t := range fullTexts {
		if strings.Contains(msg, t) {
			return true
		}
	}
	return false
}

// ErrBelowReserve stops a write that would leave less than the reserve
// free on its file system.
var ErrBelowReserve = errors.New("free space fell below the reserve")

// ReserveWriter writes to W and, every CheckEvery bytes, checks that the
// file system holding Dir keeps at least Reserve bytes free; when it does
// not, the write fails with ErrBelowReserve. It stops a stream of unknown
// length (an upload without Content-Length) before it fills the disk that
// the database and the running VMs share.
type ReserveWriter struct {
	W          io.Writer
	Dir        string
	Reserve    int64
	CheckEvery int64

	unchecked int64
}

// Write implements io.Writer.
func (rw *ReserveWriter) Write(p []byte) (int, error) {
	every := rw.CheckEvery
	if every <= 0 {
		every = 4 << 20
	}
	if rw.unchecked+int64(len(p)) >= every {
		if _, free, err := Free(rw.Dir); err == nil && free-int64(len(p)) < rw.Reserve {
			return 0, ErrBelowReserve
		}
		rw.unchecked = 0
	}
	n, err := rw.W.Write(p)
	rw.unchecked += int64(n)
	return n, err
}
