#!/usr/bin/env bats
# Several mounts write at once: the server commits their requests in
# groups (cluster/server_state.c), and every mount sees the others' work.

load ../vm/cluster.bash
load helpers

OPTS="metadev_path=/dev/scoutfs/meta"

setup_file() {
	start_one_leader_cluster 3 "$OPTS"
}

teardown_file() {
	cluster_stop
}

counter() { vm_exec 1 "cat /sys/fs/scoutfs/f.*/counters/$1"; }

@test "only the leader's mount counts server commits" {
	run vm_exec 2 'cat /sys/fs/scoutfs/f.*/counters/server_commits'
	assert_success
	assert_output 0
	[ "$(counter server_commits)" -gt 0 ]
}

@test "mounts syncing at once share server commits" {
	commits0=$(counter server_commits)
	ops0=$(counter server_commit_ops)
	for i in 1 2 3; do
		vm_exec $i "mkdir /mnt/scoutfs/n$i"
	done
	# each node: 40 rounds of a create and a sync, all three at once
	local pids=()
	for i in 1 2 3; do
		vm_exec $i "set -e; for r in \$(seq 40); do : > /mnt/scoutfs/n$i/f\$r; sync -f /mnt/scoutfs; done" &
		pids+=($!)
	done
	# a node whose creates or syncs failed fails here, not in a later count
	for pid in "${pids[@]}"; do
		wait "$pid"
	done
	commits=$(($(counter server_commits) - commits0))
	ops=$(($(counter server_commit_ops) - ops0))
	echo "server commits $commits for $ops requests" >&3
	# every sync is at least one request; some of them went together
	[ "$ops" -ge 120 ]
	[ "$ops" -gt "$commits" ]
}

@test "every mount sees every other mount's files" {
	for i in 1 2 3; do
		for j in 1 2 3; do
			run vm_exec $i "ls /mnt/scoutfs/n$j | wc -l"
			assert_success
			[ "$output" = 40 ] || {
				echo "vm$i lists $output entries in n$j:" >&2
				vm_exec $i "ls -f /mnt/scoutfs/n$j | sort -V | tr '\n' ' '" >&2
				false
			}
		done
	done
}

# Readers switch to the roots of each grant and commit answer; answers
# that arrive out of order must never take a reader back to older roots.
@test "a mount that writes and reads at once never sees another mount's entries go away" {
	for i in 1 2 3; do
		vm_exec $i "mkdir /mnt/scoutfs/m$i"
	done
	local pids=()
	for i in 2 3; do
		vm_exec $i "set -e; for r in \$(seq 40); do : > /mnt/scoutfs/m$i/f\$r; sync -f /mnt/scoutfs; done" &
		pids+=($!)
	done
	run vm_exec 1 'set -e
		p2=0; p3=0
		for r in $(seq 40); do
			: > /mnt/scoutfs/m1/f$r
			sync -f /mnt/scoutfs &
			c2=$(ls /mnt/scoutfs/m2 | wc -l)
			c3=$(ls /mnt/scoutfs/m3 | wc -l)
			wait
			if [ "$c2" -lt "$p2" ] || [ "$c3" -lt "$p3" ]; then
				echo "round $r: m2 $p2 -> $c2, m3 $p3 -> $c3"
				exit 1
			fi
			p2=$c2; p3=$c3
		done
		echo "last counts m2 $p2 m3 $p3"'
	for pid in "${pids[@]}"; do
		wait "$pid"
	done
	echo "$output" >&3
	assert_success
	for j in 2 3; do
		run vm_exec 1 "ls /mnt/scoutfs/m$j | wc -l"
		assert_output 40
	done
}

# A read's atime is written later (writeback, or the next ls) under the
# inode's WRITE lock; what else the reader has in memory may be older.
@test "a mount writing a read's atime keeps another mount's later changes" {
	vm_exec 2 'mkdir /mnt/scoutfs/a && seq 1000 > /mnt/scoutfs/a/file && touch -d "2 days ago" /mnt/scoutfs/a/file /mnt/scoutfs/a && sync -f /mnt/scoutfs'
	vm_exec 1 'cat /mnt/scoutfs/a/file > /dev/null && ls /mnt/scoutfs/a > /dev/null'
	vm_exec 2 'seq 1001 2000 >> /mnt/scoutfs/a/file && : > /mnt/scoutfs/a/new && sync -f /mnt/scoutfs'
	# mount 1 writes its atimes now, with the inodes as mount 2 left them
	vm_exec 1 'sync -f /mnt/scoutfs'
	for i in 1 2 3; do
		run vm_exec $i 'wc -l < /mnt/scoutfs/a/file; ls /mnt/scoutfs/a | tr "\n" " "'
		assert_success
		assert_output "2000
file new "
	done
	# and the read's atime is kept
	run vm_exec 3 'echo $(($(date +%s) - $(stat -c %X /mnt/scoutfs/a/file)))'
	assert_success
	[ "$output" -lt 3600 ]
}

@test "every node unmounts and the filesystem checks clean" {
	unmount_and_check 3 2 1
}
