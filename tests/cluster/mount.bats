#!/usr/bin/env bats
# One filesystem on the shared disks, mounted on every node.

load ../vm/cluster.bash
load helpers

setup_file() {
	cluster_start 3
	for i in 1 2 3; do
		vm_exec $i 'insmod $SCOUTFS_KO && mkdir -p /mnt/scoutfs'
	done
	vm_exec 1 "scoutfs mkfs -f -Q 0,$(vm_ip 1),12345 -Q 1,$(vm_ip 2),12345 -Q 2,$(vm_ip 3),12345 /dev/scoutfs/meta /dev/scoutfs/data"
}

teardown_file() {
	cluster_stop
}

@test "a filesystem made on one node checks clean on the others" {
	for i in 2 3; do
		run vm_exec $i "scoutfs check /dev/scoutfs/meta /dev/scoutfs/data"
		assert_success
		assert_output --partial clean
	done
}

@test "every node mounts it, in its own quorum slot, and sees the same root" {
	for i in 1 2 3; do
		run vm_exec $i "mount -t scoutfs -o ro,metadev_path=/dev/scoutfs/meta,quorum_slot_nr=$((i - 1)) /dev/scoutfs/data /mnt/scoutfs"
		assert_success
	done
	first=$(vm_exec 1 "stat -f -c %i /mnt/scoutfs; stat -c '%i %a %Y' /mnt/scoutfs")
	for i in 2 3; do
		run vm_exec $i "stat -f -c %i /mnt/scoutfs; stat -c '%i %a %Y' /mnt/scoutfs"
		assert_output "$first"
	done
}

@test "every mount is its own member with its own rid" {
	rids=""
	for i in 1 2 3; do
		rid=$(vm_exec $i "cat /sys/fs/scoutfs/f.*/rid")
		[[ $rid =~ ^[0-9a-f]{16}$ ]]
		rids+="$rid"$'\n'
	done
	assert_equal "$(printf '%s' "$rids" | sort -u | wc -l)" 3
}

@test "a quorum slot mounted on another node is refused, saying whose it is" {
	run vm_exec 3 'umount -c /mnt/scoutfs'
	assert_success
	vm_exec 3 'dmesg -C'
	run vm_exec 3 "strace -f -e trace=mount -o /tmp/strace.out \
		mount -t scoutfs -o ro,metadev_path=/dev/scoutfs/meta,quorum_slot_nr=0 /dev/scoutfs/data /mnt/scoutfs"
	assert_failure
	run vm_exec 3 'grep -c "= -1 EADDRNOTAVAIL" /tmp/strace.out'
	assert_output 1
	run vm_exec 3 "dmesg | grep scoutfs"
	assert_output --partial "quorum slot 0: the slot's address $(vm_ip 1):12345 isn't this node's: the slot belongs to another node (-99)"
	assert_output --partial "joining the cluster failed (-99)"
	run vm_exec 3 'grep -c " /mnt/scoutfs " /proc/mounts'
	assert_output 0
	# the slot's own node still leads or follows as before
	run vm_exec 1 'cat /sys/fs/scoutfs/f.*/quorum/status'
	assert_success
	# and node 3 takes its own slot again
	run vm_exec 3 "mount -t scoutfs -o ro,metadev_path=/dev/scoutfs/meta,quorum_slot_nr=2 /dev/scoutfs/data /mnt/scoutfs"
	assert_success
}

@test "every node unmounts and unloads cleanly" {
	for i in 1 2 3; do
		run vm_exec $i "umount -c /mnt/scoutfs && rmmod scoutfs"
		assert_success
	done
}
