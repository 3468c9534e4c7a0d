package zstack

import (
	"fmt"
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Instance offerings are a fixed catalogue of VM sizes: Kumo sizes each
// VM by cores and memory and keeps no offerings, so these are names for
// common sizes that CreateVmInstance takes as instanceOfferingUuid (and
// that a VM of that size shows as its instanceOfferingUuid). Creating or
// deleting offerings is not offered (docs/zstack-endpoints.md).

type instanceOfferingInventory struct {
	UUID              string `json:"uuid"`
	Name              string `json:"name"`
	Description       string `json:"description"`
	CPUNum            int    `json:"cpuNum"`
	CPUSpeed          int    `json:"cpuSpeed"`
	MemorySize        int64  `json:"memorySize"`
	Type              string `json:"type"`
	AllocatorStrategy string `json:"allocatorStrategy"`
	SortKey           int    `json:"sortKey"`
	State             string `json:"state"`
	CreateDate        string `json:"createDate"`
	LastOpDate        string `json:"lastOpDate"`
}

// offeringSizes is the catalogue: cores and MiB of memory.
var offeringSizes = []struct{ cores, memMiB int }{
	{1, 128}, {1, 256}, {1, 512}, {1, 1024}, {2, 2048}, {2, 4096}, {4, 4096}, {4, 8192}, {8, 16384}, {16, 32768},
}

// offeringsEpoch is the catalogue's creation date.
var offeringsEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func offeringName(cores, memMiB int) string {
	if memMiB%1024 == 0 {
		return fmt.Sprintf("%dC%dG", cores, memMiB/1024)
	}
	return fmt.Sprintf("%dC%dM", cores, memMiB)
}

func offeringUUID(cores, memMiB int) string {
	return partUUID("instance-offering", offeringName(cores, memMiB))
}

func instanceOfferings() []instanceOfferingInventory {
	out := make([]instanceOfferingInventory, 0, len(offeringSizes))
	for i, sz := range offeringSizes {
		name := offeringName(sz.cores, sz.memMiB)
		out = append(out, instanceOfferingInventory{UUID: offeringUUID(sz.cores, sz.memMiB), Name: name,
			Description: fmt.Sprintf("%d vCPU, %d MiB memory", sz.cores, sz.memMiB), CPUNum: sz.cores,
			MemorySize: int64(sz.memMiB) << 20, Type: "UserVm", AllocatorStrategy: "LeastVmPreferredHostAllocatorStrategy",
			SortKey: i, State: "Enabled", CreateDate: date(offeringsEpoch), LastOpDate: date(offeringsEpoch)})
	}
	return out
}

// offeringOf finds an offering by uuid.
func offeringOf(uuid string) (instanceOfferingInventory, error) {
	for _, o := range instanceOfferings() {
		if o.UUID == uuid {
			return o, nil
		}
	}
	return instanceOfferingInventory{}, model.FieldError("instanceOfferingUuid", "no such instance offering: %s (GET /zstack/v1/instance-offerings lists them)", uuid)
}

// vmOffering is the offering of a VM's size, "" if none has it.
func vmOffering(cores, memMiB int) string {
	for _, sz := range offeringSizes {
		if sz.cores == cores && sz.memMiB == memMiB {
			return offeringUUID(cores, memMiB)
		}
	}
	return ""
}

func (s *Server) queryInstanceOffering(r *http.Request) (any, error) {
	return queryReply(r, instanceOfferings(), func(o instanceOfferingInventory) string { return o.UUID })
}
