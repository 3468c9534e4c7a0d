package zstack

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"math"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// VM instances map onto Kumo VMs. Kumo has no instance offerings or L3
// networks: a VM is sized by cpuNum and memorySize, and has one NIC on
// its host's user-mode NAT (or the address its address pool gave it).

type nicInventory struct {
	UUID           string `json:"uuid"`
	VMInstanceUUID string `json:"vmInstanceUuid"`
	IP             string `json:"ip"`
	Mac            string `json:"mac"`
	Netmask        string `json:"netmask"`
	Gateway        string `json:"gateway"`
	DeviceID       int    `json:"deviceId"`
	CreateDate     string `json:"createDate"`
	LastOpDate     string `json:"lastOpDate"`
}

type hostRef struct {
	UUID         string `json:"uuid"`
	Name         string `json:"name"`
	ManagementIP string `json:"managementIp"`
	State        string `json:"state"`
}

type imageRef struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// volumeInventory is a VM's system disk, its only volume in Kumo.
type volumeInventory struct {
	UUID           string `json:"uuid"`
	Name           string `json:"name"`
	VMInstanceUUID string `json:"vmInstanceUuid"`
	Type           string `json:"type"`
	Format         string `json:"format"`
	Size           int64  `json:"size"`
	DeviceID       int    `json:"deviceId"`
	State          string `json:"state"`
	Status         string `json:"status"`
	CreateDate     string `json:"createDate"`
	LastOpDate     string `json:"lastOpDate"`
}

type vmInventory struct {
	UUID             string            `json:"uuid"`
	Name             string            `json:"name"`
	Description      string            `json:"description"`
	Type             string            `json:"type"`
	HypervisorType   string            `json:"hypervisorType"`
	State            string            `json:"state"`
	CPUNum           int               `json:"cpuNum"`
	MemorySize       int64             `json:"memorySize"`
	ImageUUID        string            `json:"imageUuid"`
	HostUUID         string            `json:"hostUuid,omitempty"`
	LastHostUUID     string            `json:"lastHostUuid,omitempty"`
	Platform         string            `json:"platform"`
	OwnerAccountUUID string            `json:"ownerAccountUuid"`
	CreateDate       string            `json:"createDate"`
	LastOpDate       string            `json:"lastOpDate"`
	RootVolumeUUID   string            `json:"rootVolumeUuid"`
	VMNics           []nicInventory    `json:"vmNics"`
	AllVolumes       []volumeInventory `json:"allVolumes"`
	Host             *hostRef          `json:"host,omitempty"`
	Image            *imageRef         `json:"image,omitempty"`
}

// vmState is ZStack's name of a Kumo VM's state.
func vmState(vm model.VM) string {
	switch vm.Status {
	case model.PowerRunning:
		if vm.PowerState == model.PowerStopped {
			return "Stopping"
		}
		return "Running"
	case model.PowerStopped:
		if vm.PowerState == model.PowerRunning {
			return "Starting"
		}
		return "Stopped"
	case model.PowerPaused:
		return "Paused"
	case model.PowerCreating:
		if vm.PowerState == model.PowerRunning {
			return "Starting"
		}
		return "Created"
	case model.PowerCrashed:
		return "Crashed"
	}
	return "Unknown"
}

// partUUID derives a stable uuid for a part of a VM (its NIC, its
// disk), which Kumo does not keep as objects of their own.
func partUUID(vmID, part string) string {
	sum := md5.Sum([]byte(vmID + "/" + part))
	return hex.EncodeToString(sum[:])
}

// vmInventories renders VMs with their NIC, host and image.
func (s *Server) vmInventories(ctx context.Context, vms []model.VM) ([]vmInventory, error) {
	admins := s.adminAccounts(ctx)
	// Only callers that may read hosts see the VM's host object.
	hosts := map[string]hostRef{}
	if hs, err := s.svc.ListHosts(ctx); err == nil {
		for _, h := range hs {
			ip := ""
			if u, err := url.Parse(h.Address); err == nil {
				ip = u.Hostname()
			}
			hosts[h.ID] = hostRef{UUID: zid(h.ID), Name: h.Name, ManagementIP: ip, State: string(h.State)}
		}
	}
	images := map[string]imageRef{}
	if imgs, err := s.svc.ListImages(ctx); err == nil {
		for _, img := range imgs {
			images[img.ID] = imageRef{UUID: zid(img.ID), Name: img.Name}
		}
	}
	out := make([]vmInventory, 0, len(vms))
	for _, vm := range vms {
		ip := "10.0.2.15" // QEMU user-mode NAT gives every guest this address
		if a, ok, err := s.svc.VMAddress(ctx, vm.ID); err == nil && ok {
			ip = a.Address
		}
		inv := vmInventory{UUID: zid(vm.ID), Name: vm.Name, Description: vm.Description, Type: "UserVm", HypervisorType: "KVM",
			State: vmState(vm), CPUNum: vm.Cores, MemorySize: int64(vm.MemoryMiB) << 20, ImageUUID: zid(vm.ImageID),
			LastHostUUID: zid(vm.HostID), Platform: "Linux", OwnerAccountUUID: ownerAccount(admins, vm.TenantID, vm.Owner),
			CreateDate: date(vm.CreatedAt), LastOpDate: date(vm.UpdatedAt),
			RootVolumeUUID: partUUID(vm.ID, "root"),
			AllVolumes: []volumeInventory{{UUID: partUUID(vm.ID, "root"), Name: "ROOT-for-" + vm.Name, VMInstanceUUID: zid(vm.ID),
				Type: "Root", Format: "qcow2", Size: vm.DiskBytes, State: "Enabled", Status: "Ready",
				CreateDate: date(vm.CreatedAt), LastOpDate: date(vm.UpdatedAt)}},
			VMNics: []nicInventory{{UUID: partUUID(vm.ID, "nic0"), VMInstanceUUID: zid(vm.ID), IP: ip, Mac: service.MACFor(vm.ID),
				Netmask: "255.255.255.0", Gateway: "10.0.2.2", CreateDate: date(vm.CreatedAt), LastOpDate: date(vm.UpdatedAt)}},
		}
		if vm.Status == model.PowerRunning || vm.Status == model.PowerPaused {
			inv.HostUUID = zid(vm.HostID)
		}
		if h, ok := hosts[vm.HostID]; ok {
			inv.Host = &h
		}
		if img, ok := images[vm.ImageID]; ok {
			inv.Image = &img
		}
		out = append(out, inv)
	}
	return out, nil
}

func (s *Server) vmInventory(ctx context.Context, id string) (vmInventory, error) {
	vm, err := s.svc.GetVM(ctx, kumoID(id))
	if err != nil {
		return vmInventory{}, err
	}
	invs, err := s.vmInventories(ctx, []model.VM{vm})
	if err != nil {
		return vmInventory{}, err
	}
	return invs[0], nil
}

func (s *Server) queryVmInstance(r *http.Request) (any, error) {
	vms, err := s.svc.ListVMs(r.Context())
	if err != nil {
		return nil, err
	}
	invs, err := s.vmInventories(r.Context(), vms)
	if err != nil {
		return nil, err
	}
	return queryReply(r, invs, func(v vmInventory) string { return v.UUID })
}

func (s *Server) createVmInstance(r *http.Request) (any, error) {
	var p struct {
		Name                 string   `json:"name"`
		Description          string   `json:"description"`
		ImageUUID            string   `json:"imageUuid"`
		InstanceOfferingUUID string   `json:"instanceOfferingUuid"`
		CPUNum               float64  `json:"cpuNum"`
		MemorySize           float64  `json:"memorySize"`
		L3NetworkUUIDs       []string `json:"l3NetworkUuids"`
		Strategy             string   `json:"strategy"`
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	ctx := r.Context()
	if p.InstanceOfferingUUID != "" && (p.CPUNum == 0 || p.MemorySize == 0) {
		return nil, errNotSupported("instance offerings: Kumo has none, give cpuNum and memorySize instead of instanceOfferingUuid")
	}
	if p.ImageUUID == "" {
		return nil, model.FieldError("imageUuid", "is required")
	}
	cores, err := wholeNumber("cpuNum", p.CPUNum)
	if err != nil {
		return nil, err
	}
	memBytes, err := wholeNumber("memorySize", p.MemorySize)
	if err != nil {
		return nil, err
	}
	if cores == 0 {
		cores = service.DefaultCores
	}
	memMiB := service.DefaultMemoryMiB
	if memBytes != 0 {
		memMiB = int(memBytes >> 20)
	}
	start := true
	switch p.Strategy {
	case "", "InstantStart":
	case "CreateStopped":
		start = false
	default:
		return nil, model.FieldError("strategy", "must be InstantStart or CreateStopped, not %q", p.Strategy)
	}
	// The core checks the account's quotas in the create's transaction.
	vm, t, err := s.svc.CreateVM(ctx, service.CreateVMRequest{Name: p.Name, Description: p.Description,
		Image: kumoID(p.ImageUUID), Cores: int(cores), MemoryMiB: memMiB, Start: start})
	if err != nil {
		return nil, err
	}
	return pendingJob{task: t, vm: vm.ID}, nil
}

func (s *Server) destroyVmInstance(r *http.Request) (any, error) {
	t, err := s.svc.DeleteVM(r.Context(), kumoID(r.PathValue("uuid")))
	if err != nil {
		return nil, err
	}
	return pendingJob{task: t}, nil
}

// vmActions maps the action objects of PUT /vm-instances/{uuid}/actions
// to their API names.
var vmActions = map[string]string{
	"startVmInstance": "StartVmInstance", "stopVmInstance": "StopVmInstance", "rebootVmInstance": "RebootVmInstance",
	"pauseVmInstance": "PauseVmInstance", "resumeVmInstance": "ResumeVmInstance", "updateVmInstance": "UpdateVmInstance",
}

func (s *Server) vmInstanceActions(r *http.Request) (any, error) {
	action, err := actionOf(r)
	if err != nil {
		return nil, err
	}
	api, ok := vmActions[action]
	if !ok {
		return nil, errNotSupported("VM action %q: Kumo offers startVmInstance, stopVmInstance, rebootVmInstance, pauseVmInstance, resumeVmInstance and updateVmInstance", action)
	}
	ctx := r.Context()
	if err := authorizeAPI(ctx, api, permissionOf(api)); err != nil {
		return nil, err
	}
	id := kumoID(r.PathValue("uuid"))
	var p struct {
		Type        string   `json:"type"`
		Name        *string  `json:"name"`
		Description *string  `json:"description"`
		CPUNum      *float64 `json:"cpuNum"`
		MemorySize  *float64 `json:"memorySize"`
	}
	if err := body(r, action, &p); err != nil {
		return nil, err
	}
	if action == "updateVmInstance" {
		upd := service.UpdateVMRequest{Name: p.Name, Description: p.Description}
		if p.CPUNum != nil {
			n, err := wholeNumber("cpuNum", *p.CPUNum)
			if err != nil {
				return nil, err
			}
			cores := int(n)
			upd.Cores = &cores
		}
		if p.MemorySize != nil {
			n, err := wholeNumber("memorySize", *p.MemorySize)
			if err != nil {
				return nil, err
			}
			mib := int(n >> 20)
			upd.MemoryMiB = &mib
		}
		vm, err := s.svc.UpdateVM(ctx, id, upd)
		if err != nil {
			return nil, err
		}
		inv, err := s.vmInventory(ctx, vm.ID)
		return inventory(inv), err
	}
	req := service.ChangeVMStateRequest{}
	switch action {
	case "startVmInstance":
		req.Action = service.ActionStart
	case "stopVmInstance":
		req.Action = service.ActionStop
		if p.Type == "cold" {
			req.Action = service.ActionPowerOff
		}
	case "rebootVmInstance":
		req.Action = service.ActionReboot
	case "pauseVmInstance":
		req.Action = service.ActionPause
	case "resumeVmInstance":
		req.Action = service.ActionResume
	}
	t, err := s.svc.ChangeVMState(ctx, id, req)
	if err != nil {
		return nil, err
	}
	return pendingJob{task: t, vm: id}, nil
}

// consoleListeners are the per-VM TCP ports GetVmConsoleAddress hands
// out: each accepted connection is piped to the VM's VNC server through
// its host's agent, so a VNC client can connect to host:port directly,
// as it would to a ZStack host. They listen on loopback only.
type consoleListener struct {
	ln net.Listener
}

func (s *Server) getVmConsoleAddress(r *http.Request) (any, error) {
	vm, err := s.svc.AuthorizeConsole(r.Context(), kumoID(r.PathValue("uuid")))
	if err != nil {
		return nil, err
	}
	port, err := s.consolePort(vm.ID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"hostIp": "127.0.0.1", "port": port, "protocol": "vnc", "success": true,
		"vdiPortInfo": map[string]any{"vncPort": port}}, nil
}

// consolePort returns the loopback port that proxies a VM's VNC.
func (s *Server) consolePort(vmID string) (int, error) {
	s.consoleMu.Lock()
	defer s.consoleMu.Unlock()
	if cl, ok := s.consoleLns[vmID]; ok {
		return cl.ln.Addr().(*net.TCPAddr).Port, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	s.consoleLns[vmID] = consoleListener{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				vnc, err := s.svc.DialConsole(ctx, vmID, model.ConsoleVNC)
				cancel()
				if err != nil {
					s.log.Warn("zstack console port: dial VNC", "vm", vmID, "err", err)
					return
				}
				defer vnc.Close()
				pipe(c, vnc)
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// wholeNumber reads a JSON number as ZStack's SDKs send them (Java's
// Gson writes 2 as 2.0 and 1 GiB as 1.073741824E9).
func wholeNumber(field string, f float64) (int64, error) {
	if f < 0 || f != math.Trunc(f) || f > 1<<53 {
		return 0, model.FieldError(field, "must be a non-negative whole number, not %v", f)
	}
	return int64(f), nil
}
