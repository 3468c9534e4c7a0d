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
// holding meta-data and user-data) that cloud-init in the guest reads.
func (a *Agent) writeSeed(ctx context.Context, cfg hostlink.VMConfig) error {
	ci := cfg.CloudInit
	dir, err := os.MkdirTemp(a.dir(cfg.ID), "seed-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	meta := fmt.Sprintf("instance-id: %s\nlocal-hostname: %s\n", cfg.ID, cfg.Name)
	var user strings.Builder
	user.WriteString("#cloud-config\n")
	fmt.Fprintf(&user, "hostname: %s\n", cfg.Name)
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
	for name, content := range map[string]string{"meta-data": meta, "user-data": user.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			return err
		}
	}
	tmp := a.seedPath(cfg.ID) + ".tmp"
	out, err := exec.CommandContext(ctx, "genisoimage", "-quiet", "-output", tmp, "-volid", "cidata", "-joliet", "-rock",
		filepath.Join(dir, "meta-data"), filepath.Join(dir, "user-data")).CombinedOutput()
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("build cloud-init seed (genisoimage): %w: %s", err, out)
	}
	return os.Rename(tmp, a.seedPath(cfg.ID))
}

// yamlString quotes s as a YAML double-quoted scalar.
func yamlString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
