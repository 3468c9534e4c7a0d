package api

// CDROM is what a running VM's CD-ROM drive holds.
type CDROM struct {
	// Image is the id of the ISO image in the drive, empty when it is
	// empty.
	Image string `json:"image,omitempty" example:"8d2f4b6a-1c3e-4f5a-9b7c-2d4e6f8a0b1c"`
	// ImageName is that image's name.
	ImageName string `json:"image_name,omitempty" example:"debian-12-netinst"`
	// Empty says the drive holds nothing.
	Empty bool `json:"empty" example:"false"`
}

// CDROMPut is the body of PUT /v1/vms/{id}/cdrom: an ISO image goes into
// the running VM's drive (the host fetches it first if it has not got it).
type CDROMPut struct {
	// Image is the ISO image to insert.
	Image string `json:"image" required:"true" description:"ISO image id or name" example:"debian-12-netinst"`
}
