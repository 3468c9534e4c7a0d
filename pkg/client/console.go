package client

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/coder/websocket"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// ConsoleTicket gets a single-use ticket for the console of kind ("vnc"
// or "serial") of a VM, for a client that cannot send the Authorization
// header on a websocket (a browser): open ticket.Path on the server.
func (c *Client) ConsoleTicket(ctx context.Context, vm, kind string) (out api.ConsoleTicket, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/vms/"+url.PathEscape(vm)+"/console", api.ConsoleTicketsPost{Type: kind}, &out)
}

// Console opens the console of kind ("vnc" or "serial") of a VM with the
// client's session and returns it as a byte stream: RFB for vnc, the
// guest's ttyS0 for serial. It lasts until closed or ctx ends.
func (c *Client) Console(ctx context.Context, vm, kind string) (net.Conn, error) {
	u := c.BaseURL + "/v1/vms/" + url.PathEscape(vm) + "/console?" + url.Values{"type": {kind}}.Encode()
	return c.dialConsole(ctx, u, true)
}

// ConsoleWithTicket opens a console with a ticket from ConsoleTicket,
// without the session.
func (c *Client) ConsoleWithTicket(ctx context.Context, t api.ConsoleTicket) (net.Conn, error) {
	return c.dialConsole(ctx, c.BaseURL+t.Path, false)
}

func (c *Client) dialConsole(ctx context.Context, u string, session bool) (net.Conn, error) {
	if rest, ok := strings.CutPrefix(u, "http"); ok {
		u = "ws" + rest // http -> ws, https -> wss
	}
	h := http.Header{}
	if session && c.Token != "" {
		h.Set("Authorization", "Bearer "+c.Token)
	}
	ws, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: c.HTTP, HTTPHeader: h, Subprotocols: []string{"binary"}})
	if err != nil {
		if resp != nil && resp.StatusCode >= 300 {
			return nil, errorOf(resp)
		}
		return nil, err
	}
	// A console's messages are as large as the stream makes them.
	ws.SetReadLimit(-1)
	return websocket.NetConn(ctx, ws, websocket.MessageBinary), nil
}
