# shellcheck shell=bash
# Launching test guests (sourced by run, shell and cluster.bash).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

VM_MEM=${SCOUTFS_VM_MEM:-1024}
VM_SMP=${SCOUTFS_VM_SMP:-2}

# Test disks every guest gets, by serial: /dev/scoutfs/<name> in the guest.
# Sizes are sparse; the filesystem issues size them for realistic use.
VM_DISKS="meta:16G data:32G scratch:8G"

# vm_images KVER: build or reuse the cached guest images for a kernel and
# check that the module under test was built for it.
vm_images() {
	local kver=$1
	VM_KVER=$kver
	[ -e "/boot/vmlinuz-$kver" ] || die "no kernel image /boot/vmlinuz-$kver"
	VM_KERNEL=/boot/vmlinuz-$kver
	VM_ROOTFS=$("$VM_DIR/build-rootfs") || die "building the guest root failed"
	VM_INITRD=$("$VM_DIR/build-initramfs" "$kver") || die "building the initramfs failed"
	# Exported: bats runs setup_file and each test in separate processes.
	export VM_KVER VM_KERNEL VM_ROOTFS VM_INITRD
	[ -e "$REPO/kmod/build/$kver/scoutfs.ko" ] ||
		echo "${0##*/}: warning: kmod/build/$kver/scoutfs.ko not built (make -C kmod KVER=$kver)" >&2
}

# vm_make_disks DIR: fresh sparse disk images shared by the VMs of one run.
vm_make_disks() {
	local dir=$1 spec
	for spec in $VM_DISKS; do
		truncate -s 0 "$dir/${spec%%:*}.img"
		truncate -s "${spec#*:}" "$dir/${spec%%:*}.img"
	done
}

# vm_qemu_cmd NAME WORKDIR DISKDIR MODE CMDLINE_EXTRA [TAP]: print the qemu
# command line (NUL separated, for mapfile -d '') of one guest.
#   console  -> WORKDIR/console-NAME.log (appended across restarts)
#   results  -> WORKDIR/out-NAME/ (9p, writable)
#   agent    -> WORKDIR/agent-NAME.sock
vm_qemu_cmd() {
	local name=$1 work=$2 disks=$3 mode=$4 extra=$5 tap=${6:-}
	local out="$work/out-$name" spec d args=()
	mkdir -p "$out"

	# shellcheck disable=SC2054 # commas belong to qemu option values
	args=(qemu-system-x86_64 -machine q35 -cpu max -m "$VM_MEM" -smp "$VM_SMP"
		-nodefaults -no-user-config -display none -no-reboot
		-kernel "$VM_KERNEL" -initrd "$VM_INITRD"
		-append "console=ttyS0 panic=-1 scoutfs.mode=$mode scoutfs.name=$name $extra"
		-drive "file=$VM_ROOTFS,format=raw,if=none,id=root,snapshot=on"
		-device virtio-blk-pci,drive=root,serial=root)
	# Shared disks: raw, no host page cache and no image locking, so that
	# several guests read each other's writes like a real shared array.
	for spec in $VM_DISKS; do
		d=${spec%%:*}
		# shellcheck disable=SC2054
		args+=(-drive "file=$disks/$d.img,format=raw,if=none,id=$d,cache=none,file.locking=off"
			-device "virtio-blk-pci,drive=$d,serial=$d,share-rw=on")
	done
	args+=(-virtfs "local,path=$REPO,mount_tag=src,security_model=none,readonly=on"
		-virtfs "local,path=/lib/modules/$VM_KVER,mount_tag=modules,security_model=none,readonly=on"
		-virtfs "local,path=$out,mount_tag=out,security_model=none")
	if [ "$mode" = shell ]; then
		args+=(-serial mon:stdio)
	else
		args+=(-chardev "file,id=con,path=$work/console-$name.log,append=on"
			-serial chardev:con -monitor none)
	fi
	# shellcheck disable=SC2054
	args+=(-device virtio-serial-pci
		-chardev "socket,id=agent,path=$work/agent-$name.sock,server=on,wait=off"
		-device virtserialport,chardev=agent,name=scoutfs.agent)
	if [ -n "$tap" ]; then
		args+=(-netdev "tap,id=net,ifname=$tap,script=no,downscript=no"
			-device "virtio-net-pci,netdev=net,mac=$(vm_mac "$name")")
	fi
	printf '%s\0' "${args[@]}"
}

# A stable MAC per VM name (locally administered).
vm_mac() {
	local h
	h=$(printf '%s' "$1" | sha256sum | cut -c1-8)
	printf '52:54:%s:%s:%s:%s\n' "${h:0:2}" "${h:2:2}" "${h:4:2}" "${h:6:2}"
}
