package service

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"

	"golang.org/x/crypto/blake2b"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// DBC identifies its callers by wallet signatures, not by Kumo users
// (see DBC's "HTTP request format"): the renter signs a one-time nonce
// with its wallet ("wallet", "nonce", "sign"), or hands its users a
// session id with the wallet's signature of it ("session_id",
// "session_id_sign"). A wallet is a Substrate account: an SS58 address
// of a 32-byte public key. DBC's chain accounts use sr25519 keys by
// default; Kumo verifies ed25519 keys (Substrate's other account
// scheme), since sr25519 needs a Schnorrkel implementation Kumo does not
// carry. A signature is the 64-byte signature in hex, of the message's
// bytes as they are, or wrapped in <Bytes>...</Bytes> as polkadot.js's
// signRaw does.

// ParseWallet returns the public key of a wallet: an SS58 address with a
// valid checksum, or the key itself in hex ("0x..." allowed).
func ParseWallet(wallet string) (ed25519.PublicKey, error) {
	if h, ok := strings.CutPrefix(wallet, "0x"); ok || len(wallet) == 2*ed25519.PublicKeySize {
		key, err := hex.DecodeString(h)
		if err != nil || len(key) != ed25519.PublicKeySize {
			return nil, model.FieldError("wallet", "%q is not a 32-byte public key in hex", wallet)
		}
		return key, nil
	}
	raw, err := base58Decode(wallet)
	if err != nil {
		return nil, model.FieldError("wallet", "%q is not an SS58 address: %v", wallet, err)
	}
	// Prefixes below 64 take one byte; 64..16383 take two, with the top
	// bits 01 in the first byte.
	prefixLen := 1
	if len(raw) > 0 && raw[0]&0xc0 == 0x40 {
		prefixLen = 2
	}
	if len(raw) != prefixLen+ed25519.PublicKeySize+2 || raw[0] >= 0x80 {
		return nil, model.FieldError("wallet", "%q is not the SS58 address of a 32-byte account", wallet)
	}
	body := raw[:prefixLen+ed25519.PublicKeySize]
	sum := blake2b.Sum512(append([]byte("SS58PRE"), body...))
	if !bytes.Equal(sum[:2], raw[len(body):]) {
		return nil, model.FieldError("wallet", "%q has a wrong SS58 checksum", wallet)
	}
	return bytes.Clone(raw[prefixLen:len(body)]), nil
}

// SS58Address returns the SS58 address of key with the generic Substrate
// prefix 42 (addresses starting with 5), the form DBC shows wallets in.
func SS58Address(key ed25519.PublicKey) string {
	body := append([]byte{42}, key...)
	sum := blake2b.Sum512(append([]byte("SS58PRE"), body...))
	return base58Encode(append(body, sum[:2]...))
}

// VerifyWalletSignature checks that sign is wallet's signature of message.
func VerifyWalletSignature(wallet, message, sign string) error {
	key, err := ParseWallet(wallet)
	if err != nil {
		return err
	}
	sig, err := hex.DecodeString(strings.TrimPrefix(sign, "0x"))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return model.Errorf(model.CodeUnauthenticated, "signature is not %d bytes in hex", ed25519.SignatureSize)
	}
	if ed25519.Verify(key, []byte(message), sig) || ed25519.Verify(key, []byte("<Bytes>"+message+"</Bytes>"), sig) {
		return nil
	}
	return model.Errorf(model.CodeUnauthenticated, "signature does not verify with wallet %s (Kumo verifies ed25519 wallet keys)", wallet)
}

// VerifyDBCWallet authenticates a request signed by a wallet: the
// signature must verify and the nonce must be new for this wallet.
func (s *Service) VerifyDBCWallet(ctx context.Context, wallet, nonce, sign string) error {
	if nonce == "" {
		return model.FieldError("nonce", "is required with wallet and sign")
	}
	if len(nonce) > 256 {
		return model.FieldError("nonce", "is longer than 256 bytes")
	}
	if err := VerifyWalletSignature(wallet, nonce, sign); err != nil {
		return err
	}
	err := s.db.UseDBCNonce(ctx, wallet, nonce, now().UnixMicro())
	if errors.Is(err, store.ErrConflict) {
		return model.Errorf(model.CodeUnauthenticated, "nonce %q was used before by wallet %s: sign a new one", nonce, wallet)
	}
	return internal(err, "record the nonce")
}

// NewDBCSession gives the calling wallet a new session id (the caller
// authenticated with the wallet's signature: AuthenticateWallet).
func (s *Service) NewDBCSession(ctx context.Context, wallet string) (model.DBCSession, error) {
	p, err := caller(ctx)
	if err != nil {
		return model.DBCSession{}, err
	}
	if _, err := ParseWallet(wallet); err != nil {
		return model.DBCSession{}, err
	}
	if p.TenantID != walletTenantID(wallet) && !p.FullAccess() {
		return model.DBCSession{}, model.Errorf(model.CodePermissionDenied, "%s may not issue session ids of wallet %s", p.Name, wallet)
	}
	sess := model.DBCSession{ID: RandomSecret(24), Wallet: wallet, CreatedAt: now()}
	return sess, internal(s.db.CreateDBCSession(ctx, sess), "store the session")
}

// VerifyDBCSession authenticates a request by session id: the id must
// have been issued no longer than the session TTL ago, and sign must be
// its wallet's signature of the id.
func (s *Service) VerifyDBCSession(ctx context.Context, id, sign string) (model.DBCSession, error) {
	sess, err := s.db.GetDBCSession(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return model.DBCSession{}, model.Errorf(model.CodeUnauthenticated, "session_id %q was not issued by this node", id)
	}
	if err != nil {
		return model.DBCSession{}, internal(err, "look up the session")
	}
	if err := VerifyWalletSignature(sess.Wallet, sess.ID, sign); err != nil {
		return model.DBCSession{}, model.Errorf(model.CodeUnauthenticated, "session_id_sign: %v", err)
	}
	if now().Sub(sess.CreatedAt) > s.cfg.SessionTTL {
		return model.DBCSession{}, model.Errorf(model.CodeUnauthenticated, "session_id %q expired %s after it was issued: ask the wallet for a new one", id, s.cfg.SessionTTL)
	}
	return sess, nil
}

// A verified wallet acts as the admin of its own tenant (kind wallet),
// made on its first call: the user "dbc:<wallet>" in the tenant of the
// same name. It sees and changes only what its tenant owns, because the
// core's authorization says so (docs/iam.md).

// AuthenticateWallet verifies a request signed by a wallet (see
// VerifyDBCWallet) and returns the caller it acts as.
func (s *Service) AuthenticateWallet(ctx context.Context, wallet, nonce, sign string) (Principal, error) {
	if err := s.guardLogin(ctx, "wallet signature", DBCOwner(wallet), func() error {
		return s.VerifyDBCWallet(ctx, wallet, nonce, sign)
	}); err != nil {
		return Principal{}, err
	}
	return s.walletPrincipal(ctx, wallet)
}

// AuthenticateWalletSession verifies a request by session id (see
// VerifyDBCSession) and returns the caller its wallet acts as.
func (s *Service) AuthenticateWalletSession(ctx context.Context, id, sign string) (Principal, model.DBCSession, error) {
	var sess model.DBCSession
	// The log gets a digest of the id, not the id: with a signature it
	// is a credential.
	digest := sha256.Sum256([]byte(id))
	if err := s.guardLogin(ctx, "DBC session", "dbc-session:"+hex.EncodeToString(digest[:8]), func() (err error) {
		sess, err = s.VerifyDBCSession(ctx, id, sign)
		return err
	}); err != nil {
		return Principal{}, sess, err
	}
	p, err := s.walletPrincipal(ctx, sess.Wallet)
	return p, sess, err
}

// LoginWallet opens a Kumo session for a wallet that signed a one-time
// nonce, so a wallet can use /v1 (and every API taking a Kumo session)
// as its tenant's admin.
func (s *Service) LoginWallet(ctx context.Context, wallet, nonce, sign string) (token string, sess model.Session, err error) {
	p, err := s.AuthenticateWallet(ctx, wallet, nonce, sign)
	if err != nil {
		return "", sess, err
	}
	u, err := s.db.GetUser(ctx, p.UserID)
	if err != nil {
		return "", sess, notFound(err, "user", p.UserID)
	}
	return s.openSession(ctx, u)
}

// DBCOwner is the owner (and tenant) of the objects a wallet makes.
func DBCOwner(wallet string) string { return "dbc:" + wallet }

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

func base58Decode(s string) ([]byte, error) {
	if s == "" || len(s) > 128 {
		return nil, errors.New("empty or too long")
	}
	n := new(big.Int)
	for _, c := range []byte(s) {
		i := strings.IndexByte(base58Alphabet, c)
		if i < 0 {
			return nil, errors.New("not base58")
		}
		n.Mul(n, big.NewInt(58)).Add(n, big.NewInt(int64(i)))
	}
	out := n.Bytes()
	for _, c := range []byte(s) {
		if c != '1' {
			break
		}
		out = append([]byte{0}, out...)
	}
	return out, nil
}

func base58Encode(b []byte) string {
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod := new(big.Int)
	for n.Sign() > 0 {
		n.DivMod(n, big.NewInt(58), mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}
