// Package dbc serves the DeepBrainChain client HTTP API (see
// ../shared/spec/dbc-client-http-api.txt) on Kumo's services, under
// /api/v1 on its own listener (default 127.0.0.1:5873).
//
// Conventions of the dialect:
//   - every call is a POST whose JSON body holds peer_nodes_list (the
//     node ids the call is for: Kumo's hosts), additional (the call's
//     parameters) and the caller's credentials.
//   - every reply is {"errcode", "message"}: errcode 0 and the result
//     in message on success; on failure a non-zero errcode equal to the
//     HTTP status (400 bad request, 401 no or bad credentials, 404
//     unknown object, 409 conflict with the current state, 413 a body
//     over 1 MiB, 501 a feature Kumo lacks, 503 a host is unreachable,
//     500 anything else) and the reason in message.
//   - credentials are a wallet's signature of a one-time nonce (wallet,
//     nonce, sign) or a session id with the wallet's signature of it
//     (session_id, session_id_sign); see service.VerifyWalletSignature.
//     A wallet is a tenant of its own (service.AuthenticateWallet): it
//     sees the VMs (DBC "tasks"), LANs, disks and machines it made, and
//     no others, because the service says so.
package dbc

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/api/httpstatus"
	"github.com/kumo-cloud/kumo/internal/api/jsonbody"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// Server is the DBC API.
type Server struct {
	svc  *service.Service
	log  *slog.Logger
	mux  *http.ServeMux
	opts Options
	// transfers are the image transfers to and from image servers.
	transfers imageTransfers
}

// Options configure the DBC API.
type Options struct {
	// ImageServers are DBC's image centres: id (as DBC names them, e.g.
	// ID_1) to the base URL of an HTTP server holding image files.
	ImageServers map[string]string
	// HTTPClient talks to image servers; nil is http.DefaultClient.
	HTTPClient *http.Client
	// Wallets, if any, are the only wallets that may use the node (its
	// renters); without, any wallet that proves its key may.
	Wallets []string
}

// auth says which credentials a route takes.
type auth int

const (
	authRequired auth = iota
	authNone          // public: node information, image servers
	authOptional      // answers more with credentials (image lists)
	authWallet        // a wallet signature only: issuing a session id
)

type route struct {
	path string // under Prefix, with {name} parameters
	auth auth
	// perm is the permission the wallet must hold, the same the other
	// APIs ask for the same operation; "" only for public routes.
	perm   model.Permission
	handle func(c *call) (any, error)
}

// request is the body every call has.
type request struct {
	PeerNodesList []string        `json:"peer_nodes_list"`
	Additional    json.RawMessage `json:"additional"`
	SessionID     string          `json:"session_id"`
	SessionIDSign string          `json:"session_id_sign"`
	Wallet        string          `json:"wallet"`
	Nonce         string          `json:"nonce"`
	Sign          string          `json:"sign"`
	// MultisigAccounts is DBC's third credential, a threshold of several
	// wallets' signatures; Kumo refuses it (see authenticate).
	MultisigAccounts json.RawMessage `json:"multisig_accounts"`
}

// call is one request being served.
type call struct {
	r    *http.Request
	body request
	// wallet is the authenticated caller, "" without credentials.
	wallet string
}

func (c *call) ctx() context.Context { return c.r.Context() }

// additional decodes the call's parameters strictly: an unknown field is
// most likely a typo, and silently ignoring it would do something else
// than asked.
func (c *call) additional(v any) error {
	raw := strings.TrimSpace(string(c.body.Additional))
	if raw == "" || raw == "null" {
		raw = "{}"
	}
	return jsonbody.Rules{Part: "additional"}.Decode([]byte(raw), v)
}

// New returns the DBC API server.
func New(svc *service.Service, log *slog.Logger, opts Options) *Server {
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	s := &Server{svc: svc, log: log, mux: http.NewServeMux(), opts: opts, transfers: imageTransfers{m: map[transferKey]*transfer{}}}
	for _, rt := range s.routes() {
		if rt.auth != authNone && rt.perm == "" {
			panic("dbc: route " + rt.path + " names no permission")
		}
		s.mux.Handle("POST "+Prefix+rt.path, s.wrap(rt))
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, model.Errorf(model.CodeNotFound, "no such endpoint: %s %s (every DBC call is a POST under %s)", r.Method, r.URL.Path, Prefix))
	})
	return s
}

// ServeHTTP implements http.Handler. The caller's address is the connection's, for the login throttle and
// the audit log; headers such as X-Forwarded-For are the caller's to
// write and are not trusted.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r.WithContext(service.WithSource(r.Context(), r.RemoteAddr)))
}

func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		jsonbody.LimitBody(w, r, jsonbody.Limit)
		c := &call{r: r}
		if err := decodeBody(r, &c.body); err != nil {
			writeError(w, err)
			return
		}
		if err := s.authenticate(c, rt.auth); err != nil {
			writeError(w, err)
			return
		}
		if c.wallet != "" {
			if err := service.Authorize(c.ctx(), rt.perm); err != nil {
				writeError(w, err)
				return
			}
		}
		out, err := rt.handle(c)
		if err != nil {
			httpstatus.LogFailure(s.log, "dbc request failed", err, "path", r.URL.Path)
			writeError(w, err)
			return
		}
		writeEnvelope(w, http.StatusOK, 0, out)
	})
}

// authenticate checks the call's credentials as the route requires and
// makes the wallet the caller of the service methods it calls.
func (s *Server) authenticate(c *call, a auth) error {
	b := c.body
	hasSession := b.SessionID != "" || b.SessionIDSign != ""
	hasWallet := b.Wallet != "" || b.Nonce != "" || b.Sign != ""
	hasMultisig := len(b.MultisigAccounts) > 0 && string(b.MultisigAccounts) != "null"
	var principal service.Principal
	switch {
	case a == authNone:
		return nil
	case hasMultisig:
		return model.Errorf(model.CodeUnauthenticated, "multisig_accounts credentials are not supported by Kumo: use wallet, nonce and sign, or session_id and session_id_sign")
	case !hasSession && !hasWallet:
		if a == authOptional {
			return nil
		}
		if a == authWallet {
			return model.Errorf(model.CodeUnauthenticated, "credentials required: the renter's wallet, nonce and sign")
		}
		return model.Errorf(model.CodeUnauthenticated, "credentials required: session_id and session_id_sign, or wallet, nonce and sign")
	case hasSession && a == authWallet:
		return model.Errorf(model.CodeUnauthenticated, "a session id is issued to a wallet signature only: send wallet, nonce and sign")
	case hasSession:
		if b.SessionID == "" || b.SessionIDSign == "" {
			return model.Errorf(model.CodeUnauthenticated, "session_id and session_id_sign go together: one of them is missing")
		}
		p, sess, err := s.svc.AuthenticateWalletSession(c.ctx(), b.SessionID, b.SessionIDSign)
		if err != nil {
			return err
		}
		c.wallet, principal = sess.Wallet, p
	default:
		if b.Wallet == "" || b.Nonce == "" || b.Sign == "" {
			return model.Errorf(model.CodeUnauthenticated, "wallet, nonce and sign go together: one of them is missing")
		}
		if len(s.opts.Wallets) > 0 && !slices.Contains(s.opts.Wallets, b.Wallet) {
			// Refused before its tenant is made.
			return model.Errorf(model.CodePermissionDenied, "wallet %s is not a renter of this node", b.Wallet)
		}
		p, err := s.svc.AuthenticateWallet(c.ctx(), b.Wallet, b.Nonce, b.Sign)
		if err != nil {
			return err
		}
		c.wallet, principal = b.Wallet, p
	}
	if len(s.opts.Wallets) > 0 && !slices.Contains(s.opts.Wallets, c.wallet) {
		return model.Errorf(model.CodePermissionDenied, "wallet %s is not a renter of this node", c.wallet)
	}
	c.r = c.r.WithContext(service.WithPrincipal(c.r.Context(), principal))
	return nil
}

type envelope struct {
	ErrCode int `json:"errcode"`
	Message any `json:"message"`
}

func writeEnvelope(w http.ResponseWriter, status, code int, msg any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(envelope{ErrCode: code, Message: msg})
}

// errNotImplemented marks what Kumo cannot do yet, naming what is
// missing.
func errNotImplemented(format string, args ...any) error {
	return model.Errorf(codeNotImplemented, format, args...)
}

const codeNotImplemented = model.CodeNotImplemented

func writeError(w http.ResponseWriter, err error) {
	status, msg := httpstatus.Of(model.CodeOf(err)), httpstatus.Message(err)
	httpstatus.SetRetryAfter(w, err)
	writeEnvelope(w, status, status, msg)
}

// decodeBody reads the call's JSON body (jsonbody.Decode). An empty body
// is taken as {}: some calls need nothing, and DBC's own tools send
// nothing then.
func decodeBody(r *http.Request, v *request) error {
	raw, err := jsonbody.Read(r.Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	return jsonbody.Decode(raw, v)
}

// number is a count DBC's documents write as a string ("8") in some calls
// and as a number (20) in others; both are taken.
type number float64

// JSONKind says what a number takes, for decode errors.
func (*number) JSONKind() string { return "a number, or a string of one" }

func (n *number) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return jsonbody.KindError(b, n)
	}
	*n = number(v)
	return nil
}
