#!/usr/bin/env bats
# File data on a read-write mount: buffered, direct and mmap I/O, holes,
# large offsets, truncate, fallocate, fiemap and seeking, copies through
# copy_file_range, sendfile and splice, the sync calls, space accounting
# and reuse; everything persists and checks clean.  Running out of space
# is space.bats.

load helpers

META=/dev/scoutfs/meta
DATA=/dev/scoutfs/data
MNT=/mnt/test

mount_fs() {
	mount -t scoutfs -o metadev_path=$META,quorum_slot_nr=0 "$DATA" "$MNT"
}

remount() {
	umount $MNT
	mount_fs
}

check_clean() {
	run scoutfs check "$META" "$DATA"
	echo "$output"
	assert_success
}

# free 4 KiB blocks as statfs reports them
free_blocks() {
	stat -f -c %f $MNT
}

setup_file() {
	insmod "$SCOUTFS_KO"
	mkdir -p $MNT
	scoutfs mkfs -f -Q 0,127.0.0.1,12345 "$META" "$DATA" >/dev/null
	mount_fs
	head -c 8M /dev/urandom > /tmp/rand8m
}

teardown_file() {
	umount $MNT 2>/dev/null || true
	rmmod scoutfs
}

@test "a written file reads back, after a sync and after a remount" {
	cp /tmp/rand8m $MNT/f
	cmp /tmp/rand8m $MNT/f
	sync
	cmp /tmp/rand8m $MNT/f
	remount
	cmp /tmp/rand8m $MNT/f
	run stat -c '%s %b' $MNT/f
	assert_output "8388608 16384"
}

@test "appends, overwrites and unaligned writes land where they should" {
	printf 'hello' > $MNT/a
	printf ' world' >> $MNT/a
	run cat $MNT/a
	assert_output "hello world"
	xfs_io -c "pwrite -S 0x41 4095 2" $MNT/a >/dev/null
	run xfs_io -c "pread -v 4094 4" $MNT/a
	assert_output --partial "00 41 41"
	run stat -c %s $MNT/a
	assert_output 4097
	# overwrite the middle of the random file
	xfs_io -c "pwrite -S 0x5a 1000000 70000" $MNT/f >/dev/null
	cp /tmp/rand8m /tmp/expect
	xfs_io -c "pwrite -S 0x5a 1000000 70000" /tmp/expect >/dev/null
	cmp /tmp/expect $MNT/f
	remount
	cmp /tmp/expect $MNT/f
	run cat $MNT/a
	assert_output --partial "hello world"
}

# The extent's item is keyed by its last block, so growing a file renames
# it at every block; a name that only the open transaction created is
# dropped, not hidden by a deletion item that reads would have to skip.
@test "a file grown a block at a time commits one extent item, not a deletion per block" {
	local ino items dels
	sync
	dd if=/dev/zero of=$MNT/grown bs=4096 count=256 2>/dev/null
	ino=$(stat -c %i $MNT/grown)
	sync
	items=$(scoutfs print "$META" | grep -E "^ *fs\.$ino\.extent\." || true)
	echo "$items"
	# one commit may fall in the middle and leave one name to delete
	dels=$(grep -c "(deletion)" <<< "$items" || true)
	[ "$dels" -le 1 ]
	grep -v "(deletion)" <<< "$items" | grep -q "fs\.$ino\.extent\.255\."
	cmp -n 1048576 $MNT/grown /dev/zero
	rm $MNT/grown
}

@test "holes read as zeros and take no space; files past 4 GiB and near the 64-bit limit" {
	xfs_io -f -c "pwrite -S 0x11 0 4096" -c "pwrite -S 0x22 6g 4096" $MNT/sparse >/dev/null
	run stat -c '%s %b' $MNT/sparse
	assert_output "$((6 * 1024 * 1024 * 1024 + 4096)) 16"
	run xfs_io -c "pread -v 5g 16" $MNT/sparse
	assert_output --partial "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
	run xfs_io -c "pread -v 6g 4" $MNT/sparse
	assert_output --partial "22 22 22 22"
	# the last block below 2^63, up to the largest offset a write can reach
	big=$(( (1 << 63) - 4096 ))
	xfs_io -f -c "pwrite -S 0x33 $big 4095" $MNT/huge >/dev/null
	run stat -c %s $MNT/huge
	assert_output "$(( (1 << 63) - 1 ))"
	# an allocation past the largest file
	run xfs_io -c "falloc $big 8192" $MNT/huge
	assert_output --partial "File too large"
	remount
	run xfs_io -c "pread -v $big 4" $MNT/huge
	assert_output --partial "33 33 33 33"
	rm $MNT/huge
}

@test "truncate down and up: data kept below, zeros above" {
	cp /tmp/rand8m $MNT/t
	truncate -s 5000 $MNT/t
	truncate -s 20000 $MNT/t
	head -c 5000 /tmp/rand8m > /tmp/expect
	head -c 15000 /dev/zero >> /tmp/expect
	cmp /tmp/expect $MNT/t
	run stat -c %b $MNT/t
	assert_output 16
	remount
	cmp /tmp/expect $MNT/t
}

@test "O_DIRECT writes and reads, into holes and over data" {
	dd if=/tmp/rand8m of=$MNT/d bs=1M oflag=direct status=none
	cmp /tmp/rand8m $MNT/d
	dd if=$MNT/d bs=1M iflag=direct status=none | cmp /tmp/rand8m -
	# a hole inside the file, filled by a direct write
	xfs_io -f -c "truncate 1m" $MNT/dh
	xfs_io -d -c "pwrite -S 0x44 64k 64k" $MNT/dh >/dev/null
	run xfs_io -c "pread -v 65536 4" $MNT/dh
	assert_output --partial "44 44 44 44"
	echo 3 > /proc/sys/vm/drop_caches
	run xfs_io -d -c "pread -v 65536 4096" $MNT/dh
	assert_output --partial "44 44 44 44"
}

@test "shared mmap writes reach the file; private ones don't" {
	xfs_io -f -c "truncate 65536" $MNT/m
	xfs_io -c "mmap -w 0 65536" -c "mwrite -S 0x61 100 5000" -c "msync -s 0 65536" $MNT/m >/dev/null
	run xfs_io -c "pread -v 100 4" $MNT/m
	assert_output --partial "61 61 61 61"
	xfs_io -c "mmap -rw -p 0 65536" -c "mwrite -S 0x62 100 5000" $MNT/m >/dev/null 2>&1 || true
	run xfs_io -c "pread -v 100 4" $MNT/m
	assert_output --partial "61 61 61 61"
	remount
	run xfs_io -c "mmap -r 0 65536" -c "mread -v 100 4" $MNT/m
	assert_output --partial "61 61 61 61"
}

@test "fallocate: allocate, keep size, punch a hole, zero a range" {
	xfs_io -f -c "falloc 0 1m" $MNT/fa
	run stat -c '%s %b' $MNT/fa
	assert_output "1048576 2048"
	run xfs_io -c "pread -v 4096 4" $MNT/fa
	assert_output --partial "00 00 00 00"
	xfs_io -c "falloc -k 1m 1m" $MNT/fa
	run stat -c '%s %b' $MNT/fa
	assert_output "1048576 4096"
	# punch: whole blocks go, partial edges are zeroed
	xfs_io -c "pwrite -S 0x55 0 1m" $MNT/fa >/dev/null
	xfs_io -c "fpunch 1000 20000" $MNT/fa
	run xfs_io -c "pread -v 999 2" -c "pread -v 20999 2" $MNT/fa
	assert_output --partial "55 00"
	assert_output --partial "00 55"
	run xfs_io -c "pread -v 8192 4" $MNT/fa
	assert_output --partial "00 00 00 00"
	# blocks 1..4 (4096..20479) are gone
	run stat -c %b $MNT/fa
	assert_output $(( 4096 - 4 * 8 ))
	xfs_io -c "fzero 100000 50000" $MNT/fa
	run xfs_io -c "pread -v 99999 2" -c "pread -v 149999 2" $MNT/fa
	assert_output --partial "55 00"
	assert_output --partial "00 55"
	remount
	run xfs_io -c "pread -v 999 2" -c "pread -v 120000 4" $MNT/fa
	assert_output --partial "55 00"
	assert_output --partial "00 00 00 00"
	# modes that don't apply here are refused
	run xfs_io -c "fcollapse 0 4096" $MNT/fa
	assert_output --partial "Operation not supported"
}

@test "fiemap and SEEK_DATA/SEEK_HOLE see the extents" {
	xfs_io -f -c "pwrite 0 64k" -c "pwrite 1m 64k" -c "truncate 4m" $MNT/x >/dev/null
	sync
	run xfs_io -c "fiemap -v" $MNT/x
	echo "$output"
	assert_output --partial "0..127"
	assert_output --partial "2048..2175"
	run xfs_io -c "seek -d 70000" $MNT/x
	assert_output --partial "1048576"
	run xfs_io -c "seek -h 0" $MNT/x
	assert_output --partial "65536"
	run xfs_io -c "seek -h 1048576" $MNT/x
	assert_output --partial "1114112"
}

@test "removed files give their space back, at once for statfs and for reuse" {
	sync
	before=$(free_blocks)
	head -c 100M /dev/zero > $MNT/big
	sync
	used=$(( before - $(free_blocks) ))
	[ "$used" -ge 25600 ] && [ "$used" -le 25700 ]
	rm $MNT/big
	sync
	after=$(free_blocks)
	[ "$after" -ge $(( before - 16 )) ]
}

@test "an unlinked open file keeps its data until the last close" {
	cp /tmp/rand8m $MNT/open
	sync
	before=$(free_blocks)
	exec 5<$MNT/open
	rm $MNT/open
	sync
	[ "$(free_blocks)" -le "$(( before + 16 ))" ]
	cmp /tmp/rand8m /proc/self/fd/5
	exec 5<&-
	sync
	sleep 1
	sync
	[ "$(free_blocks)" -ge "$(( before + 2048 - 16 ))" ]
}

@test "copy_file_range, sendfile and splice copy data, into holes and past the end" {
	cp /tmp/rand8m $MNT/src
	xfs_io -f -c "copy_range $MNT/src" $MNT/cfr
	cmp /tmp/rand8m $MNT/cfr
	# 64 KiB from offset 4096 into a hole 1 MiB into a sparse file
	xfs_io -f -c "truncate 16m" -c "copy_range -s 4096 -d 1048576 -l 65536 $MNT/src" $MNT/cfr2
	run stat -c %s $MNT/cfr2
	assert_output 16777216
	cmp -n 65536 <(tail -c +4097 /tmp/rand8m) <(tail -c +1048577 $MNT/cfr2)
	cmp -n 1048576 /dev/zero $MNT/cfr2
	# past the end of the destination: it grows
	xfs_io -c "copy_range -s 0 -d 20m -l 4096 $MNT/src" $MNT/cfr2
	run stat -c %s $MNT/cfr2
	assert_output $(( 20 * 1048576 + 4096 ))
	xfs_io -f -c "sendfile -i $MNT/src 0 8388608" $MNT/sf
	cmp /tmp/rand8m $MNT/sf
	python3 /src/tests/guest/lib/splice_copy.py $MNT/src $MNT/spl
	cmp /tmp/rand8m $MNT/spl
	remount
	for f in cfr sf spl; do
		cmp /tmp/rand8m $MNT/$f
	done
	cmp -n 65536 <(tail -c +4097 /tmp/rand8m) <(tail -c +1048577 $MNT/cfr2)
}

# the leader's commits so far (this mount leads)
commits() {
	cat /sys/fs/scoutfs/f.*/counters/server_commits
}

@test "fsync, fdatasync, syncfs and O_SYNC writes commit; sync_file_range writes pages" {
	for how in fsync fdatasync syncfs; do
		sync
		before=$(commits)
		xfs_io -f -c "pwrite -q -S 0x41 0 1m" -c $how $MNT/sync-$how
		[ "$(commits)" -gt "$before" ]
	done
	sync
	before=$(commits)
	xfs_io -f -s -c "pwrite -q -S 0x42 0 64k" $MNT/osync
	[ "$(commits)" -gt "$before" ]
	xfs_io -f -c "pwrite -q -S 0x43 0 1m" -c "sync_range -w 0 1m" -c "sync_range -a 0 1m" \
		$MNT/range
	remount
	for how in fsync fdatasync syncfs; do
		cmp <(head -c 1M /dev/zero | tr '\0' A) $MNT/sync-$how
	done
	cmp <(head -c 64K /dev/zero | tr '\0' B) $MNT/osync
	cmp <(head -c 1M /dev/zero | tr '\0' C) $MNT/range
}

@test "the file data checks clean and survives a module reload" {
	umount $MNT
	check_clean
	rmmod scoutfs
	insmod "$SCOUTFS_KO"
	mount_fs
	cmp /tmp/expect $MNT/t
	run xfs_io -c "pread -v 6g 4" $MNT/sparse
	assert_output --partial "22 22 22 22"
}
