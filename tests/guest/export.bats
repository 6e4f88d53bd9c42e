#!/usr/bin/env bats
# Exporting: file handles (name_to_handle_at / open_by_handle_at) that
# keep working across unmount, mount and module reload, ESTALE for
# handles of removed inodes, directories reconnected to their paths, and
# the kernel NFS server exporting scoutfs over 127.0.0.1, its clients'
# handles surviving a remount of the exported filesystem.

load helpers

META=/dev/scoutfs/meta
DATA=/dev/scoutfs/data
MNT=/mnt/test
NFS=/mnt/nfs
FH="python3 /src/tests/guest/lib/fhandle.py"

mount_fs() {
	mount -t scoutfs -o metadev_path=$META,quorum_slot_nr=0 "$DATA" "$MNT"
}

remount() {
	umount $MNT
	mount_fs
}

reload() {
	umount $MNT
	rmmod scoutfs
	insmod "$SCOUTFS_KO"
	mount_fs
}

# scoutfs check wants the filesystem unmounted
check_clean() {
	umount $MNT
	run scoutfs check "$META" "$DATA"
	echo "$output"
	assert_success
	mount_fs
}

# the 8-byte little-endian inode number, as hex
ino_hex() {
	python3 -c 'import os, sys; print(os.stat(sys.argv[1]).st_ino.to_bytes(8, "little").hex())' "$1"
}

# handles saved by the first tests, read by the later ones
handle() {
	grep "^$1 " "$BATS_FILE_TMPDIR/handles" | cut -d' ' -f2
}

# every saved handle opens and gives what it named
check_handles() {
	run $FH read $MNT "$(handle file)"
	assert_success
	assert_output "file data"
	run $FH stat $MNT "$(handle dir)"
	assert_success
	assert_output "$(cat "$BATS_FILE_TMPDIR/dir.ino") dir"
	run $FH read $MNT "$(handle deepfile)"
	assert_success
	assert_output "deep data"
	# directories are reconnected to their path: get_parent and get_name
	run $FH path $MNT "$(handle deepdir)"
	assert_success
	assert_output "$MNT/d1/d2/d3/d4/d5"
}

setup_file() {
	insmod "$SCOUTFS_KO"
	mkdir -p $MNT $NFS
	scoutfs mkfs -f -Q 0,127.0.0.1,12345 "$META" "$DATA" >/dev/null
	mount_fs
}

teardown_file() {
	nfs_stop
	probes_off
	umount $MNT 2>/dev/null || true
	rmmod scoutfs
}

@test "a handle is the inode number, 8 bytes; name_to_handle_at asks for 8" {
	echo "file data" > $MNT/file
	run $FH get $MNT/file
	assert_success
	assert_output "0x53:$(ino_hex $MNT/file)"
	run $FH need $MNT/file
	assert_output 8
	run $FH get $MNT
	assert_output "0x53:0100000000000000"
}

@test "handles of a file, a directory and a deep path open before a remount" {
	mkdir $MNT/dir
	stat -c %i $MNT/dir > "$BATS_FILE_TMPDIR/dir.ino"
	mkdir -p $MNT/d1/d2/d3/d4/d5
	echo "deep data" > $MNT/d1/d2/d3/d4/d5/deepfile
	{
		echo "file $($FH get $MNT/file)"
		echo "dir $($FH get $MNT/dir)"
		echo "deepdir $($FH get $MNT/d1/d2/d3/d4/d5)"
		echo "deepfile $($FH get $MNT/d1/d2/d3/d4/d5/deepfile)"
	} > "$BATS_FILE_TMPDIR/handles"
	check_handles
}

@test "handles open after unmount and mount" {
	remount
	check_handles
}

@test "handles open after a module reload" {
	reload
	check_handles
	check_clean
}

@test "a directory's handle finds it after it moved" {
	mkdir -p $MNT/m1/m2/m3
	h=$($FH get $MNT/m1/m2/m3)
	mv $MNT/m1/m2 $MNT/moved
	run $FH path $MNT "$h"
	assert_output "$MNT/moved/m3"
	remount
	run $FH path $MNT "$h"
	assert_success
	assert_output "$MNT/moved/m3"
	mkdir $MNT/m1/m4
	mv $MNT/moved $MNT/m1/m4/back
	remount
	run $FH path $MNT "$h"
	assert_output "$MNT/m1/m4/back/m3"
}

@test "the handle of a removed file or directory gives ESTALE, also after a remount" {
	echo gone > $MNT/gone
	mkdir $MNT/gonedir
	hf=$($FH get $MNT/gone)
	hd=$($FH get $MNT/gonedir)
	rm $MNT/gone
	rmdir $MNT/gonedir
	run $FH read $MNT "$hf"
	assert_failure
	assert_output --partial ESTALE
	run $FH stat $MNT "$hd"
	assert_failure
	assert_output --partial ESTALE
	remount
	run $FH read $MNT "$hf"
	assert_output --partial ESTALE
	run $FH stat $MNT "$hd"
	assert_output --partial ESTALE
}

@test "an unlinked file's handle opens while it is open, ESTALE once it is evicted" {
	echo "still here" > $MNT/open
	h=$($FH get $MNT/open)
	exec 7< $MNT/open
	rm $MNT/open
	run $FH read $MNT "$h"
	assert_success
	assert_output "still here"
	exec 7<&-
	run $FH read $MNT "$h"
	assert_failure
	assert_output --partial ESTALE
	check_clean
}

@test "handles of hard links are the same inode and open after the first name goes" {
	echo linked > $MNT/l1
	ln $MNT/l1 $MNT/dir/l2
	h1=$($FH get $MNT/l1)
	h2=$($FH get $MNT/dir/l2)
	assert_equal "$h1" "$h2"
	rm $MNT/l1
	remount
	run $FH read $MNT "$h1"
	assert_success
	assert_output linked
}

@test "bad handles give ESTALE, never an oops" {
	local ino
	ino=$(ino_hex $MNT/file)
	# no inode, never allocated, past 2^63, not ours, too short; then a good one
	run $FH errors $MNT 0x53:0000000000000000 0x53:ffffffffffffffff \
		0x53:0000000000000080 0x53:00ffffff00000000 "0x99:$ino" "0x54:$ino" \
		"0x53:${ino:0:8}" "0x1:$ino" "0x0:$ino" "0x54:0000000000000000$ino" \
		"0x53:$ino"
	assert_success
	assert_output "$(printf 'ESTALE\n%.0s' $(seq 10))
OK"
}

@test "a connectable handle (inode and parent) opens its file" {
	h="0x54:$(ino_hex $MNT/dir/l2)$(ino_hex $MNT/dir)"
	remount
	run $FH read $MNT "$h"
	assert_success
	assert_output linked
}

nfs_start() {
	modprobe nfsd
	grep -q " /proc/fs/nfsd " /proc/mounts || mount -t nfsd nfsd /proc/fs/nfsd
	mkdir -p /run/rpcbind /var/lib/nfs
	# in the foreground, so that their pids are known
	rpcbind -f -w </dev/null >/dev/null 2>&1 3>&- &
	echo $! > "$BATS_FILE_TMPDIR/rpcbind.pid"
	for _ in $(seq 50); do
		rpcinfo -p 127.0.0.1 >/dev/null 2>&1 && break
		sleep 0.2
	done
	# subtree_check makes the server's file handles connectable
	echo "$MNT 127.0.0.1(rw,sync,no_root_squash,subtree_check,fsid=77)" > /etc/exports
	exportfs -ra
	rpc.mountd -F -N 4 </dev/null >"$BATS_FILE_TMPDIR/mountd.log" 2>&1 3>&- &
	echo $! > "$BATS_FILE_TMPDIR/mountd.pid"
	# NFSv3 only: v4 would block opens for its grace period after each start
	rpc.nfsd -N 4 4
}

nfsd_stop() {
	rpc.nfsd 0
	exportfs -ua
}

nfs_stop() {
	local pid

	umount $NFS 2>/dev/null || umount -f $NFS 2>/dev/null || true
	[ -e "$BATS_FILE_TMPDIR/mountd.pid" ] || return 0
	nfsd_stop
	for pid in "$BATS_FILE_TMPDIR"/{mountd,rpcbind}.pid; do
		kill "$(cat "$pid")" 2>/dev/null || true
		rm -f "$pid"
	done
	wait 2>/dev/null || true
}

# kprobes count the server's calls of our export operations
TRACE=/sys/kernel/debug/tracing
PROBES="fh_to_dentry fh_to_parent get_parent get_name"

probes_on() {
	local p

	for p in $PROBES; do
		echo "p:export/$p scoutfs:scoutfs_$p" >> $TRACE/kprobe_events
	done
	echo > $TRACE/trace
	echo 1 > $TRACE/events/export/enable
}

probes_off() {
	local p

	[ -d $TRACE/events/export ] || return 0
	echo 0 > $TRACE/events/export/enable
	for p in $PROBES; do
		echo "-:export/$p" >> $TRACE/kprobe_events
	done
}

calls() {
	grep -c " $1: " $TRACE/trace
}

nfs_mount() {
	# noac: every stat asks the server, with the handles the client holds
	mount -t nfs -o vers=3,proto=tcp,nolock,noac,hard,timeo=50 127.0.0.1:$MNT $NFS
}

@test "NFS: export scoutfs over the kernel server, read and write through it" {
	mkdir -p $MNT/nfs/a/b/c
	echo "over nfs" > $MNT/nfs/a/b/c/f
	nfs_start
	nfs_mount
	run cat $NFS/nfs/a/b/c/f
	assert_success
	assert_output "over nfs"
	echo "written by the client" > $NFS/nfs/a/b/new
	mkdir $NFS/nfs/a/b/newdir
	mv $NFS/nfs/a/b/new $NFS/nfs/a/b/newdir/moved
	run cat $MNT/nfs/a/b/newdir/moved
	assert_output "written by the client"
	run ls $NFS/nfs/a/b
	assert_output "c
newdir"
}

@test "NFS: the client's handles work after the exported filesystem is remounted" {
	exec 7< $NFS/nfs/a/b/c/f
	exec 8< $NFS/nfs/a/b/newdir
	nfsd_stop
	reload
	probes_on
	exportfs -ra
	rpc.nfsd -N 4 4
	# the client's caches go, so that it asks the server with its handles
	echo 3 > /proc/sys/vm/drop_caches
	run cat <&7
	assert_success
	assert_output "over nfs"
	run ls /dev/fd/8/
	assert_success
	assert_output moved
	run cat $NFS/nfs/a/b/newdir/moved
	assert_output "written by the client"
	echo "after the remount" >> $NFS/nfs/a/b/c/f
	run cat $MNT/nfs/a/b/c/f
	assert_output "over nfs
after the remount"
	exec 7<&- 8<&-
	# the server decoded the handles and reconnected them through us:
	# subtree_check gives the file's handle its parent
	for p in $PROBES; do
		echo "$p: $(calls "$p")"
		[ "$(calls "$p")" -gt 0 ]
	done
	probes_off
}

@test "NFS: a file removed on the server gives the client ESTALE" {
	exec 7< $NFS/nfs/a/b/newdir/moved
	rm $MNT/nfs/a/b/newdir/moved
	echo 3 > /proc/sys/vm/drop_caches
	run cat <&7
	assert_failure
	assert_output --partial "Stale file handle"
	exec 7<&-
	nfs_stop
	check_clean
}
