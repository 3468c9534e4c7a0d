package agent

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kumo-cloud/kumo/internal/hostlink"
)

// seedPath is the VM's NoCloud seed image.
func (a *Agent) seedPath(id string) string { return filepath.Join(a.dir(id), "seed.iso") }

// writeSeed builds the NoCloud seed (an ISO 9660 image labelled cidata
// holding meta-data, user-data and, for a VM with an allocated address,
// network-config) that cloud-init in the guest reads.
func (a *Agent) writeSeed(ctx context.Context, cfg hostlink.VMConfig) error {
	dir, err := os.MkdirTemp(a.dir(cfg.ID), "seed-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	files := map[string]string{
		"meta-data": fmt.Sprintf("instance-id: %s\nlocal-hostname: %s\n", cfg.ID, cfg.Name),
		"user-data": userData(cfg),
	}
	if cfg.Network != nil {
		files["network-config"] = networkConfig(cfg)
	}
	args := []string{"-quiet", "-output", a.seedPath(cfg.ID) + ".tmp", "-volid", "cidata", "-joliet", "-rock"}
	for _, name := range []string{"meta-data", "user-data", "network-config"} {
		content, ok := files[name]
		if !ok {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			return err
		}
		args = append(args, filepath.Join(dir, name))
	}
	tmp := a.seedPath(cfg.ID) + ".tmp"
	out, err := exec.CommandContext(ctx, "genisoimage", args...).CombinedOutput()
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("build cloud-init seed (genisoimage): %w: %s", err, out)
	}
	return os.Rename(tmp, a.seedPath(cfg.ID))
}

// userData is the #cloud-config of the seed.
func userData(cfg hostlink.VMConfig) string {
	var user strings.Builder
	user.WriteString("#cloud-config\n")
	fmt.Fprintf(&user, "hostname: %s\n", cfg.Name)
	ci := cfg.CloudInit
	if ci == nil {
		return user.String()
	}
	if ci.AdminName != "" && ci.AdminName != "root" {
		fmt.Fprintf(&user, "user: %s\n", yamlString(ci.AdminName))
	}
	if ci.AdminSecret != "" {
		fmt.Fprintf(&user, "password: %s\nchpasswd: {expire: false}\nssh_pwauth: true\n", yamlString(ci.AdminSecret))
	}
	fmt.Fprintf(&user, "disable_root: %v\n", !ci.RootEnabled)
	if ci.DataPath != "" {
		fmt.Fprintf(&user, "# data disks are mounted at %s\n", ci.DataPath)
	}
	return user.String()
}

// networkConfig is cloud-init's network configuration version 2 for the
// VM's first NIC, matched by MAC: its allocated address, static.
func networkConfig(cfg hostlink.VMConfig) string {
	n := cfg.Network
	var b strings.Builder
	b.WriteString("version: 2\nethernets:\n  eth0:\n")
	if len(cfg.NICs) > 0 && cfg.NICs[0].MAC != "" {
		fmt.Fprintf(&b, "    match:\n      macaddress: %s\n    set-name: eth0\n", yamlString(cfg.NICs[0].MAC))
	}
	b.WriteString("    dhcp4: false\n")
	fmt.Fprintf(&b, "    addresses:\n      - %s/%d\n", n.Address, n.Prefix)
	if n.Gateway != "" {
		fmt.Fprintf(&b, "    gateway4: %s\n", n.Gateway)
	}
	if len(n.DNS) > 0 {
		fmt.Fprintf(&b, "    nameservers:\n      addresses: [%s]\n", strings.Join(n.DNS, ", "))
	}
	return b.String()
}

// yamlString quotes s as a YAML double-quoted scalar.
func yamlString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
