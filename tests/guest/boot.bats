#!/usr/bin/env bats
# The guest itself: the harness gives every test what it promises.

load helpers

@test "guest runs the kernel under test" {
	run uname -r
	assert_success
	assert_output "$SCOUTFS_KVER"
}

@test "test disks are present by name" {
	for d in meta data scratch; do
		[ -b "/dev/scoutfs/$d" ]
	done
	run blockdev --getsize64 /dev/scoutfs/meta
	assert_output $((16 << 30))
}

@test "tools the suites rely on are installed" {
	for t in bats xfs_io fio python3 strace setfattr getfacl mkfs.ext4 ip; do
		command -v "$t"
	done
}
