#!/usr/bin/env bats
# Mounting: every bad mount fails with a clear kernel message and errno,
# never an oops.

load helpers

META=/dev/scoutfs/meta
DATA=/dev/scoutfs/data
SCRATCH=/dev/scoutfs/scratch

setup_file() {
	insmod "$SCOUTFS_KO"
	mkdir -p /mnt/test
}

teardown_file() {
	rmmod scoutfs
}

# mount, expect failure, and expect the kernel to have said $1
mount_fails_with() {
	local msg=$1
	shift
	dmesg -C
	run mount -r -t scoutfs "$@" /mnt/test
	assert_failure
	run bash -c "dmesg | grep 'scoutfs: '"
	assert_output --partial "$msg"
}

fresh_fs() {
	scoutfs mkfs -f -Q 0,127.0.0.1,12345 -Q 2,127.0.0.1,12346 "$META" "$DATA" >/dev/null
}

@test "good devices mount read-only" {
	fresh_fs
	fsid=$(od -An -tx8 -j $((65536 + 8)) -N8 "$META" | tr -d ' ')
	dmesg -C
	run mount -t scoutfs -o ro,metadev_path=$META,quorum_slot_nr=2 "$DATA" /mnt/test
	assert_success
	run dmesg
	assert_output --partial "scoutfs $fsid: mounted read-only"
	umount /mnt/test
}

@test "good devices mount read-write" {
	fresh_fs
	dmesg -C
	# -w: no read-only retry by mount(8)
	run mount -w -t scoutfs -o metadev_path=$META,quorum_slot_nr=0 "$DATA" /mnt/test
	assert_success
	run dmesg
	assert_output --partial "mounted read-write"
	run grep " /mnt/test scoutfs rw," /proc/mounts
	assert_success
	umount /mnt/test
}

@test "a mount without metadev_path is refused" {
	mount_fails_with "the metadev_path=<metadata device> option is required" "$DATA"
}

@test "a metadev_path that doesn't exist is refused" {
	mount_fails_with "metadev_path=/dev/nonexistent can't be opened" \
		-o metadev_path=/dev/nonexistent "$DATA"
}

@test "the same device for metadata and data is refused" {
	mount_fails_with "metadev_path=$DATA is the data device" -o metadev_path=$DATA "$DATA"
}

@test "unformatted devices are refused" {
	dd if=/dev/zero of="$SCRATCH" bs=1M count=2 oflag=direct status=none
	mount_fails_with "metadata device vdd has no scoutfs superblock (checksum mismatch)" \
		-o metadev_path=$SCRATCH "$DATA"
}

@test "swapped devices are refused" {
	fresh_fs
	mount_fails_with "metadata device vdc holds the data superblock of a scoutfs filesystem: are the devices swapped?" \
		-o metadev_path=$DATA "$META"
}

@test "a foreign filesystem is refused" {
	fresh_fs
	mkfs.ext4 -q -F "$SCRATCH"
	mount_fails_with "data device vdd has no scoutfs superblock" \
		-o metadev_path=$META "$SCRATCH"
}

@test "devices of two different filesystems are refused" {
	# the scratch disk becomes the data device of a filesystem B ...
	scoutfs mkfs -f -Q 0,127.0.0.1,1 "$META" "$SCRATCH" >/dev/null
	# ... and then the metadata disk is formatted again as filesystem A
	fresh_fs
	mount_fails_with "belong to different filesystems" \
		-o metadev_path=$META "$SCRATCH"
}

@test "a quorum slot that isn't configured is refused" {
	fresh_fs
	mount_fails_with "quorum_slot_nr=1 is not configured" \
		-o metadev_path=$META,quorum_slot_nr=1 "$DATA"
	mount_fails_with "quorum_slot_nr=15 is out of range" \
		-o metadev_path=$META,quorum_slot_nr=15 "$DATA"
}

@test "unknown and malformed options are refused" {
	mount_fails_with "Unknown parameter 'bogus'" -o metadev_path=$META,bogus "$DATA"
	mount_fails_with "Bad value for 'quorum_slot_nr'" -o metadev_path=$META,quorum_slot_nr=abc "$DATA"
}

@test "a device that is smaller than its filesystem is refused" {
	modprobe loop
	truncate -s 9G /tmp/data.img
	loop=$(losetup --find --show /tmp/data.img)
	scoutfs mkfs -f -Q 0,127.0.0.1,1 "$META" "$loop" >/dev/null
	losetup -d "$loop"
	truncate -s 8G /tmp/data.img
	loop=$(losetup --find --show /tmp/data.img)
	dmesg -C
	run mount -r -t scoutfs -o metadev_path=$META "$loop" /mnt/test
	losetup -d "$loop"
	rm -f /tmp/data.img
	assert_failure
	run dmesg
	assert_output --partial "is smaller (8589934592 bytes) than its filesystem (9663676416 bytes)"
}

@test "a metadata device that is mounted elsewhere is refused" {
	mkfs.ext4 -q -F "$SCRATCH"
	mount "$SCRATCH" /mnt/test
	mkdir -p /mnt/other
	dmesg -C
	run mount -r -t scoutfs -o metadev_path=$SCRATCH "$DATA" /mnt/other
	umount /mnt/test
	assert_failure
	run bash -c "dmesg | grep 'scoutfs: '"
	assert_output --partial "metadev_path=$SCRATCH is in use (mounted?)"
}

# mount $1 (extra options) at /mnt/other, expect EBUSY and kernel message $2
second_mount_fails_with() {
	mkdir -p /mnt/other
	dmesg -C
	run strace -e trace=mount -o /tmp/strace.out \
		mount -t scoutfs -o "metadev_path=$META${1:+,$1}" "${3:-$DATA}" /mnt/other
	assert_failure
	run grep -c "= -1 EBUSY" /tmp/strace.out
	assert_output 1
	run bash -c "dmesg | grep 'scoutfs: '"
	assert_output --partial "$2"
	run grep " /mnt/other " /proc/mounts
	assert_failure
}

@test "a second mount of the same filesystem on one node is refused, whatever its slot" {
	fresh_fs
	mount -t scoutfs -o metadev_path=$META,quorum_slot_nr=0 "$DATA" /mnt/test
	second_mount_fails_with quorum_slot_nr=0 \
		"quorum_slot_nr=0 of this filesystem is already mounted on this node"
	second_mount_fails_with quorum_slot_nr=2 \
		"this filesystem is already mounted on this node, in quorum_slot_nr=0; a node mounts it once"
	second_mount_fails_with "" \
		"this filesystem is already mounted on this node, in quorum_slot_nr=0; a node mounts it once"
	# the same data device through another device node
	modprobe loop
	loop=$(losetup --find --show "$DATA")
	second_mount_fails_with quorum_slot_nr=0 \
		"quorum_slot_nr=0 of this filesystem is already mounted on this node" "$loop"
	losetup -d "$loop"
	# the first mount is unharmed
	touch /mnt/test/still-here
	umount /mnt/test
	run mount -t scoutfs -o metadev_path=$META,quorum_slot_nr=0 "$DATA" /mnt/other
	assert_success
	[ -e /mnt/other/still-here ]
	umount /mnt/other
}

@test "a second mount without a slot is refused the same way" {
	fresh_fs
	mount -t scoutfs -o metadev_path=$META "$DATA" /mnt/test
	second_mount_fails_with quorum_slot_nr=0 \
		"this filesystem is already mounted on this node, without a quorum slot; a node mounts it once"
	# no leader: a plain umount's stat of the root would wait for a lock
	umount -c /mnt/test
}

# the fs tree root block is the first metadata block mkfs writes
FS_ROOT_OFF=$((16 * 65536))

@test "a corrupt metadata block is reported, not trusted" {
	fresh_fs
	# flip one byte inside the fs tree's root block
	printf '\xff' | dd of="$META" bs=1 seek=$((FS_ROOT_OFF + 1000)) conv=notrunc status=none
	sync
	mount_fails_with "reading the root directory's inode failed (-5)" \
		-o metadev_path=$META "$DATA"
	run bash -c "dmesg | grep 'scoutfs '"
	assert_output --partial "btree block 16 seq 1: checksum mismatch"
}

# patch bytes at an offset of a device: patch DEV OFFSET HEXBYTES
patch() {
	printf "$(echo "$3" | sed 's/../\\x&/g')" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

@test "a stale block reference is reported" {
	fresh_fs
	# the superblock's fs_root.ref.seq (offset 624 + 8) now expects seq 2
	patch "$META" $((65536 + 624 + 8)) 02
	python3 tests/guest/lib/fixcrc.py "$META" 65536 4096
	mount_fails_with "reading the root directory's inode failed (-116)" \
		-o metadev_path=$META "$DATA"
	run bash -c "dmesg | grep 'scoutfs '"
	assert_output --partial "btree block 16 seq 2: wrong sequence number"
}

@test "a btree block with a valid checksum but a broken structure is reported" {
	fresh_fs
	# the first item's key zone (offset 40) becomes greater than the next key's
	patch "$META" $((FS_ROOT_OFF + 40)) 1e
	python3 tests/guest/lib/fixcrc.py "$META" $FS_ROOT_OFF 65536
	mount_fails_with "reading the root directory's inode failed (-5)" \
		-o metadev_path=$META "$DATA"
	run bash -c "dmesg | grep 'scoutfs '"
	assert_output --partial "btree block 16: keys out of order (item 1)"
}
