#!/usr/bin/env bats
# Namespace operations on a read-write mount: what they do, their errno
# paths, and that everything persists across unmount/mount and module
# reload and checks clean.

load helpers

META=/dev/scoutfs/meta
DATA=/dev/scoutfs/data
MNT=/mnt/test

mount_fs() {
	mount -t scoutfs -o metadev_path=$META,quorum_slot_nr=0 "$DATA" "$MNT"
}

check_clean() {
	run scoutfs check "$META" "$DATA"
	echo "$output"
	assert_success
}

setup_file() {
	insmod "$SCOUTFS_KO"
	mkdir -p $MNT
	scoutfs mkfs -f -Q 0,127.0.0.1,12345 "$META" "$DATA" >/dev/null
	mount_fs
}

teardown_file() {
	umount $MNT 2>/dev/null || true
	rmmod scoutfs
}

@test "the mount is read-write" {
	run grep " $MNT scoutfs rw" /proc/mounts
	assert_success
}

@test "create, mkdir, mknod, symlink and stat them" {
	touch $MNT/file
	mkdir $MNT/dir
	mknod $MNT/fifo p
	mknod $MNT/chr c 1 3
	ln -s /some/target $MNT/link
	run stat -c '%F %h' $MNT/file $MNT/dir $MNT/fifo $MNT/chr $MNT/link
	assert_output "regular empty file 1
directory 2
fifo 1
character special file 1
symbolic link 1"
	assert_equal "$(readlink $MNT/link)" /some/target
	assert_equal "$(stat -c %t:%T $MNT/chr)" "1:3"
	assert_equal "$(stat -c %h $MNT)" 3
}

@test "readdir lists every entry once" {
	run bash -c "ls -a $MNT | sort | tr '\n' ' '"
	assert_output ". .. chr dir fifo file link "
}

@test "errno paths: EEXIST, ENOENT, ENOTEMPTY, ENOTDIR, EISDIR, ENAMETOOLONG" {
	run mkdir $MNT/dir
	assert_output --partial "File exists"
	run rm $MNT/nothing
	assert_output --partial "No such file"
	touch $MNT/dir/inside
	run rmdir $MNT/dir
	assert_output --partial "not empty"
	run mkdir $MNT/file/sub
	assert_output --partial "Not a directory"
	run rm $MNT/dir
	assert_output --partial "Is a directory"
	run touch $MNT/$(printf 'n%.0s' $(seq 256))
	assert_output --partial "File name too long"
	touch $MNT/$(printf 'n%.0s' $(seq 255))
	rm $MNT/$(printf 'n%.0s' $(seq 255))
	rm $MNT/dir/inside
}

@test "hard links count and survive the first name's removal" {
	echo -n > $MNT/orig
	ln $MNT/orig $MNT/dir/other
	assert_equal "$(stat -c %h $MNT/orig)" 2
	assert_equal "$(stat -c %i $MNT/orig)" "$(stat -c %i $MNT/dir/other)"
	rm $MNT/orig
	assert_equal "$(stat -c %h $MNT/dir/other)" 1
	run ln $MNT/dir $MNT/dirlink
	assert_failure
}

@test "rename within and across directories, over files and empty dirs" {
	touch $MNT/a
	mv $MNT/a $MNT/b
	[ ! -e $MNT/a ] && [ -e $MNT/b ]
	mv $MNT/b $MNT/dir/c
	[ -e $MNT/dir/c ]
	touch $MNT/d
	ino=$(stat -c %i $MNT/d)
	mv $MNT/d $MNT/dir/c
	assert_equal "$(stat -c %i $MNT/dir/c)" "$ino"
	mkdir $MNT/e $MNT/f
	mv $MNT/e $MNT/f
	[ ! -e $MNT/e ]
	mkdir -p $MNT/g/h
	mv $MNT/g $MNT/dir/
	assert_equal "$(stat -c %h $MNT/dir)" 3
	run mv -T $MNT/f $MNT/dir/g
	assert_failure
	assert_output --partial "not empty"
}

@test "chmod, chown and utimensat with nanoseconds" {
	chmod 0751 $MNT/file
	chown 123:456 $MNT/file
	touch -d '2001-02-03 04:05:06.123456789' $MNT/file
	run stat -c '%a %u %g %y' $MNT/file
	assert_output "751 123 456 2001-02-03 04:05:06.123456789 +0000"
}

@test "statfs follows the server's allocators, not the superblock read at mount" {
	sync
	before=$(stat -f -c %d $MNT)
	python3 -c "
import os
os.mkdir('$MNT/many')
for i in range(3000):
    os.close(os.open('$MNT/many/f%d' % i, os.O_CREAT | os.O_WRONLY, 0o644))
"
	sync
	after=$(stat -f -c %d $MNT)
	echo "free inodes (metadata estimate) $before -> $after"
	# blocks move between the allocator tree, the server's and the
	# mount's lists as commits copy and free: the count moves with them
	[ "$after" -ne "$before" ]
	rm -rf $MNT/many
}

@test "sync and fsync commit" {
	touch $MNT/synced
	sync
	run python3 -c "import os; fd=os.open('$MNT/dir', os.O_RDONLY); os.fsync(fd)"
	assert_success
}

@test "everything persists across unmount and mount, and checks clean" {
	before=$(cd $MNT && find . -printf '%p %y %i %m %U %G %n %s %T@\n' | sort)
	umount $MNT
	check_clean
	mount_fs
	after=$(cd $MNT && find . -printf '%p %y %i %m %U %G %n %s %T@\n' | sort)
	assert_equal "$after" "$before"
	assert_equal "$(readlink $MNT/link)" /some/target
}

@test "everything persists across module reload" {
	before=$(cd $MNT && find . -printf '%p %y %i %m %n %T@\n' | sort)
	umount $MNT
	rmmod scoutfs
	insmod "$SCOUTFS_KO"
	mount_fs
	after=$(cd $MNT && find . -printf '%p %y %i %m %n %T@\n' | sort)
	assert_equal "$after" "$before"
}

@test "removing everything leaves a clean empty root" {
	rm -rf "${MNT:?}"/*
	run ls -A $MNT
	assert_output ""
	assert_equal "$(stat -c %h $MNT)" 2
	umount $MNT
	check_clean
	mount_fs
	run ls -A $MNT
	assert_output ""
}

@test "inode numbers are never reused" {
	touch $MNT/x
	first=$(stat -c %i $MNT/x)
	rm $MNT/x
	umount $MNT
	mount_fs
	touch $MNT/y
	[ "$(stat -c %i $MNT/y)" -gt "$first" ]
}

# the LOG_TREES records in the metadata device's logs tree
log_trees() {
	scoutfs print "$META" "$DATA" | grep -cE "logtrees\.[0-9]+\.logtrees\." || true
}

@test "log trees are merged into the fs tree: after many commits and at unmount" {
	for i in $(seq 40); do
		touch $MNT/merge-$i
		rm -f $MNT/merge-$((i - 1))
		sync
		# the mount's open tree is recorded once it has committed
		[ "$i" -gt 1 ] || [ "$(log_trees)" -ge 1 ]
	done
	ls $MNT > /tmp/before
	umount $MNT
	assert_equal "$(log_trees)" 0
	check_clean
	mount_fs
	ls $MNT > /tmp/after
	run diff /tmp/before /tmp/after
	assert_success
	[ -e $MNT/merge-40 ] && [ ! -e $MNT/merge-39 ]
}
