#!/usr/bin/env bash
# build-test-guest.sh [OUTDIR]: builds Kumo's tiny test guest from installed
# Debian packages only (no downloads): the linux-image-cloud-amd64 kernel, a
# busybox-static initramfs whose /init (scripts/guest/init) prints
# KUMO-GUEST-* markers on the serial console, qemu-guest-agent, and
# syslinux/isolinux. See docs/test-guest.md.
#
# Outputs in OUTDIR (default build/guest under the repository root):
#   vmlinuz, initrd.img      direct -kernel/-initrd boot
#   kumo-test-guest.qcow2    bootable disk (syslinux on FAT)
#   kumo-test-guest.iso      bootable ISO (isolinux)
#   SHA256SUMS
# Re-running with unchanged inputs only checks a stamp file and exits.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
guest=$here/guest
out=${1:-$here/../build/guest}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The kernel command line of the disk and ISO images. The options after
# console=ttyS0 only make boot faster (mostly under TCG): no boot chatter on
# the serial line, no CPU bug mitigations, no crypto self-tests, two slow
# initcalls the guest does not need, synchronous SCSI scans (so disks are
# there when the driver is loaded).
cmdline="console=ttyS0 quiet loglevel=3 mitigations=off cryptomgr.notests initcall_blacklist=crypto_kdf108_init,init_kprobe_trace scsi_mod.scan=sync"

die() { echo "build-test-guest: $*" >&2; exit 1; }
need() { # need FILE-OR-COMMAND DEBIAN-PACKAGE
	if [[ $1 == /* ]]; then
		[[ -e $1 ]] && return 0
	else
		command -v "$1" >/dev/null 2>&1 && return 0
		[[ -x /usr/sbin/$1 || -x /sbin/$1 ]] && return 0
	fi
	die "$1 is missing: install the Debian package $2 (apt-get install $2)"
}
export PATH=$PATH:/usr/sbin:/sbin
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
need depmod kmod
need modinfo kmod
need ldd libc-bin
need flock util-linux
need gzip gzip
/bin/busybox --list-full >/dev/null 2>&1 || die "/bin/busybox is not busybox-static's: install the Debian package busybox-static"
kver=""
for d in $(ls -d /lib/modules/*-cloud-amd64 2>/dev/null | sort -V); do
	v=${d##*/}
	[[ -f /boot/vmlinuz-$v && -f $d/modules.dep ]] && kver=$v
done
[[ -n $kver ]] || die "no cloud kernel in /boot and /lib/modules: install the Debian package linux-image-cloud-amd64"

# Kernel modules the guest's init loads; their dependencies come along.
# Built-in ones are skipped. ata_piix/sr_mod/cdrom/isofs: a seed ISO on the
# pc machine's IDE CD-ROM. button+evdev: the ACPI power button as an input
# event for busybox acpid. failover/net_failover: virtio_net depends on them.
modules=(virtio_pci virtio_net virtio_blk virtio_scsi sd_mod sr_mod cdrom virtio_console ata_piix
	button evdev isofs vfat fat nls_cp437 nls_ascii nls_iso8859_1 nls_utf8)

# Everything the image is made of, for the up-to-date check.
inputs() {
	cat "${BASH_SOURCE[0]}" "$guest"/*
	echo "$kver $cmdline"
	stat -L -c '%n %s %Y' /boot/vmlinuz-"$kver" /bin/busybox /usr/sbin/qemu-ga \
		$(ldd /usr/sbin/qemu-ga | grep -o '/[^ ]*') \
		/usr/lib/syslinux/modules/bios/ldlinux.c32 /usr/lib/ISOLINUX/isolinux.bin "$(command -v syslinux)"
	modinfo -k "$kver" -n "${modules[@]}" 2>/dev/null | xargs -r stat -L -c '%n %s %Y' 2>/dev/null || true
}
outputs=(vmlinuz initrd.img kumo-test-guest.qcow2 kumo-test-guest.iso SHA256SUMS)
uptodate() {
	[[ -f $out/.stamp && $(cat "$out/.stamp") == "$stamp" ]] || return 1
	local f
	for f in "${outputs[@]}"; do [[ -s $out/$f ]] || return 1; done
}

# One build at a time per OUTDIR (tests may run this concurrently).
exec 9>"$out/.lock"
flock 9
stamp=$(inputs | sha256sum | cut -d' ' -f1)
if uptodate; then
	echo "build-test-guest: up to date in $out"
	exit 0
fi

work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/libexec,usr/share/udhcpc,etc/acpi/PWRF,dev,proc,sys,run,tmp,var,root,seed,www}
chmod 1777 "$root/tmp"
chmod 700 "$root/root"

# busybox and its applets at their usual places.
cp /bin/busybox "$root/bin/busybox"
/bin/busybox --list-full | while read -r applet; do
	[[ -e $root/$applet || -L $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
done

# Kernel modules with their dependencies, uncompressed and without their
# signatures (checking those takes ~0.1 s of boot under TCG; an unsigned
# module only taints the kernel), plus modules.dep.
unsign() { # unsign MODULE: drops the appended signature, if any
	local f=$1 size siglen
	[[ $(tail -c 28 "$f") == "~Module signature appended~" ]] || return 0
	size=$(stat -c %s "$f")
	# struct module_signature (12 bytes, big-endian sig_len last) precedes the magic.
	siglen=$(tail -c 32 "$f" | head -c 4 | od -An -tu1 | awk '{print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4}')
	truncate -s $((size - 28 - 12 - siglen)) "$f"
}
declare -A seen=()
add_module() {
	local name=$1 path dep
	path=$(modinfo -k "$kver" -n "$name" 2>/dev/null) || die "kernel module $name not found for $kver"
	[[ $path == /* ]] || return 0 # built in
	[[ -z ${seen[$path]:-} ]] || return 0
	seen[$path]=1
	mkdir -p "$root${path%/*}"
	case $path in
	*.ko) cp "$path" "$root$path" ;;
	*.ko.xz) xz -dc "$path" >"$root${path%.xz}" ;;
	*.ko.zst) zstd -qdc "$path" >"$root${path%.zst}" ;;
	*.ko.gz) gzip -dc "$path" >"$root${path%.gz}" ;;
	esac
	unsign "$root${path%.ko*}.ko"
	for dep in $(modinfo -k "$kver" -F depends "$name" | tr ',' ' '); do
		add_module "$dep"
	done
}
for m in "${modules[@]}"; do add_module "$m"; done
for f in modules.order modules.builtin; do
	[[ -f /lib/modules/$kver/$f ]] && cp "/lib/modules/$kver/$f" "$root/lib/modules/$kver/"
done
touch "$root/lib/modules/$kver/modules.builtin.modinfo" # quiets depmod
depmod -b "$root" "$kver"
rm "$root/lib/modules/$kver/modules.builtin.modinfo"

# qemu-guest-agent with its shared libraries and the dynamic loader.
cp /usr/sbin/qemu-ga "$root/usr/sbin/qemu-ga"
for lib in $(ldd /usr/sbin/qemu-ga | grep -o '/[^ ]*'); do
	mkdir -p "$root${lib%/*}"
	cp -L "$lib" "$root$lib"
done

# The guest's own files.
install -m 755 "$guest/init" "$root/init"
install -m 755 "$guest/kumo-seed" "$root/usr/libexec/kumo-seed"
install -m 755 "$guest/udhcpc.script" "$root/usr/share/udhcpc/default.script"
install -m 755 "$guest/poweroff-button" "$root/etc/acpi/PWRF/00000080"
rm -f "$root/usr/sbin/chpasswd" "$root/sbin/chpasswd"
install -m 755 "$guest/chpasswd" "$root/usr/sbin/chpasswd"
ln -s /usr/sbin/chpasswd "$root/sbin/chpasswd"
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:*:19000:0:99999:7:::' >"$root/etc/shadow"
chmod 600 "$root/etc/shadow"
echo 'root:x:0:' >"$root/etc/group"
echo 'kumo-guest' >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n' >"$root/etc/hosts"
: >"$root/etc/resolv.conf"

# newc archive, gzip: fast to unpack under TCG and half the size of raw.
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -9n) >"$work/initrd.img"
cp "/boot/vmlinuz-$kver" "$work/vmlinuz"

bootcfg() { # bootcfg KERNEL INITRD
	printf 'DEFAULT kumo\nPROMPT 0\nTIMEOUT 0\nLABEL kumo\n  LINUX %s\n  INITRD %s\n  APPEND %s\n' "$1" "$2" "$cmdline"
}

# Bootable disk: a FAT "superfloppy" (no partition table) holding syslinux,
# the kernel and the initramfs, which SeaBIOS boots as a hard disk. The
# qcow2 is not compressed: syslinux reading compressed clusters costs
# 0.3-0.5 s of boot under TCG, for 3 MB saved.
kib=$((($(stat -c %s "$work/vmlinuz") + $(stat -c %s "$work/initrd.img")) / 1024 + 512))
mkfs.vfat -C -n KUMOGUEST -i 4b554d4f "$work/disk.img" "$kib" >/dev/null
bootcfg /vmlinuz /initrd.img >"$work/syslinux.cfg"
mcopy -i "$work/disk.img" "$work/vmlinuz" "$work/initrd.img" "$work/syslinux.cfg" ::
syslinux --install "$work/disk.img"
qemu-img convert -q -f raw -O qcow2 "$work/disk.img" "$work/kumo-test-guest.qcow2"

# Bootable ISO (El Torito, isolinux).
iso=$work/iso
mkdir -p "$iso/isolinux" "$iso/boot"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$iso/isolinux/"
cp "$work/vmlinuz" "$work/initrd.img" "$iso/boot/"
bootcfg /boot/vmlinuz /boot/initrd.img >"$iso/isolinux/isolinux.cfg"
genisoimage -quiet -o "$work/kumo-test-guest.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
	-no-emul-boot -boot-load-size 4 -boot-info-table -J -r -V KUMOGUEST "$iso"

(cd "$work" && sha256sum vmlinuz initrd.img kumo-test-guest.qcow2 kumo-test-guest.iso >SHA256SUMS)
rm -f "$out/.stamp"
for f in "${outputs[@]}"; do mv -f "$work/$f" "$out/$f"; done
echo "$stamp" >"$out/.stamp"
echo "build-test-guest: built in $out (kernel $kver):"
(cd "$out" && ls -l "${outputs[@]}")
