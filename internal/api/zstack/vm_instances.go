package zstack

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"math"
	"net"
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/internal/store"
)

// VM instances map onto Kumo VMs. A VM is sized by cpuNum and memorySize
// or by an instance offering of the catalogue (instance_offerings.go);
// its first NIC is on the NAT network and a second one on a LAN if one of
// its l3NetworkUuids names one (l3_networks.go); its zone and cluster
// are its pool (zones.go).

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

type vmInventory struct {
	UUID           string `json:"uuid"`
	Name           string `json:"name"`
	Description    string `json:"description"`
	Type           string `json:"type"`
	HypervisorType string `json:"hypervisorType"`
	State          string `json:"state"`
	CPUNum         int    `json:"cpuNum"`
	MemorySize     int64  `json:"memorySize"`
	ImageUUID      string `json:"imageUuid"`
	ZoneUUID       string `json:"zoneUuid"`
	ClusterUUID    string `json:"clusterUuid"`
	// InstanceOfferingUUID is the offering of the VM's size, if one
	// of the catalogue has it (instance_offerings.go).
	InstanceOfferingUUID string            `json:"instanceOfferingUuid,omitempty"`
	DefaultL3NetworkUUID string            `json:"defaultL3NetworkUuid"`
	AllocatorStrategy    string            `json:"allocatorStrategy"`
	Architecture         string            `json:"architecture"`
	HostUUID             string            `json:"hostUuid,omitempty"`
	LastHostUUID         string            `json:"lastHostUuid,omitempty"`
	Platform             string            `json:"platform"`
	OwnerAccountUUID     string            `json:"ownerAccountUuid"`
	CreateDate           string            `json:"createDate"`
	LastOpDate           string            `json:"lastOpDate"`
	RootVolumeUUID       string            `json:"rootVolumeUuid"`
	VMNics               []nicInventory    `json:"vmNics"`
	AllVolumes           []volumeInventory `json:"allVolumes"`
	Host                 *hostRef          `json:"host,omitempty"`
	Image                *imageRef         `json:"image,omitempty"`
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
			hosts[h.ID] = hostRef{UUID: zid(h.ID), Name: h.Name, ManagementIP: managementIP(h), State: string(h.State)}
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
		inv := vmInventory{UUID: zid(vm.ID), Name: vm.Name, Description: vm.Description, Type: "UserVm", HypervisorType: "KVM",
			State: vmState(vm), CPUNum: vm.Cores, MemorySize: int64(vm.MemoryMiB) << 20, ImageUUID: zid(vm.ImageID),
			ZoneUUID: zoneUUID(vm.PoolID), ClusterUUID: zid(vm.PoolID), InstanceOfferingUUID: vmOffering(vm.Cores, vm.MemoryMiB),
			DefaultL3NetworkUUID: natL3UUID, AllocatorStrategy: "LeastVmPreferredHostAllocatorStrategy", Architecture: architecture(),
			LastHostUUID: zid(vm.HostID), Platform: "Linux", OwnerAccountUUID: ownerAccount(admins, vm.TenantID, vm.Owner),
			CreateDate: date(vm.CreatedAt), LastOpDate: date(vm.UpdatedAt),
			RootVolumeUUID: rootVolumeUUID(vm.ID), AllVolumes: vmVolumes(vm), VMNics: s.vmNics(ctx, vm),
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
		DefaultL3NetworkUUID string   `json:"defaultL3NetworkUuid"`
		ZoneUUID             string   `json:"zoneUuid"`
		ClusterUUID          string   `json:"clusterUuid"`
		HostUUID             string   `json:"hostUuid"`
		RootDiskSize         float64  `json:"rootDiskSize"`
		Strategy             string   `json:"strategy"`
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	ctx := r.Context()
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
	if memBytes%(1<<20) != 0 {
		return nil, model.FieldError("memorySize", "must be a whole number of MiB (%d bytes is not)", memBytes)
	}
	if p.InstanceOfferingUUID != "" {
		// The offering sizes the VM; cpuNum and memorySize, if given
		// too, must say the same.
		o, err := offeringOf(p.InstanceOfferingUUID)
		if err != nil {
			return nil, err
		}
		if cores != 0 && int(cores) != o.CPUNum {
			return nil, model.FieldError("cpuNum", "is %d but instance offering %s has %d: give one or the other", cores, o.Name, o.CPUNum)
		}
		if memBytes != 0 && memBytes != o.MemorySize {
			return nil, model.FieldError("memorySize", "is %d but instance offering %s has %d: give one or the other", memBytes, o.Name, o.MemorySize)
		}
		cores, memBytes = int64(o.CPUNum), o.MemorySize
	}
	if cores == 0 {
		cores = service.DefaultCores
	}
	memMiB := service.DefaultMemoryMiB
	if memBytes != 0 {
		memMiB = int(memBytes >> 20)
	}
	diskBytes, err := wholeNumber("rootDiskSize", p.RootDiskSize)
	if err != nil {
		return nil, err
	}
	lan, err := s.lanOfL3(r, p.L3NetworkUUIDs)
	if err != nil {
		return nil, err
	}
	if p.DefaultL3NetworkUUID != "" && p.DefaultL3NetworkUUID != natL3UUID {
		return nil, model.FieldError("defaultL3NetworkUuid", "must be the NAT network %s: a VM's default route is its NAT NIC", natL3UUID)
	}
	// A cluster is a pool, and so is a zone; the cluster wins, as in ZStack.
	pool, err := s.poolOfPlace(r, "zoneUuid", p.ZoneUUID)
	if err != nil {
		return nil, err
	}
	if p.ClusterUUID != "" {
		if pool, err = s.poolOfPlace(r, "clusterUuid", p.ClusterUUID); err != nil {
			return nil, err
		}
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
	vm, t, err := s.svc.CreateVM(ctx, service.CreateVMRequest{Name: p.Name, Description: p.Description, Pool: pool,
		Image: kumoID(p.ImageUUID), Cores: int(cores), MemoryMiB: memMiB, DiskBytes: int64(diskBytes), Start: start,
		Host: kumoIDOrEmpty(p.HostUUID), LAN: lan})
	if err != nil {
		return nil, err
	}
	return pendingJob{task: t, vm: vm.ID}, nil
}

func kumoIDOrEmpty(z string) string {
	if z == "" {
		return ""
	}
	return kumoID(z)
}

func (s *Server) destroyVmInstance(r *http.Request) (any, error) {
	t, err := s.svc.DeleteVM(r.Context(), kumoID(r.PathValue("uuid")))
	if err != nil {
		return nil, err
	}
	return pendingJob{task: t}, nil
}

// expungeVmInstance removes a destroyed VM for good. Kumo's destroy
// already removed the VM and its disks (there is no Destroyed state), so
// expunging a VM the caller destroyed succeeds with nothing left to do,
// and expunging a VM that still exists destroys it.
func (s *Server) expungeVmInstance(r *http.Request, id string) (any, error) {
	ctx := r.Context()
	if _, err := s.svc.GetVM(ctx, id); err == nil {
		t, err := s.svc.DeleteVM(ctx, id)
		if err != nil {
			return nil, err
		}
		return pendingJob{task: t}, nil
	} else if !model.IsCode(err, model.CodeNotFound) {
		return nil, err
	}
	deletes, err := s.svc.ListTasks(ctx, store.TaskFilter{TargetID: id, Kind: "vm.delete", States: []model.TaskState{model.TaskSucceeded}, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(deletes) == 0 {
		return nil, model.Errorf(model.CodeNotFound, "no such VM instance: %s", zid(id))
	}
	return struct{}{}, nil
}

// vmActions maps the action objects of PUT /vm-instances/{uuid}/actions
// to their API names.
var vmActions = map[string]string{
	"startVmInstance": "StartVmInstance", "stopVmInstance": "StopVmInstance", "rebootVmInstance": "RebootVmInstance",
	"pauseVmInstance": "PauseVmInstance", "resumeVmInstance": "ResumeVmInstance", "updateVmInstance": "UpdateVmInstance",
	"expungeVmInstance": "ExpungeVmInstance",
}

func (s *Server) vmInstanceActions(r *http.Request) (any, error) {
	action, err := actionOf(r)
	if err != nil {
		return nil, err
	}
	api, ok := vmActions[action]
	if !ok {
		return nil, errNotSupported("VM action %q: Kumo offers startVmInstance, stopVmInstance, rebootVmInstance, pauseVmInstance, resumeVmInstance, updateVmInstance and expungeVmInstance", action)
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
	if action == "expungeVmInstance" {
		return s.expungeVmInstance(r, id)
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
		// A grace stop that the guest does not honour within the
		// service's stop timeout powers the VM off, as ZStack does.
		switch p.Type {
		case "", "grace":
			req.Action, req.Force = service.ActionStop, true
		case "cold":
			req.Action = service.ActionPowerOff
		default:
			return nil, model.FieldError("stopVmInstance.type", "must be grace or cold, not %q", p.Type)
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
