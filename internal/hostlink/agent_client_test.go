package hostlink

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/pki"
)

// TestRedialReachesAnAgentThatComesBack: a call to an agent that is not
// listening yet fails at once as unreachable without redial, and with
// redial succeeds once the agent listens, on the address it has now.
func TestRedialReachesAnAgentThatComesBack(t *testing.T) {
	ca, err := pki.LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := ca.LoadOrIssueController(t.TempDir(), []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, csrPEM, err := pki.NewKeyAndCSR("agent")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err := ca.Sign(csrPEM, "agent", pki.UnitAgent, []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	agentCert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(certPEM)
	leaf, _ := x509.ParseCertificate(block.Bytes)

	// Where the agent was, nothing listens now.
	gone, _ := net.Listen("tcp", "127.0.0.1:0")
	stale := "https://" + gone.Addr().String()
	gone.Close()
	c := NewAgentClient(stale, ctl, ca.Cert, pki.Fingerprint(leaf))
	if _, err := c.Report(context.Background()); !IsUnreachable(err) {
		t.Fatalf("without redial: %v, want unreachable", err)
	}

	// The agent comes back 300 ms later on another port.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	now := "https://" + ln.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, HostReport{HostID: "h1"})
	}), TLSConfig: &tls.Config{Certificates: []tls.Certificate{agentCert}}}
	t.Cleanup(func() { srv.Close() })
	lookups := 0
	redialing := c.WithRedial(10*time.Second, func(context.Context) (string, error) {
		lookups++
		return now, nil
	})
	time.AfterFunc(300*time.Millisecond, func() { srv.ServeTLS(ln, "", "") })
	rep, err := redialing.Report(context.Background())
	if err != nil || rep.HostID != "h1" {
		t.Fatalf("with redial: %+v %v", rep, err)
	}
	if lookups == 0 {
		t.Fatal("the agent's address was never looked up again")
	}
	// A call that reached the agent and failed is not retried.
	ln2, _ := net.Listen("tcp", "127.0.0.1:0")
	plain := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})}
	go plain.Serve(ln2) // not TLS: the handshake fails after the dial
	t.Cleanup(func() { plain.Close() })
	start := time.Now()
	_, err = NewAgentClient("https://"+ln2.Addr().String(), ctl, ca.Cert, pki.Fingerprint(leaf)).
		WithRedial(10*time.Second, func(context.Context) (string, error) { return "https://" + ln2.Addr().String(), nil }).
		Report(context.Background())
	if err == nil || IsUnreachable(err) {
		t.Fatalf("a failed handshake: %v, want a failure that is not unreachable", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("a failed handshake was retried for %s", time.Since(start))
	}
}
