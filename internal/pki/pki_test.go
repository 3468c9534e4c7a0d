package pki

import (
	"encoding/pem"
	"strings"
	"testing"
)

func TestSignAndVerify(t *testing.T) {
	ca, err := LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	other, err := LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, csr, err := NewKeyAndCSR("agent-1")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err := ca.Sign(csr, "host-id", UnitAgent, []string{"127.0.0.1", "example"})
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(certPEM)
	leaf, err := VerifyChainTo(ca.Cert, [][]byte{block.Bytes})
	if err != nil {
		t.Fatal(err)
	}
	if leaf.Subject.CommonName != "host-id" || !HasUnit(leaf, UnitAgent) || HasUnit(leaf, UnitController) {
		t.Fatalf("subject %v: the CA must set it, not the request", leaf.Subject)
	}
	if _, err := VerifyChainTo(other.Cert, [][]byte{block.Bytes}); err == nil {
		t.Fatal("a certificate of another cluster was accepted")
	}
	if _, err := ca.Sign([]byte("not a csr"), "x", UnitAgent, nil); err == nil {
		t.Fatal("garbage CSR signed")
	}
	if _, err := FindCA([][]byte{other.Cert.Raw}, ca.Fingerprint()); err == nil {
		t.Fatal("FindCA accepted the wrong CA")
	}
	// The CA is loaded, not remade, on the next start.
	again, err := LoadOrCreateCA(t.TempDir())
	if err != nil || again.Fingerprint() == ca.Fingerprint() {
		t.Fatalf("fresh dirs must make fresh CAs: %v", err)
	}
}

func TestJoinToken(t *testing.T) {
	tok := JoinToken{Address: "https://10.0.0.1:8443", ID: "id", Secret: "s3cret", CAFingerprint: "ab"}
	got, err := ParseJoinToken(tok.Encode())
	if err != nil || got != tok {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	for _, bad := range []string{"", "!!!", "e30", strings.TrimSuffix(tok.Encode(), "fQ")} {
		if _, err := ParseJoinToken(bad); err == nil {
			t.Errorf("ParseJoinToken(%q) accepted", bad)
		}
	}
}
