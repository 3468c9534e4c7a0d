package cloudtower

import (
	"context"
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Every Kumo VM has one CD-ROM drive (cd0, on IDE): a pc machine cannot
// get a new drive while it runs. So adding a CD-ROM puts an ISO into
// that drive, and removing it ejects the ISO; both need the VM to run,
// since the drive's medium is QEMU state (architecture.md, "CD-ROM
// drive").

type cdromAdd struct {
	VMCDROMs []cdromParams `json:"vm_cd_roms"`
}

// addVMCDROM is /add-vm-cd-rom. It changes the running guest at once:
// there is no task (task_id null).
func (s *Server) addVMCDROM(r *http.Request, body []byte) (any, error) {
	var d cdromAdd
	var image string
	return s.changeVMs(r, body, &d, func(ctx context.Context, v model.VM) error {
		if len(d.VMCDROMs) != 1 || d.VMCDROMs[0].ElfImageID == "" {
			return model.FieldError("data.vm_cd_roms", "Kumo VMs have one CD-ROM drive: give exactly one CD-ROM with an elf_image_id")
		}
		img, err := s.svc.GetImage(ctx, d.VMCDROMs[0].ElfImageID)
		if err != nil {
			return err
		}
		if img.Format != model.FormatISO {
			return model.FieldError("data.vm_cd_roms.elf_image_id", "%s is not an ISO image", img.Name)
		}
		image = img.ID
		if v.Status != model.PowerRunning && v.Status != model.PowerPaused {
			return model.Errorf(model.CodeConflict, "VM %s is %s: Kumo changes the CD-ROM of a running VM", v.Name, vmStatus(v.Status))
		}
		return nil
	}, func(ctx context.Context, v model.VM) (model.Task, error) {
		return model.Task{}, s.svc.InsertMedia(ctx, v.ID, image)
	})
}

type cdromRemove struct {
	CDROMIDs []string `json:"cd_rom_ids"`
}

// removeVMCDROM is /remove-vm-cd-rom: ejects the drive's ISO.
func (s *Server) removeVMCDROM(r *http.Request, body []byte) (any, error) {
	var d cdromRemove
	return s.changeVMs(r, body, &d, func(ctx context.Context, v model.VM) error {
		if len(d.CDROMIDs) == 0 {
			return model.FieldError("data.cd_rom_ids", "is required")
		}
		for _, id := range d.CDROMIDs {
			if id != cdromID(v.ID) {
				return model.NotFound("CD-ROM of VM "+v.Name, id)
			}
		}
		if v.Status != model.PowerRunning && v.Status != model.PowerPaused {
			return model.Errorf(model.CodeConflict, "VM %s is %s: Kumo changes the CD-ROM of a running VM", v.Name, vmStatus(v.Status))
		}
		return nil
	}, func(ctx context.Context, v model.VM) (model.Task, error) {
		return model.Task{}, s.svc.EjectMedia(ctx, v.ID)
	})
}

// ejectCDROMs is /eject-iso-from-vm-cd-rom: its where selects CD-ROM
// drives (vm_disks, as /get-vm-disks lists them); each one's ISO is
// ejected. The VMs must run (Kumo changes media through QEMU).
func (s *Server) ejectCDROMs(r *http.Request, body []byte) (any, error) {
	var c struct {
		Where map[string]any `json:"where"`
	}
	if err := decodeStrict(body, &c); err != nil {
		return nil, err
	}
	ctx := r.Context()
	inv, err := s.inventory(ctx)
	if err != nil {
		return nil, err
	}
	var drives []vmDiskItem
	for _, v := range s.vms(ctx, inv) {
		for _, d := range v.VMDisks {
			drives = append(drives, vmDiskItem{d, ref{v.ID, v.Name}})
		}
	}
	picked, err := selectWhere(c.Where, drives, func(d vmDiskItem) string { return d.ID }, "VM disk")
	if err != nil {
		return nil, err
	}
	byID := map[string]model.VM{}
	for _, v := range inv.vms {
		byID[v.ID] = v
	}
	var vms []model.VM
	seen := map[string]bool{}
	for _, d := range picked {
		if d.Type != "CD_ROM" {
			return nil, model.FieldError("where", "disk %s of VM %s is a disk, not a CD-ROM drive", d.ID, d.VM.Name)
		}
		v := byID[d.VM.ID]
		if v.Status != model.PowerRunning && v.Status != model.PowerPaused {
			return nil, model.Errorf(model.CodeConflict, "VM %s is %s: Kumo changes the CD-ROM of a running VM", v.Name, vmStatus(v.Status))
		}
		if !seen[v.ID] {
			seen[v.ID] = true
			vms = append(vms, v)
		}
	}
	return s.changeEach(ctx, vms, func(id string) error {
		return s.svc.EjectMedia(ctx, id)
	})
}
