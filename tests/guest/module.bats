#!/usr/bin/env bats
# Loading and unloading the module built from this tree.

load helpers

teardown() {
	grep -q '^scoutfs ' /proc/modules && rmmod scoutfs || true
}

@test "the module was built for the running kernel" {
	[ -e "$SCOUTFS_KO" ]
	run modinfo -F vermagic "$SCOUTFS_KO"
	assert_success
	assert_output --partial "$(uname -r) "
	run modinfo -F license "$SCOUTFS_KO"
	assert_output GPL
}

@test "loading registers the filesystem type and /sys/fs/scoutfs" {
	run insmod "$SCOUTFS_KO"
	assert_success
	grep -qw scoutfs /proc/filesystems
	[ -d /sys/fs/scoutfs ]
	[ -d /sys/module/scoutfs ]
	run cat /sys/module/scoutfs/version
	assert_output "$(modinfo -F version "$SCOUTFS_KO")"
}

@test "unloading removes every trace" {
	insmod "$SCOUTFS_KO"
	run rmmod scoutfs
	assert_success
	run grep -w scoutfs /proc/filesystems
	assert_failure
	[ ! -e /sys/fs/scoutfs ]
	[ ! -e /sys/module/scoutfs ]
}

@test "repeated load and unload leaves nothing behind" {
	local slabs_before slabs_after
	slabs_before=$(awk 'NR > 2 { print $1 }' /proc/slabinfo | sort)
	for i in $(seq 20); do
		insmod "$SCOUTFS_KO"
		rmmod scoutfs
	done
	slabs_after=$(awk 'NR > 2 { print $1 }' /proc/slabinfo | sort)
	assert_equal "$slabs_after" "$slabs_before"
	# A leaked cache object or kobject would be reported by the kernel at
	# unload; the harness fails the run on any such console line.
	run dmesg
	refute_output --partial "still has objects"
}

@test "mounting without metadev_path fails with a clear message" {
	insmod "$SCOUTFS_KO"
	mkdir -p /mnt/test
	run mount -t scoutfs /dev/scoutfs/data /mnt/test
	assert_failure
	run dmesg
	assert_output --partial "metadev_path"
}

@test "an unknown mount option is refused" {
	insmod "$SCOUTFS_KO"
	run mount -t scoutfs -o metadev_path=/dev/scoutfs/meta,bogus_option=1 /dev/scoutfs/data /mnt/test
	assert_failure
	run dmesg
	assert_output --partial "bogus_option"
}
