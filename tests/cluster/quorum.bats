#!/usr/bin/env bats
# Leader election between three quorum slots (docs/quorum.md): exactly one
# leader, a new one with a higher term when it leaves or dies (fencing the
# dead one first), a leader survives a lost follower, and a lone member
# of three never leads.

load ../vm/cluster.bash
load helpers

HB_MS=2000	# the smallest quorum_heartbeat_timeout_ms allowed
AGENT=/src/tests/cluster/lib/fence_agent.sh	# plays the fence agent

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

mount_node() {
	vm_exec "$1" "mount -t scoutfs -o ro,metadev_path=/dev/scoutfs/meta,quorum_slot_nr=$(($1 - 1)),quorum_heartbeat_timeout_ms=$HB_MS /dev/scoutfs/data /mnt/scoutfs"
}

is_leader() { vm_exec "$1" 'cat /sys/fs/scoutfs/f.*/quorum/is_leader'; }

# status field $2 of node $1
status_field() {
	vm_exec "$1" "awk '\$1 == \"$2\" { print \$2 }' /sys/fs/scoutfs/f.*/quorum/status"
}

# the nodes among "$@" that say they lead
leaders() {
	local i out=""
	for i in "$@"; do
		[ "$(is_leader "$i")" = 1 ] && out+="$i "
	done
	echo "${out% }"
}

# wait up to $1 seconds until exactly one of the nodes "${@:2}" leads; sets LEADER
wait_one_leader() {
	local secs=$1 end l
	shift
	end=$((SECONDS + secs))
	while [ $SECONDS -lt $end ]; do
		l=$(leaders "$@")
		if [[ $l =~ ^[0-9]$ ]]; then
			LEADER=$l
			return 0
		fi
		sleep 0.5
	done
	echo "no single leader among $* after ${secs}s (leaders: '$l')" >&2
	for l in "$@"; do vm_exec "$l" 'cat /sys/fs/scoutfs/f.*/quorum/status' >&2; done
	return 1
}

# wait up to $1 seconds until nodes "${@:2}" all report the leader's term
wait_same_term() {
	local secs=$1 end t i same
	shift
	end=$((SECONDS + secs))
	while [ $SECONDS -lt $end ]; do
		t=$(status_field "$LEADER" term)
		same=1
		for i in "$@"; do
			[ "$(status_field "$i" term)" = "$t" ] || same=0
		done
		[ $same = 1 ] && return 0
		sleep 0.5
	done
	echo "nodes $* don't agree on term $t" >&2
	return 1
}

# the print lines of slot $1's quorum block, read on node ${2:-1}
# (the tools read through the page cache: drop what another node changed)
# (filtered in the guest: the agent can't return large outputs)
print_slot() {
	vm_exec "${2:-1}" "echo 3 > /proc/sys/vm/drop_caches; scoutfs print /dev/scoutfs/meta |
		awk -v s=$1 '\$1 == \"slot\" && \$2 == s { p = 1; next }
			    \$1 == \"slot\" || /^[a-z]/ { p = 0 } p'"
}

@test "three mounts elect exactly one leader and agree on its term" {
	for i in 1 2 3; do
		run mount_node $i
		assert_success
	done
	wait_one_leader 30 1 2 3
	wait_same_term 10 1 2 3
	for i in 1 2 3; do
		assert_equal "$(status_field $i leader_slot)" $((LEADER - 1))
		assert_equal "$(status_field $i majority)" 2
	done
	assert_equal "$(status_field $LEADER role)" leader
	echo "$LEADER" > "$BATS_FILE_TMPDIR/leader"
	status_field "$LEADER" term > "$BATS_FILE_TMPDIR/term"
}

@test "scoutfs print shows the leader's election in its quorum block" {
	LEADER=$(cat "$BATS_FILE_TMPDIR/leader")
	term=$(cat "$BATS_FILE_TMPDIR/term")
	rid=$(vm_exec "$LEADER" 'cat /sys/fs/scoutfs/f.*/rid')
	run print_slot $((LEADER - 1)) "$LEADER"
	assert_output --partial "term: $term"
	assert_output --regexp "event elect: rid $rid term $term arg 0 ts "
	assert_output --regexp "event vote: rid $rid term $term arg $((LEADER - 1)) "
	assert_output --partial "event stop: none"
	# the followers voted for it
	for i in 1 2 3; do
		[ "$i" = "$LEADER" ] && continue
		run print_slot $((i - 1))
		assert_output --regexp "event begin: rid [0-9a-f]{16} term "
	done
}

@test "unmounting the leader elects another with a higher term" {
	old=$(cat "$BATS_FILE_TMPDIR/leader")
	old_term=$(cat "$BATS_FILE_TMPDIR/term")
	run vm_exec "$old" "umount -c /mnt/scoutfs"
	assert_success
	run print_slot $((old - 1))
	assert_output --regexp "event stop: rid [0-9a-f]{16} term $old_term "
	others=()
	for i in 1 2 3; do [ "$i" = "$old" ] || others+=("$i"); done
	wait_one_leader 30 "${others[@]}"
	new_term=$(status_field "$LEADER" term)
	[ "$new_term" -gt "$old_term" ]
	# the old leader comes back as a follower of the new term
	run mount_node "$old"
	assert_success
	wait_same_term 15 1 2 3
	assert_equal "$(leaders 1 2 3)" "$LEADER"
	echo "$LEADER" > "$BATS_FILE_TMPDIR/leader"
}

@test "a killed follower leaves the leader leading" {
	LEADER=$(cat "$BATS_FILE_TMPDIR/leader")
	term=$(status_field "$LEADER" term)
	for i in 1 2 3; do [ "$i" = "$LEADER" ] || { victim=$i; break; }; done
	vm_kill "$victim"
	echo "$victim" > "$BATS_FILE_TMPDIR/killed"
	# well past the heartbeat timeout
	sleep $((3 * HB_MS / 1000))
	assert_equal "$(is_leader "$LEADER")" 1
	assert_equal "$(status_field "$LEADER" term)" "$term"
	for i in 1 2 3; do
		[ "$i" = "$LEADER" ] || [ "$i" = "$victim" ] && continue
		assert_equal "$(is_leader "$i")" 0
		assert_equal "$(status_field "$i" term)" "$term"
	done
}

@test "one member of three never leads: the leader steps down" {
	LEADER=$(cat "$BATS_FILE_TMPDIR/leader")
	killed=$(cat "$BATS_FILE_TMPDIR/killed")
	term=$(status_field "$LEADER" term)
	for i in 1 2 3; do
		[ "$i" = "$LEADER" ] || [ "$i" = "$killed" ] || other=$i
	done
	run vm_exec "$other" "umount -c /mnt/scoutfs"
	assert_success
	# alone, it loses its majority within about the heartbeat timeout
	end=$((SECONDS + 15))
	while [ "$(is_leader "$LEADER")" = 1 ] && [ $SECONDS -lt $end ]; do sleep 0.5; done
	assert_equal "$(is_leader "$LEADER")" 0
	# (only the matching lines: the agent can't return a whole dmesg)
	run vm_exec "$LEADER" "dmesg | grep -F 'stopped leading'"
	assert_output --partial "stopped leading term $term: lost contact with a majority"
	run print_slot $((LEADER - 1)) "$LEADER"
	assert_output --regexp "event stop: rid [0-9a-f]{16} term $term "
	# and stays without a leader, whatever terms it tries
	for _ in 1 2 3 4 5 6; do
		assert_equal "$(is_leader "$LEADER")" 0
		sleep 1
	done
	[ "$(status_field "$LEADER" role)" != leader ]
	echo "$LEADER" > "$BATS_FILE_TMPDIR/lone"
}

@test "a killed leader is fenced before the next one starts" {
	lone=$(cat "$BATS_FILE_TMPDIR/lone")
	killed=$(cat "$BATS_FILE_TMPDIR/killed")
	vm_start "$killed"
	vm_exec "$killed" 'insmod $SCOUTFS_KO && mkdir -p /mnt/scoutfs'
	for i in 1 2 3; do
		[ "$i" = "$lone" ] && continue
		run mount_node "$i"
		assert_success
	done
	wait_one_leader 30 1 2 3
	wait_same_term 15 1 2 3
	old=$LEADER
	old_term=$(status_field "$old" term)

	others=()
	for i in 1 2 3; do [ "$i" = "$old" ] || others+=("$i"); done
	# whichever leads next asks for the dead leader to be fenced
	for i in "${others[@]}"; do
		vm_exec "$i" "setsid $AGENT run </dev/null >/dev/null 2>&1 &"
	done
	vm_kill "$old"
	wait_one_leader 30 "${others[@]}"
	[ "$(status_field "$LEADER" term)" -gt "$old_term" ]
	run print_slot $((LEADER - 1)) "$LEADER"
	assert_output --regexp "event fence: rid [0-9a-f]{16} term $old_term arg $((old - 1)) "
	run vm_exec "$LEADER" "dmesg | grep -F fencing"
	assert_output --partial "fencing the leader of term $old_term (slot $((old - 1))"
	echo "${others[*]}" > "$BATS_FILE_TMPDIR/alive"
}

@test "every node unmounts and the filesystem checks clean" {
	for i in $(cat "$BATS_FILE_TMPDIR/alive"); do
		run vm_exec "$i" "umount -c /mnt/scoutfs && rmmod scoutfs"
		assert_success
	done
	i=${i:-1}
	run vm_exec "$i" "echo 3 > /proc/sys/vm/drop_caches; scoutfs check /dev/scoutfs/meta /dev/scoutfs/data"
	assert_success
	assert_output --partial clean
}
