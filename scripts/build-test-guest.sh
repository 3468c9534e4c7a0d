#!/usr/bin/env bash
# Builds Kumo's tiny test guest from installed Debian packages (no
# downloads): the cloud kernel, a busybox initramfs whose /init prints
# KUMO-GUEST-* markers on the serial console (see scripts/guest/init and
# docs/test-guest.md), qemu-guest-agent, and syslinux. Outputs in OUTDIR
# (default build/guest): vmlinuz, initrd.img, kumo-test-guest.qcow2 (a
# bootable disk), kumo-test-guest.iso (bootable media), SHA256SUMS.
# Re-running with unchanged inputs does nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../build/guest}
mkdir -p "$out"
out=$(cd "$out" && pwd)

need() { # need FILE-OR-COMMAND PACKAGE
	if [[ $1 == /* ]]; then [[ -e $1 ]] && return; else command -v "$1" >/dev/null && return; fi
	echo "build-test-guest: $1 is missing: install the Debian package $2" >&2
	exit 1
}
need /bin/busybox busybox-static
need syslinux syslinux
need /usr/lib/syslinux/modules/bios/ldlinux.c32 syslinux-common
need /usr/lib/ISOLINUX/isolinux.bin isolinux
need mkfs.vfat dosfstools
need mcopy mtools
need cpio cpio
need genisoimage genisoimage
need qemu-img qemu-utils
need /usr/sbin/qemu-ga qemu-guest-agent
kver=$(ls /lib/modules | grep -E 'cloud-amd64$' | sort -V | tail -n1 || true)
[[ -n $kver && -e /boot/vmlinuz-$kver ]] || { echo "build-test-guest: no cloud kernel: install linux-image-cloud-amd64" >&2; exit 1; }

stamp=$( (cat "$0" "$here"/guest/*; echo "$kver"; busybox | head -n1; qemu-ga -V 2>&1 | head -n1) | sha256sum | cut -d' ' -f1)
if [[ -f $out/.stamp && $(cat "$out/.stamp") == "$stamp" && -f $out/kumo-test-guest.qcow2 && -f $out/kumo-test-guest.iso ]]; then
	echo "test guest up to date in $out"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/acpi/PWRF,proc,sys,dev,tmp,run,var/run,lib/modules,root,www}

# busybox and its applets
cp /bin/busybox "$root/bin/busybox"
for applet in $(busybox --list); do
	[[ -e $root/bin/$applet ]] || ln -s busybox "$root/bin/$applet"
done

# kernel modules the guest loads, with their dependencies
modules=(virtio_pci virtio_blk virtio_net virtio_console virtio_scsi button evdev ahci sr_mod isofs vfat nls_cp437 nls_iso8859_1 nls_utf8)
declare -A seen=()
add_module() {
	local name=$1 path dep
	path=$(modinfo -k "$kver" -n "$name" 2>/dev/null) || return 0
	[[ $path == /* ]] || return 0 # built in
	[[ -n ${seen[$path]:-} ]] && return 0
	seen[$path]=1
	mkdir -p "$root$(dirname "$path")"
	cp "$path" "$root$path"
	for dep in $(modinfo -k "$kver" -F depends "$name" | tr ',' ' '); do
		add_module "$dep"
	done
}
for m in "${modules[@]}"; do add_module "$m"; done
cp /lib/modules/"$kver"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$kver/" 2>/dev/null || true
depmod -b "$root" "$kver"

# qemu-guest-agent and the shared libraries it needs
copy_with_libs() {
	local bin=$1 lib
	mkdir -p "$root$(dirname "$bin")"
	cp "$bin" "$root$bin"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
copy_with_libs /usr/sbin/qemu-ga

# the guest's own files
install -m 755 "$here/guest/init" "$root/init"
install -m 755 "$here/guest/poweroff-button" "$root/etc/acpi/PWRF/00000080"
install -m 755 "$here/guest/chpasswd" "$root/usr/sbin/chpasswd"
install -m 755 "$here/guest/udhcpc.script" "$root/etc/udhcpc.script"
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root::19000:0:99999:7:::' >"$root/etc/shadow"
chmod 600 "$root/etc/shadow"
echo 'root:x:0:' >"$root/etc/group"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -6) >"$work/initrd.img"
cp "/boot/vmlinuz-$kver" "$work/vmlinuz"

cmdline="console=ttyS0 quiet loglevel=3 mitigations=off"
bootcfg() {
	printf 'DEFAULT kumo\nPROMPT 0\nTIMEOUT 0\nLABEL kumo\n  LINUX %s\n  INITRD %s\n  APPEND %s\n' "$1" "$2" "$cmdline"
}

# Bootable disk: syslinux on a FAT filesystem that fills the disk.
kb=$(( ( $(stat -c %s "$work/vmlinuz") + $(stat -c %s "$work/initrd.img") ) / 1024 + 1024 ))
mkfs.vfat -C -n KUMOGUEST "$work/disk.img" "$kb" >/dev/null
bootcfg /vmlinuz /initrd.img >"$work/syslinux.cfg"
mcopy -i "$work/disk.img" "$work/vmlinuz" "$work/initrd.img" "$work/syslinux.cfg" ::
syslinux --install "$work/disk.img"
qemu-img convert -q -f raw -O qcow2 "$work/disk.img" "$work/kumo-test-guest.qcow2"

# Bootable ISO: isolinux.
iso=$work/iso
mkdir -p "$iso/isolinux" "$iso/boot"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$iso/isolinux/"
cp "$work/vmlinuz" "$work/initrd.img" "$iso/boot/"
bootcfg /boot/vmlinuz /boot/initrd.img >"$iso/isolinux/isolinux.cfg"
genisoimage -quiet -o "$work/kumo-test-guest.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
	-no-emul-boot -boot-load-size 4 -boot-info-table -J -r -V KUMOGUEST "$iso"

for f in vmlinuz initrd.img kumo-test-guest.qcow2 kumo-test-guest.iso; do
	mv "$work/$f" "$out/$f"
done
(cd "$out" && sha256sum vmlinuz initrd.img kumo-test-guest.qcow2 kumo-test-guest.iso >SHA256SUMS)
echo "$stamp" >"$out/.stamp"
echo "test guest built in $out:"
ls -l "$out"
