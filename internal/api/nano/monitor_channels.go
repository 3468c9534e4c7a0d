package nano

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/console"
	"github.com/kumo-cloud/kumo/internal/model"
)

// A monitor channel is a single-use console token (console.Broker): its
// id is the token, unguessable and valid for console.DefaultTTL. The
// websocket at ws://<nano listener>/monitor_channels/{id} (also under
// /api/v1) carries the guest's VNC session (RFB) once; the channel is
// gone once used or expired, and a websocket without a valid channel is
// refused with HTTP 403. The VNC server runs on the guest's host, and
// the stream comes through that host's agent.

// channelPath is where the websocket of a channel is served, as the
// document writes it (ws://host/monitor_channels/{channel_id}).
const channelPath = "/monitor_channels/"

type monitorChannel struct {
	ID       string `json:"id"`
	Protocol string `json:"protocol"`
	Username string `json:"username"`
	// Password is empty: the channel id is the credential, and QEMU's
	// VNC server behind it asks for none.
	Password string `json:"password"`
	// URL is the websocket path on this listener (not in the document).
	URL string `json:"url"`
	// Expire is how many seconds the channel waits for its websocket.
	Expire int `json:"expire"`
}

func (s *Server) createMonitorChannel(r *http.Request) (reply, error) {
	var req struct {
		Guest string `json:"guest"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	vm, err := s.svc.AuthorizeConsole(ctx(r), req.Guest)
	if err != nil {
		return reply{}, err
	}
	id := vm.ID
	token, expires := s.consoles.Issue(console.Target{VMID: id, Dial: func(c context.Context) (net.Conn, error) {
		return s.svc.DialConsole(c, id, model.ConsoleVNC)
	}})
	return ok(monitorChannel{ID: token, Protocol: "vnc", URL: channelPath + token,
		Expire: int(time.Until(expires).Round(time.Second).Seconds())})
}
