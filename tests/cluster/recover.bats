#!/usr/bin/env bats
# Lock recovery after a failover (docs/wire.md, LOCK): the new server
# grants no lock until every mount recorded as mounted has resent the locks
# it holds, or was fenced.  A mount that wrote under a WRITE lock without
# syncing is cut off from the network while the leader dies; another
# mount's request for that lock must wait for it, and then see its changes.
#
# Nodes 1 and 2 hold the two quorum slots (one vote leads); node 3 writes
# without a slot.  The test plays the fence agent.

load ../vm/cluster.bash
load helpers

HB_MS=8000	# recovery gives a mount twice this to come back
AGENT=/src/tests/cluster/lib/fence_agent.sh
OPTS="metadev_path=/dev/scoutfs/meta,quorum_heartbeat_timeout_ms=$HB_MS,tcp_keepalive_timeout_ms=3000"
S=3		# the surviving writer

setup_file() {
	cluster_start 3
	for i in 1 2 3; do
		vm_exec $i 'insmod $SCOUTFS_KO && mkdir -p /mnt/scoutfs'
	done
	vm_exec 1 "scoutfs mkfs -f -Q 0,$(vm_ip 1),12345 -Q 1,$(vm_ip 2),12345 /dev/scoutfs/meta /dev/scoutfs/data"
}

teardown_file() {
	cluster_stop
}

# mount node $1 in slot $2 (none if empty)
mount_node() {
	vm_exec "$1" "mount -t scoutfs -o $OPTS${2:+,quorum_slot_nr=$2} /dev/scoutfs/data /mnt/scoutfs"
}

is_leader() { vm_exec "$1" 'cat /sys/fs/scoutfs/f.*/quorum/is_leader'; }
rid_of() { vm_exec "$1" 'cat /sys/fs/scoutfs/f.*/rid'; }

# wait up to $2 seconds for command $3 to succeed on node $1
wait_on() {
	local end=$((SECONDS + $2))
	until vm_exec "$1" "$3"; do
		[ $SECONDS -lt $end ] || { echo "node $1: never true: $3" >&2; return 1; }
		sleep 0.5
	done
}

# on node $1, confirm the fence request of rid $2 once it appears
fence_when_asked() {
	wait_on "$1" 60 "[ -d /sys/fs/scoutfs/f.*/fence/$2 ]"
	run vm_exec "$1" "$AGENT confirm $2"
	assert_output "$2"
}

# on node $1, list directory d in the background into /tmp/ls.out
ls_in_background() {
	vm_exec "$1" "rm -f /tmp/ls.out /tmp/ls.done; setsid sh -c \
		'ls /mnt/scoutfs/d > /tmp/ls.out 2>&1; touch /tmp/ls.done' </dev/null >/dev/null 2>&1 &"
}

@test "a new server grants nothing until a surviving writer resent its locks, then sees its unsynced changes" {
	run mount_node 1 0
	assert_success
	wait_on 1 30 '[ "$(cat /sys/fs/scoutfs/f.*/quorum/is_leader)" = 1 ]'
	for i in 2 $S; do
		run mount_node $i "$([ $i = 2 ] && echo 1)"
		assert_success
	done
	vm_exec 2 'mkdir /mnt/scoutfs/d && touch /mnt/scoutfs/d/base && sync'
	# the writer holds the directory's lock in WRITE with changes not yet committed
	vm_exec $S 'cd /mnt/scoutfs/d && touch $(seq -f s%g 1 20)'
	old_leader=$(rid_of 1)
	survivor=$(rid_of $S)

	net_cut $S
	vm_kill 1
	vm_exec 2 'dmesg -C'
	# node 2 leads once the dead leader is fenced
	fence_when_asked 2 "$old_leader"
	wait_on 2 30 "dmesg | grep -q 'no locks are granted until then'"

	# the survivor still holds the lock: node 2's read of the directory waits
	ls_in_background 2
	sleep 3
	run vm_exec 2 '[ -e /tmp/ls.done ]'
	assert_failure
	run vm_exec 2 "dmesg | grep -F 'lock recovery done'"
	assert_failure

	net_restore $S
	wait_on 2 30 '[ -e /tmp/ls.done ]'
	run vm_exec 2 'cat /tmp/ls.out'
	assert_line base
	for f in $(seq -f s%g 1 20); do
		assert_line "$f"
	done
	run vm_exec 2 "dmesg | grep -E 'rid $survivor|lock recovery done|reclaimed'"
	assert_output --partial "client rid $survivor greeted"
	assert_output --partial "reclaimed fenced rid $old_leader"
	assert_output --partial "lock recovery done"
	refute_output --partial "rid $survivor didn't"
	run vm_exec 2 "[ -d /sys/fs/scoutfs/f.*/fence/$survivor ]"
	assert_failure

	# both keep working on the same directory
	vm_exec 2 'touch /mnt/scoutfs/d/from2'
	run vm_exec $S 'ls /mnt/scoutfs/d | wc -l; touch /mnt/scoutfs/d/s21'
	assert_output 22
	run vm_exec 2 'stat -c %n /mnt/scoutfs/d/s21'
	assert_success
}

@test "a mount that dies with the leader is fenced, and then locks are granted without it" {
	vm_start 1
	vm_exec 1 'insmod $SCOUTFS_KO && mkdir -p /mnt/scoutfs'
	run mount_node 1 0
	assert_success
	assert_equal "$(is_leader 2)" 1
	vm_exec $S 'touch /mnt/scoutfs/d/unsynced'
	old_leader=$(rid_of 2)
	dead=$(rid_of $S)

	vm_kill $S
	vm_kill 2
	vm_exec 1 'dmesg -C'
	fence_when_asked 1 "$old_leader"
	wait_on 1 30 "dmesg | grep -q 'no locks are granted until then'"

	# it doesn't greet within the recovery time: it is to be fenced, and
	# until the agent says it is, nothing is granted
	wait_on 1 60 "[ -d /sys/fs/scoutfs/f.*/fence/$dead ]"
	assert_equal "$(vm_exec 1 "cat /sys/fs/scoutfs/f.*/fence/$dead/reason")" client_recovery
	ls_in_background 1
	sleep 3
	run vm_exec 1 '[ -e /tmp/ls.done ]'
	assert_failure

	run vm_exec 1 "$AGENT confirm $dead"
	assert_output "$dead"
	wait_on 1 30 '[ -e /tmp/ls.done ]'
	run vm_exec 1 'cat /tmp/ls.out'
	# everything committed before is there
	assert_line base
	assert_line from2
	assert_line s21
	run vm_exec 1 "dmesg | grep -E 'reclaimed fenced rid $dead|lock recovery done'"
	assert_line --index 0 --partial "reclaimed fenced rid $dead"
	assert_line --index 1 --partial "lock recovery done"

	run vm_exec 1 'umount -c /mnt/scoutfs'
	assert_success
	run vm_exec 1 'echo 3 > /proc/sys/vm/drop_caches; scoutfs check /dev/scoutfs/meta /dev/scoutfs/data'
	assert_success
	assert_output --partial clean
}
