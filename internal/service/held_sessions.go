package service

import (
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// maxHeldSessions bounds the sessions held in memory: a full disk must
// not turn logins into a way to fill the controller's memory.
const maxHeldSessions = 256

// heldSessions are sessions opened while the database's disk was full,
// kept in the controller's memory instead of the sessions table. They
// let an operator log in to a full control plane to read and to delete
// what frees space; they end with their expiry, a logout, a password
// change, or a restart of the controller (then the user logs in again).
type heldSessions struct {
	mu     sync.Mutex
	byHash map[string]model.Session
}

// put holds a session; false if too many are held already.
func (h *heldSessions) put(sess model.Session) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropExpiredLocked(time.Now())
	if len(h.byHash) >= maxHeldSessions {
		return false
	}
	if h.byHash == nil {
		h.byHash = map[string]model.Session{}
	}
	h.byHash[sess.TokenHash] = sess
	return true
}

func (h *heldSessions) get(tokenHash string) (model.Session, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	sess, ok := h.byHash[tokenHash]
	return sess, ok
}

// setExpiry renews a held session; false if it is not held.
func (h *heldSessions) setExpiry(id string, exp time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, sess := range h.byHash {
		if sess.ID == id {
			sess.ExpiresAt = exp
			h.byHash[k] = sess
			return true
		}
	}
	return false
}

// drop ends a held session; false if it is not held.
func (h *heldSessions) drop(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, sess := range h.byHash {
		if sess.ID == id {
			delete(h.byHash, k)
			return true
		}
	}
	return false
}

// dropUser ends a user's held sessions but keep.
func (h *heldSessions) dropUser(userID, keep string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, sess := range h.byHash {
		if sess.UserID == userID && sess.ID != keep {
			delete(h.byHash, k)
		}
	}
}

func (h *heldSessions) dropExpiredLocked(t time.Time) {
	for k, sess := range h.byHash {
		if t.After(sess.ExpiresAt) {
			delete(h.byHash, k)
		}
	}
}
