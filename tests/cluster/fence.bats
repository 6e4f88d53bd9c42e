#!/usr/bin/env bats
# Fencing (docs/fencing.md): a mount that died is fenced before the leader
# gives away what it held, through requests in sysfs that the test answers
# as the fence agent would, and the server then reclaims the dead mount's
# log tree, blocks and mounted-client record.

load ../vm/cluster.bash
load helpers

HB_MS=2000	# recovery gives a mount twice this to come back
AGENT=/src/tests/cluster/lib/fence_agent.sh
OPTS="metadev_path=/dev/scoutfs/meta,quorum_heartbeat_timeout_ms=$HB_MS,tcp_keepalive_timeout_ms=3000"

setup_file() {
	cluster_start 3
	for i in 1 2 3; do
		vm_exec $i 'insmod $SCOUTFS_KO && mkdir -p /mnt/scoutfs'
	done
	vm_exec 1 "scoutfs mkfs -f -Q 0,$(vm_ip 1),12345 /dev/scoutfs/meta /dev/scoutfs/data"
}

teardown_file() {
	cluster_stop
}

# mount node $1 in slot $2 (none if empty) with extra options $3
mount_node() {
	vm_exec "$1" "mount -t scoutfs -o ${3:+$3,}$OPTS${2:+,quorum_slot_nr=$2} /dev/scoutfs/data /mnt/scoutfs"
}

is_leader() { vm_exec "$1" 'cat /sys/fs/scoutfs/f.*/quorum/is_leader'; }

# wait up to $2 seconds for node $1 to lead (or, with $3 = 0, not to)
wait_leader() {
	local end=$((SECONDS + $2))
	while [ "$(is_leader "$1")" != "${3:-1}" ]; do
		[ $SECONDS -lt $end ] || { echo "node $1 is_leader isn't ${3:-1}" >&2; return 1; }
		sleep 0.5
	done
}

# wait up to $3 seconds on node $1 for the fence request of rid $2 to appear
# (or, with $4 = gone, to disappear)
wait_request() {
	local end=$((SECONDS + $3)) test=-d
	[ "${4:-}" = gone ] && test="! -d"
	while ! vm_exec "$1" "[ $test /sys/fs/scoutfs/f.*/fence/$2 ]"; do
		[ $SECONDS -lt $end ] || { echo "fence request $2 on node $1: not ${4:-there}" >&2; return 1; }
		sleep 0.5
	done
}

# request file $3 of rid $2 on node $1
req_file() { vm_exec "$1" "cat /sys/fs/scoutfs/f.*/fence/$2/$3"; }

# how many print lines on node $1 match $2 (the agent can't return a whole print)
print_count() {
	vm_exec "$1" "echo 3 > /proc/sys/vm/drop_caches; scoutfs print /dev/scoutfs/meta | grep -c -- '$2'"
}

@test "a crashed single leader is fenced before its next mount's server starts and is reclaimed" {
	run mount_node 1 0
	assert_success
	wait_leader 1 10
	vm_exec 1 'mkdir /mnt/scoutfs/before && touch /mnt/scoutfs/before/f1 /mnt/scoutfs/before/f2 && sync'
	old=$(vm_exec 1 'cat /sys/fs/scoutfs/f.*/rid')

	vm_kill 1
	vm_start 1
	vm_exec 1 'insmod $SCOUTFS_KO && mkdir -p /mnt/scoutfs'
	# the dead mount left its record and its open log tree
	assert_equal "$(print_count 1 "mounted client: rid $old")" 1
	assert_equal "$(print_count 1 "log_trees: rid $old")" 1

	vm_exec 1 'dmesg -C'
	run mount_node 1 0
	assert_success
	wait_request 1 "$old" 20
	assert_equal "$(req_file 1 "$old" rid)" "$old"
	assert_equal "$(req_file 1 "$old" reason)" quorum_block_leader
	assert_equal "$(req_file 1 "$old" ipv4_addr)" "$(vm_ip 1)"
	assert_equal "$(req_file 1 "$old" fenced)" 0
	assert_equal "$(req_file 1 "$old" error)" 0
	run vm_exec 1 "$AGENT list"
	assert_output --regexp "^$old quorum_block_leader 0 0 $(vm_ip 1) [0-9]+\$"

	# no server until it is fenced: writes wait
	assert_equal "$(is_leader 1)" 0
	vm_exec 1 "setsid sh -c 'touch /mnt/scoutfs/after && sync && touch /tmp/wrote' </dev/null >/dev/null 2>&1 &"
	sleep 4
	run vm_exec 1 '[ -e /tmp/wrote ]'
	assert_failure
	assert_equal "$(is_leader 1)" 0

	run vm_exec 1 "$AGENT confirm"
	assert_output "$old"
	wait_leader 1 10
	end=$((SECONDS + 20))
	until vm_exec 1 '[ -e /tmp/wrote ]'; do
		[ $SECONDS -lt $end ] || fail "the write never finished after the fence"
		sleep 0.5
	done
	# the server took the confirmed request over and reclaimed the dead mount
	wait_request 1 "$old" 20 gone
	run vm_exec 1 "dmesg | grep -F 'rid $old'"
	assert_output --partial "rid $old was fenced (quorum_block_leader)"
	assert_output --partial "reclaimed fenced rid $old"
	refute_output --partial "(client_recovery)"
	assert_equal "$(print_count 1 "mounted client: rid $old")" 0
	assert_equal "$(print_count 1 "log_trees: rid $old")" 0
	new=$(vm_exec 1 'cat /sys/fs/scoutfs/f.*/rid')
	assert_equal "$(print_count 1 "mounted client: rid $new")" 1

	run vm_exec 1 'ls /mnt/scoutfs/before /mnt/scoutfs'
	assert_output --partial f1
	assert_output --partial f2
	assert_output --partial after
	run vm_exec 1 'umount -c /mnt/scoutfs'
	assert_success
	run vm_exec 1 'scoutfs check /dev/scoutfs/meta /dev/scoutfs/data'
	assert_success
	assert_output --partial clean
}

@test "a fence the agent reports failed keeps the server from starting until one succeeds" {
	run mount_node 1 0
	assert_success
	wait_leader 1 10
	old=$(vm_exec 1 'cat /sys/fs/scoutfs/f.*/rid')
	vm_kill 1
	vm_start 1
	vm_exec 1 'insmod $SCOUTFS_KO && mkdir -p /mnt/scoutfs && dmesg -C'

	run mount_node 1 0
	assert_success
	wait_request 1 "$old" 20
	run vm_exec 1 "$AGENT fail $old"
	assert_success
	# the leader steps down without starting its server
	end=$((SECONDS + 10))
	until vm_exec 1 "dmesg | grep -qF 'fencing the previous leader failed'"; do
		[ $SECONDS -lt $end ] || fail "the leader didn't step down"
		sleep 0.5
	done
	run vm_exec 1 "dmesg | grep -E 'fence|fencing|stopped leading|server: listening'"
	assert_output --partial "the fence agent failed to fence rid $old (quorum_block_leader)"
	assert_output --partial "fencing slot 0 failed (-5)"
	assert_output --partial "fencing the previous leader failed"
	refute_output --partial "server: listening"
	assert_equal "$(is_leader 1)" 0

	# the next election asks again; this time the agent succeeds
	wait_request 1 "$old" 20
	run vm_exec 1 "$AGENT confirm"
	assert_output "$old"
	wait_leader 1 10
	wait_request 1 "$old" 20 gone
	run vm_exec 1 'umount -c /mnt/scoutfs'
	assert_success
	assert_equal "$(print_count 1 "mounted client: rid $old")" 0
}

@test "a client that comes back withdraws its request; a killed one is fenced and reclaimed" {
	vm_exec 1 "scoutfs mkfs -f -Q 0,$(vm_ip 1),12345 -Q 1,$(vm_ip 2),12345 -Q 2,$(vm_ip 3),12345 /dev/scoutfs/meta /dev/scoutfs/data"
	# two read-only members elect a leader; the third writes, without a
	# slot (a member cut off would raise its term and unseat the leader)
	for i in 1 2; do
		run mount_node $i $((i - 1)) ro
		assert_success
	done
	end=$((SECONDS + 30))
	until [ "$(is_leader 1)$(is_leader 2)" = 10 ] || [ "$(is_leader 1)$(is_leader 2)" = 01 ]; do
		[ $SECONDS -lt $end ] || fail "no leader among nodes 1 and 2"
		sleep 0.5
	done
	leader=1
	[ "$(is_leader 2)" = 1 ] && leader=2
	run mount_node 3 ""
	assert_success
	vm_exec 3 'mkdir /mnt/scoutfs/d3 && touch /mnt/scoutfs/d3/f && sync'
	victim=$(vm_exec 3 'cat /sys/fs/scoutfs/f.*/rid')
	assert_equal "$(print_count $leader "log_trees: rid $victim")" 1

	# cut off until it has a request, it greets again when it's back
	net_cut 3
	wait_request $leader "$victim" 30
	net_restore 3
	wait_request $leader "$victim" 30 gone
	run vm_exec $leader "dmesg | grep -F 'rid $victim'"
	assert_output --partial "rid $victim came back, its fence request is withdrawn"
	refute_output --partial "rid $victim was fenced"
	assert_equal "$(print_count $leader "mounted client: rid $victim")" 1

	vm_kill 3
	# keepalive notices in 3 s, recovery waits 4 s more
	wait_request $leader "$victim" 30
	assert_equal "$(req_file $leader "$victim" reason)" client_reconnect
	assert_equal "$(req_file $leader "$victim" ipv4_addr)" "$(vm_ip 3)"
	# nothing is reclaimed before the agent answers
	sleep 2
	assert_equal "$(print_count $leader "mounted client: rid $victim")" 1
	run vm_exec $leader "$AGENT confirm"
	assert_output "$victim"
	wait_request $leader "$victim" 20 gone
	run vm_exec $leader "dmesg | grep -F 'rid $victim'"
	assert_output --partial "reclaimed fenced rid $victim"
	assert_equal "$(print_count $leader "mounted client: rid $victim")" 0
	assert_equal "$(print_count $leader "log_trees: rid $victim")" 0
	assert_equal "$(is_leader $leader)" 1

	for i in 1 2; do
		run vm_exec $i 'umount -c /mnt/scoutfs'
		assert_success
	done
	run vm_exec 1 'echo 3 > /proc/sys/vm/drop_caches; scoutfs check /dev/scoutfs/meta /dev/scoutfs/data'
	assert_success
	assert_output --partial clean
}
