package dbc

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"time"

	"github.com/kumo-cloud/kumo/internal/api/jsonbody"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// A DBC task is a VM. Its task_id is the VM's id.

// taskStatus is DBC's name for a VM's state.
func taskStatus(vm model.VM) string {
	switch vm.Status {
	case model.PowerCreating:
		return "creating"
	case model.PowerRunning:
		return "running"
	case model.PowerStopped:
		return "closed"
	case model.PowerPaused:
		return "pm_suspended"
	}
	return string(vm.Status) // crashed, lost, unknown: as Kumo sees it
}

// task is a VM as DBC shows it.
type task struct {
	TaskID     string   `json:"task_id"`
	Status     string   `json:"status"`
	Desc       string   `json:"desc"`
	ImageName  string   `json:"image_name"`
	CPUCores   int      `json:"cpu_cores"`
	MemSize    string   `json:"mem_size"`
	DiskSize   string   `json:"disk_size"`
	GPUCount   int      `json:"gpu_count"`
	IP         string   `json:"ip"`
	SSHPort    string   `json:"ssh_port"`
	RDPPort    string   `json:"rdp_port"`
	CustomPort []string `json:"custom_port"`
	// NetworkFilters are the VM's security group rules.
	NetworkFilters []string `json:"network_filters"`
	// Multicast are the VM's multicast addresses, a NIC each after the
	// LAN's (if any).
	Multicast []string `json:"multicast"`
	// NetworkName and LANIP are the VM's LAN and its address there; the
	// guest configures the address on its second NIC itself.
	NetworkName string `json:"network_name,omitempty"`
	LANIP       string `json:"lan_ip,omitempty"`
	UserName    string `json:"login_username,omitempty"`
	Password    string `json:"login_password,omitempty"`
	CreateTime  string `json:"create_time"`
}

// timeFormat is how DBC writes times.
const timeFormat = "2006-01-02 15:04:05"

func (s *Server) taskOf(c *call, vm model.VM) task {
	t := task{TaskID: vm.ID, Status: taskStatus(vm), Desc: vm.Description, CPUCores: vm.Cores,
		MemSize: gib(int64(vm.MemoryMiB) << 20), DiskSize: gib(vm.DiskBytes), CreateTime: vm.CreatedAt.Local().Format(timeFormat)}
	if img, err := s.svc.GetImage(c.ctx(), vm.ImageID); err == nil {
		t.ImageName = img.Name
	}
	if h, err := s.svc.GetHost(c.ctx(), vm.HostID); err == nil {
		t.IP = hostIP(h)
	}
	t.SSHPort, t.RDPPort, t.CustomPort = loginPorts(vm.PortForwards)
	if t.CustomPort == nil {
		t.CustomPort = []string{}
	}
	t.NetworkFilters, t.Multicast = vm.NetworkFilters, vm.Multicast
	if t.NetworkFilters == nil {
		t.NetworkFilters = []string{}
	}
	if t.Multicast == nil {
		t.Multicast = []string{}
	}
	if m, err := s.svc.VMLAN(c.ctx(), vm.ID); err == nil {
		t.NetworkName, t.LANIP = m.LAN, m.Address
		if l, err := s.svc.GetLAN(c.ctx(), m.LAN); err == nil {
			if pfx, err := netip.ParsePrefix(l.CIDR); err == nil {
				t.LANIP = fmt.Sprintf("%s/%d", m.Address, pfx.Bits())
			}
		}
	}
	if auth, err := s.svc.GuestAuth(c.ctx(), vm.ID); err == nil {
		t.UserName, t.Password = auth.User, auth.Password
	}
	return t
}

// hostIP is the address a host's forwarded ports are reached at: the
// host part of its agent's address.
func hostIP(h model.Host) string {
	u, err := url.Parse(h.Address)
	if err != nil {
		return ""
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		return ip.String()
	}
	return host
}

// ownTask returns the VM of a task_id if the caller's wallet may see it;
// other wallets' VMs are not found (the service hides them), so their
// existence does not leak.
func (s *Server) ownTask(c *call) (model.VM, error) {
	id := c.r.PathValue("task_id")
	vm, err := s.svc.GetVM(c.ctx(), id)
	if model.IsCode(err, model.CodeNotFound) {
		return model.VM{}, model.NotFound("task", id)
	}
	return vm, err
}

// text is a value DBC's documents write as a string but clients also send
// as a number.
type text string

// JSONKind says what a text takes, for decode errors.
func (*text) JSONKind() string { return "a string or a number" }

func (t *text) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return jsonbody.KindError(b, t)
	}
	*t = text(n.String())
	return nil
}

type createTaskParams struct {
	ImageName       string   `json:"image_name"`
	Desc            string   `json:"desc"`
	OperationSystem string   `json:"operation_system"`
	BIOSMode        string   `json:"bios_mode"`
	SSHPort         text     `json:"ssh_port"`
	RDPPort         text     `json:"rdp_port"`
	VNCPort         text     `json:"vnc_port"`
	CustomPort      []string `json:"custom_port"`
	GPUCount        number   `json:"gpu_count"`
	CPUCores        number   `json:"cpu_cores"`
	MemSize         number   `json:"mem_size"`
	DiskSize        number   `json:"disk_size"`
	DataFileName    string   `json:"data_file_name"`
	Multicast       []string `json:"multicast"`
	NetworkName     string   `json:"network_name"`
	PublicIP        string   `json:"public_ip"`
	NetworkFilters  []string `json:"network_filters"`
}

// whole returns n as a whole count, or an error naming field.
func whole(field string, n number, min int) (int, error) {
	if n != number(math.Trunc(float64(n))) || int(n) < min {
		return 0, model.FieldError("additional."+field, "must be a whole number of at least %d, not %v", min, float64(n))
	}
	return int(n), nil
}

// gpusRefused says why a VM cannot have count GPUs on host h.
func gpusRefused(h model.Host, field string, count int) error {
	if count > h.GPUs {
		return model.Errorf(model.CodeInsufficientCapacity, "additional.%s: %d GPUs asked, GPU node %s has %d", field, count, NodeID(h.ID), h.GPUs)
	}
	return errNotImplemented("additional.%s: passing GPUs through to VMs (VFIO) is not implemented in Kumo yet", field)
}

// publicIPRefused refuses what Kumo's per-VM user-mode NAT cannot do.
// (Network filters are checked by the service: it takes those the NAT
// enforces.)
func publicIPRefused(prefix, publicIP string) error {
	if publicIP != "" {
		return errNotImplemented("additional.%spublic_ip: Kumo's VMs reach the outside through their host's NAT; a VM of its own public address needs bridged networking, which the DBC API does not set up yet", prefix)
	}
	return nil
}

func randomName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "dbc-" + hex.EncodeToString(b)
}

// createTask creates a VM from an image of the node and starts it; DBC
// answers at once with the login details, the status telling when the VM
// is ready.
func (s *Server) createTask(c *call) (any, error) {
	var p createTaskParams
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	h, err := s.node(c)
	if err != nil {
		return nil, err
	}
	cores, err := whole("cpu_cores", p.CPUCores, 1)
	if err != nil {
		return nil, err
	}
	if p.MemSize <= 0 {
		return nil, model.FieldError("additional.mem_size", "must be more than 0 (GiB)")
	}
	if p.DiskSize < 0 {
		return nil, model.FieldError("additional.disk_size", "must not be negative (GiB)")
	}
	gpus, err := whole("gpu_count", p.GPUCount, 0)
	if err != nil {
		return nil, err
	}
	if gpus > 0 {
		return nil, gpusRefused(h, "gpu_count", gpus)
	}
	if p.ImageName == "" {
		return nil, model.FieldError("additional.image_name", "is required")
	}
	switch p.OperationSystem {
	case "", "linux", "windows":
	default:
		return nil, model.FieldError("additional.operation_system", "must be linux or windows, not %q", p.OperationSystem)
	}
	switch p.BIOSMode {
	case "", "legacy":
	case "uefi", "pxe":
		return nil, errNotImplemented("additional.bios_mode %s: Kumo boots VMs with legacy BIOS only", p.BIOSMode)
	default:
		return nil, model.FieldError("additional.bios_mode", "must be legacy, uefi or pxe, not %q", p.BIOSMode)
	}
	if p.DataFileName != "" {
		return nil, errNotImplemented("additional.data_file_name: attaching an existing disk file is not implemented in Kumo yet; add an empty data disk with /disk/add instead")
	}
	if p.NetworkName != "" {
		if _, err := s.svc.GetLAN(c.ctx(), p.NetworkName); err != nil {
			return nil, err
		}
	}
	if err := publicIPRefused("", p.PublicIP); err != nil {
		return nil, err
	}
	fwds, err := portMappings{SSH: string(p.SSHPort), RDP: string(p.RDPPort), VNC: string(p.VNCPort), Custom: p.CustomPort}.forwards("")
	if err != nil {
		return nil, err
	}
	img, err := s.svc.GetImage(c.ctx(), p.ImageName)
	if err != nil {
		return nil, model.Errorf(model.CodeNotFound, "additional.image_name: no image %q on GPU node %s", p.ImageName, NodeID(h.ID))
	}
	password := service.RandomSecret(12)
	vm, _, err := s.svc.CreateVM(c.ctx(), service.CreateVMRequest{
		Name: randomName(), Description: p.Desc, Image: img.ID, Cores: cores,
		MemoryMiB: int(math.Round(float64(p.MemSize) * 1024)), DiskBytes: int64(float64(p.DiskSize) * (1 << 30)),
		Start: true, Host: h.ID, PortForwards: fwds, LAN: p.NetworkName, NetworkFilters: p.NetworkFilters,
		Multicast: p.Multicast,
		// The image's account gets a password of its own, as DBC hands
		// every new VM's login out with it.
		CloudInit: &model.CloudInit{AdminName: "root", AdminSecret: password, RootEnabled: true},
	})
	if err != nil {
		return nil, err
	}
	return s.taskOf(c, vm), nil
}

func (s *Server) getTask(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	vm, err := s.ownTask(c)
	if err != nil {
		return nil, err
	}
	return s.taskOf(c, vm), nil
}

func (s *Server) listTasks(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	hosts, err := s.nodes(c)
	if err != nil {
		return nil, err
	}
	on := map[string]bool{}
	for _, h := range hosts {
		on[h.ID] = true
	}
	vms, err := s.svc.ListVMs(c.ctx())
	if err != nil {
		return nil, err
	}
	out := []task{}
	for _, vm := range vms {
		if on[vm.HostID] {
			out = append(out, s.taskOf(c, vm))
		}
	}
	return out, nil
}

// powerAction returns a handler that applies a power action: the VM's
// new state shows in its status as the task runs.
func (s *Server) powerAction(action string, force bool) func(c *call) (any, error) {
	return func(c *call) (any, error) {
		if err := c.additional(&struct{}{}); err != nil {
			return nil, err
		}
		vm, err := s.ownTask(c)
		if err != nil {
			return nil, err
		}
		op, err := s.svc.ChangeVMState(c.ctx(), vm.ID, service.ChangeVMStateRequest{Action: action, Force: force})
		if err != nil {
			return nil, err
		}
		return map[string]string{"task_id": vm.ID, "status": statusAfter(action, vm), "operation_id": op.ID}, nil
	}
}

// statusAfter is what a power action's reply says of the VM: the action
// was accepted and its task runs, so a start answers "starting" (and a
// stop "stopping", a restart "restarting"), not the state before it;
// a VM already where the action leads answers that state.
func statusAfter(action string, vm model.VM) string {
	switch action {
	case service.ActionStart:
		if vm.Status == model.PowerRunning {
			return "running"
		}
		return "starting"
	case service.ActionStop, service.ActionPowerOff:
		if vm.Status == model.PowerStopped {
			return "closed"
		}
		return "stopping"
	case service.ActionReboot:
		return "restarting"
	}
	return taskStatus(vm)
}

// restartTask reboots a VM. Kumo's reboot is a reset of the VM, which
// the document allows for the plain form ("the hypervisor picks the way
// it thinks best") and asks for with force_reboot.
func (s *Server) restartTask(c *call) (any, error) {
	switch c.r.URL.Query().Get("force_reboot") {
	case "", "true", "1", "false", "0":
	default:
		return nil, model.FieldError("force_reboot", "must be true, 1, false or 0, not %q", c.r.URL.Query().Get("force_reboot"))
	}
	return s.powerAction(service.ActionReboot, false)(c)
}

func (s *Server) deleteTask(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	vm, err := s.ownTask(c)
	if err != nil {
		return nil, err
	}
	op, err := s.svc.DeleteVM(c.ctx(), vm.ID)
	if err != nil {
		return nil, err
	}
	return map[string]string{"task_id": vm.ID, "status": "deleting", "operation_id": op.ID}, nil
}

type modifyTaskParams struct {
	NewSSHPort        *text     `json:"new_ssh_port"`
	NewVNCPort        *text     `json:"new_vnc_port"`
	NewRDPPort        *text     `json:"new_rdp_port"`
	NewCustomPort     *[]string `json:"new_custom_port"`
	NewGPUCount       *number   `json:"new_gpu_count"`
	NewCPUCores       *number   `json:"new_cpu_cores"`
	NewMemSize        *number   `json:"new_mem_size"`
	NewPublicIP       *string   `json:"new_public_ip"`
	NewNetworkFilters *[]string `json:"new_network_filters"`
}

// modifyTask changes a VM's ports, cores and memory. Ports apply at the
// VM's next start (QEMU binds them when it starts); cores and memory need
// the VM stopped, as Kumo changes them only then.
func (s *Server) modifyTask(c *call) (any, error) {
	var p modifyTaskParams
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	vm, err := s.ownTask(c)
	if err != nil {
		return nil, err
	}
	if p.NewPublicIP != nil {
		if err := publicIPRefused("new_", *p.NewPublicIP); err != nil {
			return nil, err
		}
	}
	if p.NewGPUCount != nil {
		gpus, err := whole("new_gpu_count", *p.NewGPUCount, 0)
		if err != nil {
			return nil, err
		}
		if gpus > 0 {
			h, _ := s.svc.GetHost(c.ctx(), vm.HostID)
			return nil, gpusRefused(h, "new_gpu_count", gpus)
		}
	}
	req := service.UpdateVMRequest{NetworkFilters: p.NewNetworkFilters}
	if p.NewCPUCores != nil {
		cores, err := whole("new_cpu_cores", *p.NewCPUCores, 1)
		if err != nil {
			return nil, err
		}
		req.Cores = &cores
	}
	if p.NewMemSize != nil {
		if *p.NewMemSize <= 0 {
			return nil, model.FieldError("additional.new_mem_size", "must be more than 0 (GiB)")
		}
		mib := int(math.Round(float64(*p.NewMemSize) * 1024))
		req.MemoryMiB = &mib
	}
	if p.NewSSHPort != nil || p.NewRDPPort != nil || p.NewVNCPort != nil || p.NewCustomPort != nil {
		// Unnamed mappings stay as they are.
		var m portMappings
		m.SSH, m.RDP, m.Custom = loginPorts(vm.PortForwards)
		if p.NewSSHPort != nil {
			m.SSH = string(*p.NewSSHPort)
		}
		if p.NewRDPPort != nil {
			m.RDP = string(*p.NewRDPPort)
		}
		if p.NewVNCPort != nil {
			m.VNC = string(*p.NewVNCPort)
		}
		if p.NewCustomPort != nil {
			m.Custom = *p.NewCustomPort
		}
		fwds, err := m.forwards("new_")
		if err != nil {
			return nil, err
		}
		req.PortForwards = &fwds
	}
	vm, err = s.svc.UpdateVM(c.ctx(), vm.ID, req)
	if err != nil {
		return nil, err
	}
	return s.taskOf(c, vm), nil
}

type passwdParams struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// passwdTask sets a guest account's password through qemu-guest-agent;
// the VM must be running.
func (s *Server) passwdTask(c *call) (any, error) {
	var p passwdParams
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	vm, err := s.ownTask(c)
	if err != nil {
		return nil, err
	}
	if p.Username == "" || p.Password == "" {
		return nil, model.FieldError("additional", "username and password are required")
	}
	if vm.Status != model.PowerRunning {
		return nil, model.Errorf(model.CodeConflict, "task %s is %s: only a running VM's password can be changed", vm.ID, taskStatus(vm))
	}
	if _, err := s.svc.SetGuestPassword(c.ctx(), vm.ID, p.Username, p.Password); err != nil {
		return nil, err
	}
	return map[string]string{"task_id": vm.ID, "username": p.Username, "time": time.Now().Format(timeFormat)}, nil
}
