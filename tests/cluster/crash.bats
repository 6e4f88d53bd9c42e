#!/usr/bin/env bats
# The crash matrices: SIGKILL the node at random points of a workload, boot
# it again, and require that the devices check clean, the filesystem
# mounts, and the workload's verifier accepts what it finds:
#  - a metadata workload (tests/cluster/lib/crashfs.py): every change
#    synced before the kill is there and no operation is half done;
#  - a file data workload (tests/cluster/lib/crashdata.py: writes,
#    truncates, hole punches, fsyncs): everything fsync'd is there and no
#    file holds a block that wasn't written to it.
# Each round works
# in its own directory, and every earlier round's directory must still
# hold what it held.  After each restart the test plays the fence agent:
# the killed mount led, so the next mount's election asks for it to be
# fenced; once it is, the server reclaims it, and only the live mount may
# be left recorded as mounted or with a log tree.

load ../vm/cluster.bash
load helpers

CRASHES=${SCOUTFS_CRASHES:-20}
DATA_CRASHES=${SCOUTFS_DATA_CRASHES:-20}
AGENT=/src/tests/cluster/lib/fence_agent.sh
ONLY_LIVE=/src/tests/cluster/lib/only_live_mount.sh
# a short heartbeat timeout: recovery of an unfenced mount waits twice this
MOUNT="mount -t scoutfs -o metadev_path=/dev/scoutfs/meta,quorum_slot_nr=0,quorum_heartbeat_timeout_ms=2000 /dev/scoutfs/data /mnt/scoutfs"

setup_file() {
	cluster_start 1
	vm_exec 1 'insmod $SCOUTFS_KO && mkdir -p /mnt/scoutfs'
	vm_exec 1 "scoutfs mkfs -f -Q 0,$(vm_ip 1),12345 /dev/scoutfs/meta /dev/scoutfs/data"
}

teardown_file() {
	cluster_stop
}

# Confirm every fence request that appears until the mount leads, no
# request is left and the dead mounts are reclaimed (within $1 seconds).
play_fence_agent() {
	local end=$((SECONDS + $1)) fenced
	while :; do
		fenced=$(vm_exec 1 "$AGENT confirm")
		[ -z "$fenced" ] || echo "# fenced rid $fenced" >&3
		if [ "$(vm_exec 1 'cat /sys/fs/scoutfs/f.*/quorum/is_leader')" = 1 ] &&
		   [ -z "$(vm_exec 1 "$AGENT list")" ] && vm_exec 1 "$ONLY_LIVE" >/dev/null; then
			return 0
		fi
		if [ $SECONDS -ge $end ]; then
			vm_exec 1 "$AGENT list; $ONLY_LIVE" >&2
			return 1
		fi
		sleep 0.5
	done
}

# $1 rounds of workload $2 in directories and progress files named $3<k>
crash_rounds() {
	local crashes=$1 workload=$2 name=$3
	local seed=${SCOUTFS_CRASH_SEED:-$(date +%s)}
	local k j delay out pairs
	RANDOM=$seed
	echo "# crash seed $seed (SCOUTFS_CRASH_SEED=$seed reproduces the kill times)" >&3

	for ((k = 1; k <= crashes; k++)); do
		vm_exec 1 "$MOUNT"
		vm_exec 1 "setsid python3 $workload run /mnt/scoutfs/$name$k /out/$name$k \
			</dev/null >/dev/null 2>&1 &"
		# the kill lands in the workload, not in the start of python
		vm_exec 1 "timeout 60 sh -c 'until [ -s /out/$name$k ]; do sleep 0.1; done'"
		delay=$((500 + RANDOM % 3500))
		sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
		vm_kill 1
		vm_start 1
		vm_exec 1 'insmod $SCOUTFS_KO && mkdir -p /mnt/scoutfs'

		run vm_exec 1 "scoutfs check /dev/scoutfs/meta /dev/scoutfs/data"
		assert_success

		run vm_exec 1 "$MOUNT"
		assert_success
		run play_fence_agent 60
		assert_success
		run vm_exec 1 "python3 $workload verify /mnt/scoutfs/$name$k /out/$name$k"
		assert_success
		echo "# crash $k after ${delay} ms: $output" >&3
		# every earlier round's directory, in one verifier
		if ((k > 1)); then
			pairs=
			for ((j = 1; j < k; j++)); do
				pairs+=" /mnt/scoutfs/$name$j /out/$name$j"
			done
			out=$(vm_exec 1 "python3 $workload verify$pairs 2>&1 >/dev/null") ||
				fail "an earlier round's directory changed after crash $k: $out"
		fi
		run vm_exec 1 "umount -c /mnt/scoutfs"
		assert_success
	done

	run vm_exec 1 "scoutfs check /dev/scoutfs/meta /dev/scoutfs/data"
	assert_success
}

@test "$CRASHES crashes during a metadata workload lose no synced change and check clean" {
	crash_rounds "$CRASHES" /src/tests/cluster/lib/crashfs.py run
}

@test "$DATA_CRASHES crashes during a data workload lose no fsync'd data, leave no garbage and check clean" {
	crash_rounds "$DATA_CRASHES" /src/tests/cluster/lib/crashdata.py data
}
