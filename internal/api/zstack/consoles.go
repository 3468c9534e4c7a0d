package zstack

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/console"
	"github.com/kumo-cloud/kumo/internal/model"
)

// consolePath is where RequestConsoleAccess tokens are redeemed: a
// websocket carrying the VM's VNC (as noVNC expects), on this listener.
const consolePath = Prefix + "/consoles/ws/"

// The console proxy agent of a Kumo control plane is the control plane
// itself: it proxies every console, so there is exactly one agent.
const consoleAgentUUID = "4b756d6f636f6e736f6c6570726f7879"

type consoleAgentInventory struct {
	UUID                     string `json:"uuid"`
	Description              string `json:"description"`
	ManagementIP             string `json:"managementIp"`
	ConsoleProxyOverriddenIP string `json:"consoleProxyOverriddenIp"`
	ConsoleProxyPort         int    `json:"consoleProxyPort"`
	Type                     string `json:"type"`
	Status                   string `json:"status"`
	State                    string `json:"state"`
	CreateDate               string `json:"createDate"`
	LastOpDate               string `json:"lastOpDate"`
}

const kindConsoleAgent = "consoleAgent"

// consoleAgent describes this listener as the console proxy; the
// overridden IP is what clients are told to connect to.
func (s *Server) consoleAgent(r *http.Request) consoleAgentInventory {
	host, portStr, _ := net.SplitHostPort(r.Host)
	port, _ := strconv.Atoi(portStr)
	a := consoleAgentInventory{UUID: consoleAgentUUID, Description: "Kumo control plane console proxy", ManagementIP: host,
		ConsoleProxyPort: port, Type: "ManagementServerConsoleProxy", Status: "Connected", State: "Enabled"}
	var saved consoleAgentInventory
	if s.svc.GetZStackObject(r.Context(), kindConsoleAgent, consoleAgentUUID, &saved) == nil {
		a.ConsoleProxyOverriddenIP, a.CreateDate, a.LastOpDate = saved.ConsoleProxyOverriddenIP, saved.CreateDate, saved.LastOpDate
	}
	return a
}

func (s *Server) queryConsoleProxyAgent(r *http.Request) (any, error) {
	return queryReply(r, []consoleAgentInventory{s.consoleAgent(r)}, func(a consoleAgentInventory) string { return a.UUID })
}

// reconnectConsoleProxyAgent has nothing to reconnect: the proxy is in
// the control plane. It answers the agent's state, as ZStack does.
func (s *Server) reconnectConsoleProxyAgent(r *http.Request) (any, error) {
	if err := requireAdmin(r.Context(), "reconnect console proxies"); err != nil {
		return nil, err
	}
	return map[string]any{"inventory": map[string]any{consoleAgentUUID: "Connected"}}, nil
}

func (s *Server) updateConsoleProxyAgent(r *http.Request) (any, error) {
	var p struct {
		ConsoleProxyOverriddenIP string `json:"consoleProxyOverriddenIp"`
	}
	if err := body(r, "updateConsoleProxyAgent", &p); err != nil {
		return nil, err
	}
	if err := requireAdmin(r.Context(), "change console proxies"); err != nil {
		return nil, err
	}
	if zid(r.PathValue("uuid")) != consoleAgentUUID {
		return nil, model.NotFound("console proxy agent", r.PathValue("uuid"))
	}
	if p.ConsoleProxyOverriddenIP != "" && net.ParseIP(p.ConsoleProxyOverriddenIP) == nil {
		return nil, model.FieldError("consoleProxyOverriddenIp", "%q is not an IP address", p.ConsoleProxyOverriddenIP)
	}
	a := s.consoleAgent(r)
	a.ConsoleProxyOverriddenIP, a.LastOpDate = p.ConsoleProxyOverriddenIP, date(time.Now())
	if a.CreateDate == "" {
		a.CreateDate = a.LastOpDate
	}
	return inventory(a), s.svc.PutZStackObject(r.Context(), kindConsoleAgent, consoleAgentUUID, time.Now(), a)
}

// requestConsoleAccess is POST /consoles: a one-time token for a
// websocket at ws://hostname:port/zstack/v1/consoles/ws/<token>.
func (s *Server) requestConsoleAccess(r *http.Request) (any, error) {
	var p struct {
		VMInstanceUUID string `json:"vmInstanceUuid"`
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	vm, err := s.svc.AuthorizeConsole(r.Context(), kumoID(p.VMInstanceUUID))
	if err != nil {
		return nil, err
	}
	token, _ := s.consoles.Issue(console.Target{VMID: vm.ID, Dial: func(c context.Context) (net.Conn, error) {
		return s.svc.DialConsole(c, vm.ID, model.ConsoleVNC)
	}})
	a := s.consoleAgent(r)
	host := a.ManagementIP
	if a.ConsoleProxyOverriddenIP != "" {
		host = a.ConsoleProxyOverriddenIP
	}
	return inventory(map[string]any{"scheme": "ws", "hostname": host, "port": a.ConsoleProxyPort, "token": token,
		"path": consolePath + token}), nil
}

// pipe copies both ways until either side closes.
func pipe(a, b net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	cp := func(dst, src net.Conn) {
		defer wg.Done()
		io.Copy(dst, src)
		dst.Close()
	}
	go cp(a, b)
	go cp(b, a)
	wg.Wait()
}
