package service

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

func TestSS58RoundTrip(t *testing.T) {
	// Alice's well-known development account.
	key, _ := hex.DecodeString("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
	const alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
	if got := SS58Address(key); got != alice {
		t.Fatalf("SS58Address = %s, want %s", got, alice)
	}
	got, err := ParseWallet(alice)
	if err != nil || hex.EncodeToString(got) != hex.EncodeToString(key) {
		t.Fatalf("ParseWallet = %x, %v", got, err)
	}
	for _, bad := range []string{"", "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ", "0OIl", "0x1234", "5Grwva"} {
		if _, err := ParseWallet(bad); model.CodeOf(err) != model.CodeInvalidArgument {
			t.Errorf("ParseWallet(%q) = %v, want invalid argument", bad, err)
		}
	}
}

func TestVerifyWalletSignature(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	wallet := SS58Address(pub)
	sign := func(msg string) string { return hex.EncodeToString(ed25519.Sign(priv, []byte(msg))) }
	if err := VerifyWalletSignature(wallet, "nonce-1", sign("nonce-1")); err != nil {
		t.Errorf("good signature: %v", err)
	}
	if err := VerifyWalletSignature(wallet, "nonce-1", "0x"+sign("<Bytes>nonce-1</Bytes>")); err != nil {
		t.Errorf("polkadot.js-wrapped signature: %v", err)
	}
	other, _, _ := ed25519.GenerateKey(nil)
	for name, c := range map[string][3]string{
		"other message": {wallet, "nonce-2", sign("nonce-1")},
		"other wallet":  {SS58Address(other), "nonce-1", sign("nonce-1")},
		"not hex":       {wallet, "nonce-1", "zz"},
		"short":         {wallet, "nonce-1", sign("nonce-1")[:64]},
	} {
		if err := VerifyWalletSignature(c[0], c[1], c[2]); model.CodeOf(err) != model.CodeUnauthenticated {
			t.Errorf("%s: %v, want unauthenticated", name, err)
		}
	}
}

func TestDBCSessions(t *testing.T) {
	s := newTestService(t, Config{})
	ctx := context.Background()
	pub, priv, _ := ed25519.GenerateKey(nil)
	wallet := SS58Address(pub)
	sign := func(msg string) string { return hex.EncodeToString(ed25519.Sign(priv, []byte(msg))) }
	if err := s.VerifyDBCWallet(ctx, wallet, "n1", sign("n1")); err != nil {
		t.Fatal(err)
	}
	if err := s.VerifyDBCWallet(ctx, wallet, "n1", sign("n1")); model.CodeOf(err) != model.CodeUnauthenticated {
		t.Errorf("replayed nonce: %v, want unauthenticated", err)
	}
	if err := s.VerifyDBCWallet(ctx, wallet, "", sign("")); model.CodeOf(err) != model.CodeInvalidArgument {
		t.Errorf("empty nonce: %v, want invalid argument", err)
	}
	if _, err := s.NewDBCSession(ctx, wallet); !model.IsCode(err, model.CodeUnauthenticated) {
		t.Errorf("a session id for nobody: %v", err)
	}
	p, err := s.AuthenticateWallet(ctx, wallet, "n2", sign("n2"))
	if err != nil || p.Name != DBCOwner(wallet) || !p.TenantAdmin || p.TenantKind != model.TenantWallet || p.FullAccess() {
		t.Fatalf("wallet principal = %+v, %v", p, err)
	}
	sess, err := s.NewDBCSession(WithPrincipal(ctx, p), wallet)
	if err != nil || sess.ID == "" || sess.Wallet != wallet {
		t.Fatalf("NewDBCSession = %+v, %v", sess, err)
	}
	if got, err := s.VerifyDBCSession(ctx, sess.ID, sign(sess.ID)); err != nil || got.Wallet != wallet {
		t.Errorf("VerifyDBCSession = %+v, %v", got, err)
	}
	if _, err := s.VerifyDBCSession(ctx, sess.ID, sign("other")); model.CodeOf(err) != model.CodeUnauthenticated {
		t.Errorf("wrong session sign: %v, want unauthenticated", err)
	}
	if _, err := s.VerifyDBCSession(ctx, "unknown", sign("unknown")); model.CodeOf(err) != model.CodeUnauthenticated {
		t.Errorf("unknown session: %v, want unauthenticated", err)
	}

	// Sessions expire like Kumo's own.
	short := newTestService(t, Config{SessionTTL: 50 * time.Millisecond})
	sp, err := short.AuthenticateWallet(ctx, wallet, "n3", sign("n3"))
	if err != nil {
		t.Fatal(err)
	}
	old, err := short.NewDBCSession(WithPrincipal(ctx, sp), wallet)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := short.VerifyDBCSession(ctx, old.ID, sign(old.ID)); model.CodeOf(err) != model.CodeUnauthenticated {
		t.Errorf("expired session: %v, want unauthenticated", err)
	}
}
