# Loaded by host-side cluster bats files.
load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash

# Boot $1 nodes, make the filesystem with node 1 as its one quorum slot,
# and mount it on every node with options $2 (node 1 in slot 0, the
# leader; the others without a slot).
start_one_leader_cluster() {
	local n=$1 opts=$2 i
	cluster_start "$n"
	for i in $(seq "$n"); do
		vm_exec "$i" 'insmod $SCOUTFS_KO && mkdir -p /mnt/scoutfs'
	done
	vm_exec 1 "scoutfs mkfs -f -Q 0,$(vm_ip 1),12345 /dev/scoutfs/meta /dev/scoutfs/data"
	vm_exec 1 "mount -t scoutfs -o $opts,quorum_slot_nr=0 /dev/scoutfs/data /mnt/scoutfs"
	for i in $(seq 2 "$n"); do
		vm_exec "$i" "mount -t scoutfs -o $opts /dev/scoutfs/data /mnt/scoutfs"
	done
}

# Unmount the nodes in the order given (the leader last), then check the
# filesystem from the last one with nothing cached.
unmount_and_check() {
	local i
	for i in "$@"; do
		run vm_exec "$i" 'umount -c /mnt/scoutfs'
		assert_success
	done
	run vm_exec "$i" 'echo 3 > /proc/sys/vm/drop_caches; scoutfs check /dev/scoutfs/meta /dev/scoutfs/data'
	assert_success
	assert_output --partial clean
}
