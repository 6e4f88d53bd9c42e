#!/usr/bin/env bats
# File data between mounts: a mount's cached pages of a file never
# outlive another mount's change to it (vfs/data.c drops them when the
# inode group's lock is given up), and what one mount wrote is what the
# other reads, whatever path each side takes.

load ../vm/cluster.bash
load helpers

OPTS="metadev_path=/dev/scoutfs/meta"
D=/mnt/scoutfs/data

setup_file() {
	start_one_leader_cluster 2 "$OPTS"
	vm_exec 1 "mkdir $D"
}

teardown_file() {
	cluster_stop
}

# md5 of a file on both nodes: they must agree
same_on_both() {
	local a b
	a=$(vm_exec 1 "md5sum < $1")
	b=$(vm_exec 2 "md5sum < $1")
	[ "$a" = "$b" ] || {
		echo "node 1 reads $a, node 2 reads $b" >&2
		return 1
	}
}

@test "a read sees another mount's unsynced write over the pages it cached" {
	vm_exec 1 "xfs_io -f -c 'pwrite -q -S 0x61 0 64k' $D/f && sync -f $D"
	vm_exec 2 "cat $D/f > /dev/null"
	vm_exec 1 "xfs_io -c 'pwrite -q -S 0x62 4096 8192' $D/f"
	run vm_exec 2 "od -An -c -j 4095 -N 3 $D/f | tr -d ' '"
	assert_success
	assert_output "abb"
	same_on_both $D/f
}

@test "truncating on one mount shortens and zeroes what the other cached" {
	vm_exec 1 "cat $D/f > /dev/null"
	vm_exec 2 "truncate -s 10000 $D/f && truncate -s 20000 $D/f"
	run vm_exec 1 "stat -c %s $D/f; od -An -c -j 9999 -N 2 $D/f | tr -d ' '; tail -c 10000 $D/f | tr -d '\\0' | wc -c"
	assert_success
	assert_output "20000
b\\0
0"
	same_on_both $D/f
}

@test "an O_DIRECT write on one mount replaces the pages the other cached" {
	vm_exec 1 "xfs_io -f -c 'pwrite -q -S 0x63 0 32k' $D/g && sync -f $D && cat $D/g > /dev/null"
	vm_exec 2 "xfs_io -d -c 'pwrite -q -S 0x64 8192 4096' $D/g"
	run vm_exec 1 "od -An -c -j 8191 -N 2 $D/g | tr -d ' '"
	assert_success
	assert_output "cd"
	same_on_both $D/g
}

@test "a write through a mapping on one mount is read on the other" {
	vm_exec 1 "xfs_io -f -c 'pwrite -q -S 0x65 0 16k' $D/m && sync -f $D"
	vm_exec 1 "python3 -c '
import mmap, os
fd = os.open(\"$D/m\", os.O_RDWR)
m = mmap.mmap(fd, 16384, mmap.MAP_SHARED)
m[100:105] = b\"hello\"
'"
	run vm_exec 2 "dd if=$D/m bs=1 skip=100 count=5 status=none"
	assert_success
	assert_output "hello"
	same_on_both $D/m
}

# Node 1 maps $1 shared (writing its first byte through the mapping when
# $2 is "write"), then reads byte 200 until it changes from 'e' (30 s);
# node 2 meanwhile writes 'f' over the first block.  Prints what node 1 read.
mapped_reader_sees() {
	local file=$1 how=$2
	vm_exec 1 "xfs_io -f -c 'pwrite -q -S 0x65 0 16k' $file && sync -f $D"
	vm_exec 1 "rm -f /tmp/mapped /tmp/mapread; nohup python3 -c '
import mmap, os, sys, time
write = sys.argv[1] == \"write\"
fd = os.open(\"$file\", os.O_RDWR if write else os.O_RDONLY)
m = mmap.mmap(fd, 16384, mmap.MAP_SHARED, mmap.PROT_READ | (mmap.PROT_WRITE if write else 0))
if write:
    m[0:1] = b\"e\"
open(\"/tmp/mapped\", \"w\").write(chr(m[200]))
end = time.time() + 30
while m[200] == 0x65 and time.time() < end:
    time.sleep(0.1)
open(\"/tmp/mapread\", \"w\").write(chr(m[200]))
' $how >/dev/null 2>&1 &"
	vm_exec 1 "for i in \$(seq 100); do [ -s /tmp/mapped ] && break; sleep 0.1; done; cat /tmp/mapped"
	vm_exec 2 "xfs_io -c 'pwrite -q -S 0x66 0 4096' $file"
	vm_exec 1 "for i in \$(seq 350); do [ -s /tmp/mapread ] && break; sleep 0.1; done; cat /tmp/mapread"
}

@test "a process keeping a shared mapping it wrote through reads another mount's later write" {
	run mapped_reader_sees $D/s write
	assert_success
	assert_output "ef"
	same_on_both $D/s
}

@test "a process keeping a read-only shared mapping reads another mount's later write" {
	run mapped_reader_sees $D/r read
	assert_success
	assert_output "ef"
	same_on_both $D/r
}

@test "both mounts unmount and the filesystem checks clean" {
	unmount_and_check 2 1
}
