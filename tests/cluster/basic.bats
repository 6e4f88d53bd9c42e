#!/usr/bin/env bats
# A three-node cluster of guests: network and shared disks work as the
# filesystem will need them.

load ../vm/cluster.bash
load helpers

setup_file() {
	cluster_start 3
}

teardown_file() {
	cluster_stop
}

@test "every node pings every other node" {
	for i in 1 2 3; do
		for j in 1 2 3; do
			[ $i = $j ] && continue
			run vm_exec $i "ping -c 1 -W 5 $(vm_ip $j)"
			assert_success
		done
	done
}

@test "a block written with O_DIRECT on one node is read on another" {
	pattern="scoutfs-shared-$RANDOM-$RANDOM"
	run vm_exec 1 "printf '%-4096s' '$pattern' | dd of=/dev/scoutfs/scratch bs=4096 seek=7 count=1 oflag=direct status=none"
	assert_success
	for i in 2 3; do
		run vm_exec $i "dd if=/dev/scoutfs/scratch bs=4096 skip=7 count=1 iflag=direct status=none"
		assert_success
		assert_output --partial "$pattern"
	done
}

@test "a killed node restarts and sees what the others wrote meanwhile" {
	vm_kill 2
	run vm_exec 2 true
	assert_failure 255
	pattern="after-crash-$RANDOM"
	run vm_exec 1 "printf '%-4096s' '$pattern' | dd of=/dev/scoutfs/scratch bs=4096 seek=9 count=1 oflag=direct status=none"
	assert_success
	vm_start 2
	run vm_exec 2 "dd if=/dev/scoutfs/scratch bs=4096 skip=9 count=1 iflag=direct status=none"
	assert_output --partial "$pattern"
}

@test "a cut network isolates a node until it is restored" {
	net_cut 3
	run vm_exec 1 "ping -c 1 -W 2 $(vm_ip 3)"
	assert_failure
	net_restore 3
	run vm_exec 1 "ping -c 1 -W 5 $(vm_ip 3)"
	assert_success
}
