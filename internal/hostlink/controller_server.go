package hostlink

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/kumo-cloud/kumo/internal/httpguard"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/pki"
)

// Controller is what the control plane offers agents.
type Controller interface {
	// Join checks a one-time token and signs the agent's certificate.
	Join(ctx context.Context, req JoinRequest) (JoinResponse, error)
	// Heartbeat records a report from the host whose certificate has the
	// given fingerprint.
	Heartbeat(ctx context.Context, fingerprint string, rep HostReport) (HeartbeatResponse, error)
	// OpenImage returns an image's content and size for an agent's cache.
	OpenImage(ctx context.Context, fingerprint, id string) (io.ReadCloser, int64, error)
	// UnclaimedVMs returns which of the VM ids a starting agent found
	// directories for belong to no VM.
	UnclaimedVMs(ctx context.Context, fingerprint string, claims SweepClaims) (SweepUnclaimed, error)
	// SweepDone records what an agent removed at start.
	SweepDone(ctx context.Context, fingerprint string, rep SweepReport) error
}

// NewControllerServer returns the HTTPS server of the cluster listener.
// Joining needs no client certificate (the token is the credential); every
// other call needs an agent certificate signed by the cluster CA.
func NewControllerServer(c Controller, ca *pki.CA, cert tls.Certificate, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathJoin, func(w http.ResponseWriter, r *http.Request) {
		var req JoinRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
			WriteError(w, model.Errorf(model.CodeInvalidArgument, "decode join request: %v", err))
			return
		}
		resp, err := c.Join(r.Context(), req)
		if err != nil {
			WriteError(w, err)
			return
		}
		WriteJSON(w, http.StatusOK, resp)
	})
	mux.HandleFunc("POST "+PathHeartbeat, agentPost("heartbeat", 16<<20, c.Heartbeat))
	mux.HandleFunc("POST "+PathSweepClaims, agentPost("sweep claims", 16<<20, c.UnclaimedVMs))
	mux.HandleFunc("POST "+PathSweepReport, agentPost("sweep report", 16<<20,
		func(ctx context.Context, fp string, rep SweepReport) (struct{}, error) {
			return struct{}{}, c.SweepDone(ctx, fp, rep)
		}))
	mux.HandleFunc("GET "+PathImages+"{id}", func(w http.ResponseWriter, r *http.Request) {
		fp, ok := agentFingerprint(w, r)
		if !ok {
			return
		}
		rc, size, err := c.OpenImage(r.Context(), fp, r.PathValue("id"))
		if err != nil {
			WriteError(w, err)
			return
		}
		defer rc.Close()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		// An image takes as long as it takes: the download goes on
		// while the agent reads.
		io.Copy(httpguard.StreamWriter(r.Context(), w), rc)
	})
	// The default timeouts: every call but the image download is small,
	// and the listener's connections are capped per source by the server.
	srv := httpguard.NewServer(mux, httpguard.Limits{}, log)
	srv.TLSConfig = &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequestClientCert,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return nil // joining; the handlers refuse anything else
			}
			_, err := pki.VerifyChainTo(ca.Cert, raw)
			return err
		},
	}
	return srv
}

// agentPost is the handler of a JSON call from an agent: it checks the
// agent's certificate, decodes at most limit bytes of the request and
// writes call's reply or error.
func agentPost[Req, Resp any](what string, limit int64, call func(ctx context.Context, fingerprint string, req Req) (Resp, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		fp, ok := agentFingerprint(w, r)
		if !ok {
			return
		}
		var req Req
		if err := json.NewDecoder(io.LimitReader(r.Body, limit)).Decode(&req); err != nil {
			WriteError(w, model.Errorf(model.CodeInvalidArgument, "decode %s: %v", what, err))
			return
		}
		resp, err := call(r.Context(), fp, req)
		if err != nil {
			WriteError(w, err)
			return
		}
		WriteJSON(w, http.StatusOK, resp)
	}
}

// agentFingerprint returns the fingerprint of the verified agent
// certificate of the request, or answers 401.
func agentFingerprint(w http.ResponseWriter, r *http.Request) (string, bool) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 || !pki.HasUnit(r.TLS.PeerCertificates[0], pki.UnitAgent) {
		WriteError(w, model.Errorf(model.CodeUnauthenticated, "an agent certificate is required"))
		return "", false
	}
	return pki.Fingerprint(r.TLS.PeerCertificates[0]), true
}
