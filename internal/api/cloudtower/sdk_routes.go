package cloudtower

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// sdkOperation is an operation of CloudTower's Go SDK that the guide does
// not show, with the SDK client package it is in.
type sdkOperation struct {
	operation
	pkg string
}

// sdkOperations lists the SDK's operations on VMs, disks, snapshots,
// templates, images, vlans and NICs, hosts, clusters and tasks beyond
// the guide's (testdata/sdk_operations.txt, read from the SDK's client
// packages), each served or refused with the reason. The second table
// of docs/cloudtower-endpoints.md is made from it.
func (s *Server) sdkOperations() []sdkOperation {
	served := func(pkg, name string, perm model.Permission, h func(*http.Request, []byte) (any, error), note string) sdkOperation {
		return sdkOperation{operation{name: name, perm: perm, handle: h, note: note}, pkg}
	}
	refused := func(pkg, name string, perm model.Permission, why string) sdkOperation {
		return sdkOperation{operation{name: name, perm: perm, refused: why}, pkg}
	}
	count := func(pkg, name string, perm model.Permission, of string, h func(*http.Request, []byte) (any, error)) sdkOperation {
		return served(pkg, name, perm, connectionOf(h), "counts what /"+of+" lists for the same where")
	}
	return []sdkOperation{
		refused("vm", "abort-migrate-vm-across-cluster", model.PermVMMigrate, noCrossCluster),
		served("vm", "add-vm-disk", model.PermVMUpdate, s.addVMVolume, "as /add-vm-volume"),
		refused("vm", "add-vm-gpu-device", model.PermVMUpdate, noPassthrough),
		refused("vm", "add-vm-pci-nic", model.PermVMUpdate, noPassthrough),
		refused("vm", "add-vm-to-folder", model.PermVMUpdate, noFolders),
		served("vm", "clone-vm", model.PermVMCreate, s.cloneVM, "a new VM whose system disk is a full copy of `src_vm_id`'s (which must be stopped), on its host; `is_full_copy` false is taken but the copy is full; data disks are not copied; `vm_disks` refused; otherwise as create-vm-from-template (cores and memory default to the source's)"),
		refused("vm", "convert-vm-template-to-vm", model.PermVMCreate, templatesAreImages),
		refused("vm", "create-vm-from-content-library-template", model.PermVMCreate, noContentLibrary),
		refused("vm", "create-vm-from-content-library-template-batch", model.PermVMCreate, noContentLibrary),
		refused("vm", "download_nvram", model.PermVMRead, noNVRAM),
		served("vm", "eject-iso-from-vm-cd-rom", model.PermVMUpdate, s.ejectCDROMs, "`where` selects CD-ROM drives (see /get-vm-disks); ejects each one's ISO; the VM must run; `task_id` null"),
		served("vm", "expand-vm-disk", model.PermVMUpdate, s.expandVMDisk, "`where` selects disks (see /get-vm-disks: system and data disks; CD-ROM drives refused); each grows to `size` (`size_unit`, bytes by default; a multiple of 512 bytes, never smaller) by a task of its VM, which must be stopped"),
		refused("vm", "export-vm", model.PermVMRead, noOVF),
		served("vm", "force-restart-vm", model.PermVMReboot, s.power(service.ActionReboot), "resets the running guest, like its reset button (Kumo's restart-vm is the same reset)"),
		refused("vm", "get-vm-gpu-device-info", model.PermVMRead, noPassthrough),
		served("vm", "get-vm-vnc-info", model.PermVMConsole, s.getVMVncInfo, "the VM must run; `redirect`, `terminal` and `direct` are one single-use websocket URL of its VNC on this listener (`ws://<cluster_ip>/websockify/?token=...`, as the GraphQL vnc query)"),
		count("vm", "get-vms-connection", model.PermVMRead, "get-vms", s.getVMs),
		refused("vm", "import-vm", model.PermVMCreate, noOVF),
		refused("vm", "install-vmtools", model.PermVMUpdate, "Kumo has no VMTools ISO; its guests may run qemu-guest-agent, which needs no install through the API"),
		refused("vm", "migrate-vm-across-cluster", model.PermVMMigrate, noCrossCluster),
		refused("vm", "move-vm-to-recycle", model.PermVMDelete, noRecycleBin),
		refused("vm", "rebuild-vm-from-snapshot", model.PermVMCreate, "a Kumo snapshot lives inside its VM's disk: roll the VM back to it (/rollback-vm), or clone the VM (/clone-vm)"),
		refused("vm", "recover-vm-from-recycle", model.PermVMDelete, noRecycleBin),
		served("vm", "remove-vm-disk", model.PermVMUpdate, s.removeVMVolume, "as /remove-vm-volume"),
		refused("vm", "remove-vm-gpu-device", model.PermVMUpdate, noPassthrough),
		served("vm", "remove-vm-nic-by-where", model.PermVMUpdate, s.removeVMNicByWhere, "`where` selects NICs (see /get-vm-nics), of `effect.vm_ids` if given; each VM leaves the network of its NIC (it must be stopped); the NAT NIC (nic_index 0) is refused; `task_id` null"),
		refused("vm", "remove-vm-pci-nic", model.PermVMUpdate, noPassthrough),
		refused("vm", "remove-vm-from-folder", model.PermVMUpdate, noFolders),
		served("vm", "reset-vm-guest-os-password", model.PermVMGuest, s.resetVMGuestOSPassword, "sets the account's password through qemu-guest-agent in the running guest (the VM must run, with the agent); set when the reply comes, `task_id` null"),
		served("vm", "rollback-vm", model.PermVMSnapshot, s.rollbackVM, "`data.snapshot_id` a snapshot of the VM (see /get-vm-snapshots); the VM must be stopped"),
		refused("vm", "set-vm-disk-resident-in-cache", model.PermVMUpdate, "Kumo's disks are qcow2 files on the host's file system: there is no cache tier to pin them in"),
		refused("vm", "stop-vm-in-cutover-migration", model.PermVMMigrate, noCrossCluster),
		refused("vm", "toggle-vm-cd-rom-disable", model.PermVMUpdate, "every Kumo VM has its one CD-ROM drive, which cannot be disabled; eject its ISO with /eject-iso-from-vm-cd-rom"),
		refused("vm", "update-vm-advanced-options", model.PermVMUpdate, "Kumo guests have no choice of clock offset, CPU model, Windows tuning or nested virtualization"),
		refused("vm", "update-vm-disk", model.PermVMUpdate, "Kumo's disks are VIRTIO with a fixed boot order (system disk or CD-ROM first); add and remove disks with /add-vm-disk and /remove-vm-disk"),
		refused("vm", "update-vm-host-options", model.PermVMUpdate, "Kumo has no guest tools to set a guest's host name, DNS or NTP"),
		served("vm", "update-vm-io-policy", model.PermVMUpdate, s.updateVMIOPolicy, "RESTRICT_WHOLE_VM: `whole_vm`'s max_iops and max_bandwidth (`max_bandwidth_unit`) limit reads and writes each, as create-vm's io_policy; a limit left out is none; applied at once to a running VM; RESTRICT_EACH_DISK and `each_disk` refused (Kumo limits the VM as a whole); `task_id` null"),
		refused("vm", "update-vm-nic", model.PermVMUpdate, fixedNICs),
		refused("vm", "update-vm-nic-advance-info", model.PermVMUpdate, fixedNICs),
		refused("vm", "update-vm-nic-basic-info", model.PermVMUpdate, fixedNICs),
		refused("vm", "update-vm-nic-qos-option", model.PermVMUpdate, fixedNICs),
		refused("vm", "update-vm-vpc-nic", model.PermVMUpdate, "Kumo has no VPCs"),
		served("vm", "update-vm-owner", model.PermVMUpdate, s.updateVMOwner, "platform admins only; `search_for` username or id (a Kumo user); the VM's tenant follows the new owner's (its quota checked); `task_id` null"),
		refused("vm", "upload_nvram", model.PermVMUpdate, noNVRAM),

		served("vm_disk", "get-vm-disks", model.PermVMRead, s.getVMDisks, "every VM's system disk, CD-ROM drive and data disks, each with its `vm`"),
		count("vm_disk", "get-vm-disks-connection", model.PermVMRead, "get-vm-disks", s.getVMDisks),

		refused("vm_volume", "clone-vm-volume", model.PermVMUpdate, noVolumes),
		refused("vm_volume", "export-vm-volume", model.PermVMRead, noVolumes),
		count("vm_volume", "get-vm-volumes-connection", model.PermVMRead, "get-vm-volumes", inventoryList(s, vmVolumes)),
		refused("vm_volume", "import-vm-volume", model.PermVMUpdate, noVolumes),
		refused("vm_volume", "rebuild-vm-volume", model.PermVMUpdate, noVolumes),
		refused("vm_volume", "rollback-vm-volume", model.PermVMUpdate, "Kumo's snapshots are of whole VMs: roll the VM back with /rollback-vm"),
		refused("vm_volume", "update-vm-volume", model.PermVMUpdate, noVolumes),

		count("vm_snapshot", "get-vm-snapshots-connection", model.PermVMRead, "get-vm-snapshots", s.getVMSnapshots),

		refused("vm_template", "clone-vm-template-from-vm", model.PermImageCreate, noImageFromVM),
		refused("vm_template", "convert-vm-template-from-vm", model.PermImageCreate, noImageFromVM),
		served("vm_template", "delete-vm-template", model.PermImageDelete, s.deleteVMTemplate, "deletes the disk images; none if a VM was made from one of them; `task_id` null"),
		count("vm_template", "get-vm-templates-connection", model.PermImageRead, "get-vm-templates", inventoryList(s, vmTemplates)),
		served("vm_template", "update-vm-template", model.PermImageUpdate, s.updateVMTemplate, "`name` (a Kumo image name: 1-63 letters, digits and `-_.`; one template at a time) and `description`; `cloud_init_supported` true refused (Kumo keeps no such flag: every template takes cloud_init); `task_id` null"),

		served("elf_image", "delete-elf-image", model.PermMediaDelete, s.deleteElfImage, "deletes the ISO images; none if a VM boots from one of them; `task_id` null"),
		count("elf_image", "get-elf-images-connection", model.PermMediaRead, "get-elf-images", inventoryList(s, elfImages)),
		served("elf_image", "update-elf-image", model.PermMediaUpdate, s.updateElfImage, "`name` (a Kumo image name: 1-63 letters, digits and `-_.`; one image at a time) and `description`; `task_id` null"),
		{operation{name: "upload-elf-image", perm: model.PermMediaCreate, handle: s.uploadElfImage, stream: true,
			note: "the SDK's CreateElfImage: the whole ISO in one multipart request (`file` after the other fields), stored in Kumo's image store under `name` (a Kumo image name) or the file's name, and checked to be an ISO; answers a finished upload task (SUCCESSED, one chunk) whose id is the ELF image's; a chunked upload (`upload_task_id`, or a `size` other than the file's: the SDK's example writer with a chunk smaller than the file) is refused"}, "elf_image"},

		count("vlan", "get-vlans-connection", model.PermNetworkRead, "get-vlans", inventoryList(s, vlans)),
		refused("vlan", "update-management-vlan", model.PermNetworkUpdate, noSystemVlans),
		refused("vlan", "update-migration-vlan", model.PermNetworkUpdate, noSystemVlans),

		served("vm_nic", "get-vm-nics", model.PermVMRead, s.getVMNics, "every VM's NAT NIC (nic_index 0) and its NIC on a network (1), each with its `vm`; no guest addresses (no guest tools)"),
		count("vm_nic", "get-vm-nics-connection", model.PermVMRead, "get-vm-nics", s.getVMNics),

		refused("nic", "get-nics", model.PermHostRead, noHostNICs),
		refused("nic", "get-nics-connection", model.PermHostRead, noHostNICs),
		refused("nic", "update-nic", model.PermHostUpdate, noHostNICs),

		refused("host", "create-host", model.PermHostUpdate, "a host joins Kumo by running `kumo agent` with a join token (`kumo host join-token`), not through this API"),
		refused("host", "enter-maintance-mode", model.PermHostUpdate, noMaintenance),
		refused("host", "enter-maintenance-mode-precheck", model.PermHostUpdate, noMaintenance),
		refused("host", "enter-maintance-mode-precheck-result", model.PermHostUpdate, noMaintenance),
		refused("host", "exit-maintance-mode", model.PermHostUpdate, noMaintenance),
		refused("host", "exit-maintance-mode-precheck-result", model.PermHostUpdate, noMaintenance),
		count("host", "get-hosts-connection", model.PermHostRead, "get-hosts", inventoryList(s, hosts)),
		refused("host", "operate-host-power", model.PermHostUpdate, "Kumo does not drive the power of its hypervisor hosts (bare metal machines are DBC's, over IPMI)"),
		refused("host", "trigger-disk-blink", model.PermHostUpdate, noHostDisks),
		refused("host", "update-host", model.PermHostUpdate, "a Kumo host keeps the name its agent joined with (`kumo agent`), which its certificate and logs name it by: it is not renamed; `ipmi` and `scvm_name` are SMTX OS's (Kumo drives no host's power, and has no SCVM)"),

		refused("cluster", "connect-cluster", model.PermPoolCreate, poolsNative),
		refused("cluster", "delete-cluster", model.PermPoolDelete, poolsNative),
		refused("cluster", "disable-cluster-pin-in-performance", model.PermPoolUpdate, noSMTX),
		refused("cluster", "enable-cluster-pin-in-performance", model.PermPoolUpdate, noSMTX),
		refused("cluster", "get-cluster-pin-in-performance-info", model.PermPoolRead, noSMTX),
		refused("cluster", "get-cluster-storage-info", model.PermPoolRead, noSMTX),
		count("cluster", "get-clusters-connection", model.PermPoolRead, "get-clusters", inventoryList(s, clusters)),
		refused("cluster", "get-meta-leader", model.PermPoolRead, noSMTX),
		refused("cluster", "update-cluster", model.PermPoolUpdate, poolsNative),
		refused("cluster", "update-cluster-enable-iscsi-setting", model.PermPoolUpdate, noSMTX),
		refused("cluster", "update-cluster-ha-setting", model.PermPoolUpdate, poolsNative),
		refused("cluster", "update-cluster-license", model.PermPoolUpdate, noSMTX),
		refused("cluster", "update-cluster-network-setting", model.PermPoolUpdate, noSMTX),
		refused("cluster", "update-cluster-virtualization-setting", model.PermPoolUpdate, noSMTX),

		refused("task", "create-task", model.PermSession, noTaskWrites),
		count("task", "get-tasks-connection", model.PermSession, "get-tasks", s.getTasks),
		refused("task", "update-task", model.PermSession, noTaskWrites),
	}
}

// Why SDK operations are refused.
const (
	noCrossCluster     = "Kumo migrates VMs live within their cluster (pool) only: use /migrate-vm"
	noPassthrough      = "Kumo passes no GPU or PCI device through to guests"
	noFolders          = "Kumo has no VM folders"
	templatesAreImages = "Kumo's templates are images of its image store, not VMs: make a VM from one with /create-vm-from-template"
	noContentLibrary   = "Kumo has no content library: its templates are images of its image store, used by /create-vm-from-template"
	noNVRAM            = "Kumo guests boot with BIOS, which keeps no NVRAM"
	noOVF              = "Kumo imports and exports no OVF packages"
	noRecycleBin       = "Kumo has no recycle bin: /delete-vm deletes the VM"
	fixedNICs          = "a Kumo NIC is VIRTIO with a MAC derived from its VM and no QoS of its own: there is nothing to change; add or remove a NIC on a network with /add-vm-nic and /remove-vm-nic"
	noImageFromVM      = "Kumo does not make images from VMs' disks yet: a template is an uploaded image; copy a VM with /clone-vm"
	noSystemVlans      = "Kumo's management and migration traffic uses the hosts' own addresses, not vlans"
	noHostNICs         = "Kumo does not inventory its hosts' physical NICs"
	noHostDisks        = "Kumo does not inventory its hosts' physical disks"
	noMaintenance      = "Kumo has no maintenance mode: migrate VMs off a host with /migrate-vm (a host is disabled through Nano's cells)"
	poolsNative        = "a cluster is a Kumo pool, made and deleted through Kumo's native API (/v1/pools)"
	noSMTX             = "Kumo clusters are pools of QEMU hosts, not SMTX OS clusters: there is no such setting"
	noTaskWrites       = "Kumo's tasks are made by the operations they run; they cannot be made or changed directly"
)
