package cloudtower

import (
	"context"
	"net"
	"net/http"
	"net/url"

	"github.com/kumo-cloud/kumo/internal/console"
	"github.com/kumo-cloud/kumo/internal/model"
)

// The guide gets VNC details from CloudTower's GraphQL endpoint (POST
// /api, operation vnc) and opens
// wss://$cluster_ip/websockify/?uuid=$vm_uuid&token=$raw_token&host=$host_ip.
// Kumo answers that one operation (the query text is not parsed: only
// operationName and variables are read) and serves /websockify/ on this
// listener: raw_token is a single-use console token (console.Broker),
// and cluster_ip is this listener's address, host and port, which the
// URL works with. The listener speaks plain HTTP, so the scheme is ws
// unless a TLS proxy fronts it.

type vncRequest struct {
	OperationName string `json:"operationName"`
	Variables     struct {
		Input struct {
			VM struct {
				ID string `json:"id"`
			} `json:"vm"`
		} `json:"input"`
	} `json:"variables"`
	Query string `json:"query"`
}

type vncInfo struct {
	VMUUID    string `json:"vm_uuid"`
	HostIP    string `json:"host_ip"`
	ClusterIP string `json:"cluster_ip"`
	RawToken  string `json:"raw_token"`
}

func (s *Server) vnc(r *http.Request, body []byte) (any, error) {
	var req vncRequest
	if err := decodeStrict(body, &req); err != nil {
		return nil, err
	}
	if req.OperationName != "vnc" {
		return nil, errRefused("GraphQL operation " + req.OperationName + ": Kumo answers only the vnc query on /api")
	}
	id := req.Variables.Input.VM.ID
	if id == "" {
		return nil, model.FieldError("variables.input.vm.id", "is required")
	}
	vm, err := s.svc.AuthorizeConsole(r.Context(), id)
	if err != nil {
		return nil, err
	}
	hostIP := ""
	if h, err := s.svc.GetHost(r.Context(), vm.HostID); err == nil {
		if u, err := url.Parse(h.Address); err == nil {
			hostIP, _, _ = net.SplitHostPort(u.Host)
		}
	}
	vmID := vm.ID
	token, _ := s.consoles.Issue(console.Target{VMID: vmID, Dial: func(c context.Context) (net.Conn, error) {
		return s.svc.DialConsole(c, vmID, model.ConsoleVNC)
	}})
	return map[string]any{"data": map[string]any{"vnc": vncInfo{VMUUID: vm.ID, HostIP: hostIP, ClusterIP: r.Host, RawToken: token}}}, nil
}

// vmVncInfo is the SDK's VmVncInfo, the reply of /get-vm-vnc-info.
type vmVncInfo struct {
	VM        vm     `json:"vm"`
	ClusterIP string `json:"cluster_ip"`
	Redirect  string `json:"redirect"`
	Terminal  string `json:"terminal"`
	Direct    string `json:"direct"`
}

// getVMVncInfo is /get-vm-vnc-info (the SDK's way to a console): the
// same single-use token as the GraphQL vnc query. redirect, terminal and
// direct are all the websocket URL of the VM's VNC on this listener:
// Kumo has no separate console page or direct host port.
func (s *Server) getVMVncInfo(r *http.Request, body []byte) (any, error) {
	var req struct {
		VM struct {
			ID      string `json:"id"`
			LocalID string `json:"local_id"`
		} `json:"vm"`
	}
	if err := decodeStrict(body, &req); err != nil {
		return nil, err
	}
	id := req.VM.ID
	if id == "" {
		id = req.VM.LocalID
	}
	if id == "" {
		return nil, model.FieldError("vm.id", "is required")
	}
	v, err := s.svc.AuthorizeConsole(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if v.Status != model.PowerRunning && v.Status != model.PowerPaused {
		return nil, model.Errorf(model.CodeConflict, "VM %s is %s: its console is there while it runs", v.Name, vmStatus(v.Status))
	}
	data, err := s.vmAfter(r.Context(), v.ID)
	if err != nil {
		return nil, err
	}
	vmID := v.ID
	token, _ := s.consoles.Issue(console.Target{VMID: vmID, Dial: func(c context.Context) (net.Conn, error) {
		return s.svc.DialConsole(c, vmID, model.ConsoleVNC)
	}})
	hostIP := ""
	if data.Host != nil {
		hostIP = data.Host.ManagementIP
	}
	ws := "ws://" + r.Host + "/websockify/?" + url.Values{"uuid": {vmID}, "token": {token}, "host": {hostIP}}.Encode()
	return vmVncInfo{VM: data, ClusterIP: r.Host, Redirect: ws, Terminal: ws, Direct: ws}, nil
}
