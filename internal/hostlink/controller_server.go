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
	mux.HandleFunc("POST "+PathHeartbeat, func(w http.ResponseWriter, r *http.Request) {
		fp, ok := agentFingerprint(w, r)
		if !ok {
			return
		}
		var rep HostReport
		if err := json.NewDecoder(io.LimitReader(r.Body, 16<<20)).Decode(&rep); err != nil {
			WriteError(w, model.Errorf(model.CodeInvalidArgument, "decode heartbeat: %v", err))
			return
		}
		resp, err := c.Heartbeat(r.Context(), fp, rep)
		if err != nil {
			WriteError(w, err)
			return
		}
		WriteJSON(w, http.StatusOK, resp)
	})
	mux.HandleFunc("POST "+PathSweepClaims, func(w http.ResponseWriter, r *http.Request) {
		fp, ok := agentFingerprint(w, r)
		if !ok {
			return
		}
		var claims SweepClaims
		if err := json.NewDecoder(io.LimitReader(r.Body, 16<<20)).Decode(&claims); err != nil {
			WriteError(w, model.Errorf(model.CodeInvalidArgument, "decode sweep claims: %v", err))
			return
		}
		resp, err := c.UnclaimedVMs(r.Context(), fp, claims)
		if err != nil {
			WriteError(w, err)
			return
		}
		WriteJSON(w, http.StatusOK, resp)
	})
	mux.HandleFunc("POST "+PathSweepReport, func(w http.ResponseWriter, r *http.Request) {
		fp, ok := agentFingerprint(w, r)
		if !ok {
			return
		}
		var rep SweepReport
		if err := json.NewDecoder(io.LimitReader(r.Body, 16<<20)).Decode(&rep); err != nil {
			WriteError(w, model.Errorf(model.CodeInvalidArgument, "decode sweep report: %v", err))
			return
		}
		if err := c.SweepDone(r.Context(), fp, rep); err != nil {
			WriteError(w, err)
			return
		}
		WriteJSON(w, http.StatusOK, struct{}{})
	})
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

// agentFingerprint returns the fingerprint of the verified agent
// certificate of the request, or answers 401.
func agentFingerprint(w http.ResponseWriter, r *http.Request) (string, bool) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 || !pki.HasUnit(r.TLS.PeerCertificates[0], pki.UnitAgent) {
		WriteError(w, model.Errorf(model.CodeUnauthenticated, "an agent certificate is required"))
		return "", false
	}
	return pki.Fingerprint(r.TLS.PeerCertificates[0]), true
}
