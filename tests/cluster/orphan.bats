#!/usr/bin/env bats
# Inodes without links (vfs/orphan.c, docs/wire.md OPEN_MAP): a file
# unlinked on one mount while another has it open stays readable there and
# is deleted, its space returned, once the last mount lets it go; one left
# open by a mount that crashed is deleted by the orphan scan of a surviving
# mount, or of the node's next mount.
#
# Node 1 holds the only quorum slot; node 2 mounts without one.  The test
# plays the fence agent.

load ../vm/cluster.bash
load helpers

HB_MS=2000	# recovery gives a mount twice this to come back
AGENT=/src/tests/cluster/lib/fence_agent.sh
OPTS="metadev_path=/dev/scoutfs/meta,quorum_heartbeat_timeout_ms=$HB_MS,tcp_keepalive_timeout_ms=3000,orphan_scan_delay_ms=1000"
MNT=/mnt/scoutfs
# the same 32 MiB of random bytes on every node
RAND="python3 -c 'import random, sys; random.seed(7); sys.stdout.buffer.write(random.randbytes(32 << 20))' > /tmp/r32m"

setup_file() {
	cluster_start 2
	for i in 1 2; do
		vm_exec $i "insmod \$SCOUTFS_KO && mkdir -p $MNT && $RAND"
	done
	vm_exec 1 "scoutfs mkfs -f -Q 0,$(vm_ip 1),12345 /dev/scoutfs/meta /dev/scoutfs/data"
	mount_node 1 0
	mount_node 2
}

teardown_file() {
	cluster_stop
}

# mount node $1 in slot $2 (none if empty)
mount_node() {
	vm_exec "$1" "mount -t scoutfs -o $OPTS${2:+,quorum_slot_nr=$2} /dev/scoutfs/data $MNT"
}

# free 4 KiB blocks as node $1's statfs sees them, after a sync there
free_blocks() { vm_exec "$1" "sync; stat -f -c %f $MNT"; }

# wait up to $2 seconds for command $3 to succeed on node $1
wait_on() {
	local end=$((SECONDS + $2))
	until vm_exec "$1" "$3"; do
		[ $SECONDS -lt $end ] || { echo "node $1: never true: $3" >&2; return 1; }
		sleep 0.5
	done
}

# wait up to $3 seconds until node $1's free blocks are at least $2
wait_free() {
	local end=$((SECONDS + $3)) free
	while free=$(free_blocks "$1"); [ "$free" -lt "$2" ]; do
		[ $SECONDS -lt $end ] || { echo "node $1: $free free blocks, never $2" >&2; return 1; }
		sleep 1
	done
}

# orphan items in the committed metadata, as node $1's print shows them:
# per inode the newest version across the trees, unless it's a deletion
orphans() {
	vm_exec "$1" "sync; echo 3 > /proc/sys/vm/drop_caches; scoutfs print /dev/scoutfs/meta" |
		awk '$1 ~ /^orphan\.[0-9]+\.orphan\./ && $2 == "seq" && $4 == "flags" {
			split($1, k, "."); ino = k[2]
			if (!(ino in seq) || $3 + 0 > seq[ino]) { seq[ino] = $3 + 0; del[ino] = ($5 != "0x0") }
		}
		END { n = 0; for (i in seq) if (!del[i]) n++; print n }'
}

# on node $1, open file $2 for reading in a process that holds it (as its
# fd 7) until /tmp/$3.close appears; /tmp/$3.pid is its pid once it's open
hold_open() {
	vm_exec "$1" "rm -f /tmp/$3.pid /tmp/$3.close; setsid sh -c \
		'exec 7<$2; echo \$\$ > /tmp/$3.pid; while [ ! -e /tmp/$3.close ]; do sleep 0.2; done' \
		</dev/null >/dev/null 2>&1 &"
	wait_on "$1" 20 "[ -s /tmp/$3.pid ]"
}

# the file held open as $2 on node $1 matches /tmp/r32m
held_intact() { vm_exec "$1" "cmp /tmp/r32m /proc/\$(cat /tmp/$2.pid)/fd/7"; }

# close it again and wait until the holder is gone
let_go() {
	vm_exec "$1" "touch /tmp/$2.close"
	wait_on "$1" 20 "! kill -0 \$(cat /tmp/$2.pid) 2>/dev/null"
}

@test "a file unlinked on one mount stays whole on another that has it open, and goes when that one lets go" {
	base=$(free_blocks 1)
	vm_exec 1 "cp /tmp/r32m $MNT/a && sync"
	run vm_exec 2 "cmp /tmp/r32m $MNT/a"
	assert_success
	hold_open 2 $MNT/a a

	# node 1 unlinks it and lets its inode go: node 2 has it, so nothing is freed
	vm_exec 1 "rm $MNT/a && sync && echo 3 > /proc/sys/vm/drop_caches"
	run vm_exec 1 "ls $MNT"
	refute_output --partial a
	run vm_exec 2 "ls $MNT"
	refute_output --partial a
	[ "$(free_blocks 1)" -le $((base - 8192 + 64)) ]
	[ "$(orphans 1)" -eq 1 ]
	run held_intact 2 a
	assert_success

	# node 2 lets go: its eviction finds nobody else and deletes it
	let_go 2 a
	wait_free 1 $((base - 64)) 30
	[ "$(orphans 1)" -eq 0 ]
}

@test "open on both mounts: the first to let go keeps it, the last deletes it" {
	base=$(free_blocks 1)
	vm_exec 1 "cp /tmp/r32m $MNT/b && sync"
	hold_open 1 $MNT/b b
	hold_open 2 $MNT/b b
	vm_exec 2 "rm $MNT/b && sync"

	let_go 1 b
	vm_exec 1 "echo 3 > /proc/sys/vm/drop_caches"
	sleep 3
	[ "$(free_blocks 1)" -le $((base - 8192 + 64)) ]
	[ "$(orphans 1)" -eq 1 ]
	run held_intact 2 b
	assert_success

	let_go 2 b
	wait_free 1 $((base - 64)) 30
	[ "$(orphans 1)" -eq 0 ]
}

@test "a mount that crashed with an unlinked file open: a surviving mount's scan deletes it" {
	base=$(free_blocks 1)
	vm_exec 2 "cp /tmp/r32m $MNT/c && sync"
	hold_open 2 $MNT/c c
	vm_exec 2 "rm $MNT/c && sync"
	old=$(vm_exec 2 'cat /sys/fs/scoutfs/f.*/rid')
	[ "$(orphans 1)" -eq 1 ]

	vm_kill 2
	# node 1's server fences the dead mount; until then its map is unknown
	wait_on 1 60 "[ -d /sys/fs/scoutfs/f.*/fence/$old ]"
	[ "$(free_blocks 1)" -le $((base - 8192 + 64)) ]
	run vm_exec 1 "$AGENT confirm $old"
	assert_output "$old"
	wait_free 1 $((base - 64)) 60
	[ "$(orphans 1)" -eq 0 ]

	vm_start 2
	vm_exec 2 "insmod \$SCOUTFS_KO && mkdir -p $MNT && $RAND"
	mount_node 2
}

@test "a lone mount that crashed with an unlinked file open: its node's next mount deletes it" {
	vm_exec 2 "umount -c $MNT"
	base=$(free_blocks 1)
	vm_exec 1 "cp /tmp/r32m $MNT/d && sync"
	hold_open 1 $MNT/d d
	vm_exec 1 "rm $MNT/d && sync"
	old=$(vm_exec 1 'cat /sys/fs/scoutfs/f.*/rid')
	[ "$(orphans 1)" -eq 1 ]

	vm_kill 1
	vm_start 1
	vm_exec 1 'insmod $SCOUTFS_KO && mkdir -p /mnt/scoutfs'
	mount_node 1 0
	wait_on 1 60 "[ -d /sys/fs/scoutfs/f.*/fence/$old ]"
	run vm_exec 1 "$AGENT confirm $old"
	assert_output "$old"
	wait_free 1 $((base - 64)) 60
	[ "$(orphans 1)" -eq 0 ]
	run vm_exec 1 "dmesg | grep -i 'orphan'"
	refute_output --partial "failed"
}

@test "the filesystem checks clean" {
	run vm_exec 1 "umount -c $MNT"
	assert_success
	run vm_exec 1 'scoutfs check /dev/scoutfs/meta /dev/scoutfs/data'
	assert_success
	assert_output --partial clean
}
