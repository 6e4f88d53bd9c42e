#!/usr/bin/env bats
# A read-only mount shows the filesystem mkfs made: the root directory,
# its attributes, statfs, and clean unmount and unload.

load helpers

META=/dev/scoutfs/meta
DATA=/dev/scoutfs/data
MNT=/mnt/test

setup_file() {
	insmod "$SCOUTFS_KO"
	mkdir -p "$MNT"
	scoutfs mkfs -f -Q 0,127.0.0.1,12345 "$META" "$DATA" >/dev/null
}

setup() {
	mount -t scoutfs -o ro,metadev_path=$META,quorum_slot_nr=0 "$DATA" "$MNT"
}

teardown() {
	umount "$MNT" 2>/dev/null || true
}

teardown_file() {
	rmmod scoutfs
}

@test "the root directory has the attributes mkfs gave it" {
	run stat -c '%F %a %h %u %g %i' "$MNT"
	assert_success
	assert_output "directory 755 2 0 0 1"
	# mkfs time, with nanoseconds, within the last hour
	now=$(date +%s)
	mtime=$(stat -c %Y "$MNT")
	[ $((now - mtime)) -lt 3600 ]
	run stat -c %y "$MNT"
	refute_output --partial ".000000000"
}

@test "the root directory is empty" {
	run ls -a "$MNT"
	assert_success
	assert_output $'.\n..'
}

@test "looking up a missing name is ENOENT" {
	run stat "$MNT/nothing-here"
	assert_failure
	assert_output --partial "No such file or directory"
	run stat "$MNT/$(printf 'x%.0s' $(seq 256))"
	assert_failure
	assert_output --partial "File name too long"
}

@test "the mount is read-only" {
	run touch "$MNT/file"
	assert_failure
	assert_output --partial "Read-only file system"
	run grep " $MNT " /proc/mounts
	assert_output --partial "scoutfs ro"
}

@test "remounting read-write makes it writable, and read-only again" {
	mount -o remount,rw "$MNT"
	touch "$MNT/file"
	rm "$MNT/file"
	mount -o remount,ro "$MNT"
	run touch "$MNT/file"
	assert_failure
	assert_output --partial "Read-only file system"
}

@test "statfs reports the data device's free blocks" {
	run stat -f -c '%S %b %f %l' "$MNT"
	assert_success
	# 32 GiB data device: 8388608 blocks less the 256 reserved, all free
	assert_output "4096 8388352 8388352 255"
	run df -T "$MNT"
	assert_output --partial "scoutfs"
}

@test "the mount's options are shown in /proc/mounts" {
	run grep " $MNT " /proc/mounts
	assert_output --partial "scoutfs ro"
	assert_output --partial "metadev_path=$META"
}

@test "mount and unmount cycles, then unload, leave nothing behind" {
	umount "$MNT"
	for i in $(seq 10); do
		mount -t scoutfs -o ro,metadev_path=$META,quorum_slot_nr=0 "$DATA" "$MNT"
		ls "$MNT" >/dev/null
		umount "$MNT"
	done
	rmmod scoutfs
	# and the block cache's leak check at unload printed no warning
	run grep scoutfs_inode_info /proc/slabinfo
	assert_failure
	run dmesg
	refute_output --partial "metadata blocks leaked"
	insmod "$SCOUTFS_KO"
}

@test "the mount has its sysfs directory with its fsid and a random rid" {
	fsid=$(od -An -tx8 -j $((65536 + 8)) -N8 "$META" | tr -d ' ')
	dirs=(/sys/fs/scoutfs/f.*)
	[ ${#dirs[@]} -eq 1 ]
	dir=${dirs[0]}
	run cat "$dir/fsid"
	assert_output "$fsid"
	rid=$(cat "$dir/rid")
	[[ $rid =~ ^[0-9a-f]{16}$ ]] && [ "$rid" != 0000000000000000 ]
	assert_equal "$(basename "$dir")" "f.${fsid:0:6}.r.${rid:0:6}"

	# a new mount is a new member with a new rid; the old directory is gone
	umount "$MNT"
	[ ! -e "$dir" ]
	mount -t scoutfs -o ro,metadev_path=$META,quorum_slot_nr=0 "$DATA" "$MNT"
	run cat /sys/fs/scoutfs/f.*/rid
	assert_success
	refute_output "$rid"
}
