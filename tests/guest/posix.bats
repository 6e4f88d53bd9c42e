#!/usr/bin/env bats
# POSIX corners a single mount must get right: every inode type, long
# symlinks, O_TMPFILE, rename flags, attribute flags, setuid/setgid
# clearing, sticky directories and nanosecond times; all persisting and
# checking clean.

load helpers

META=/dev/scoutfs/meta
DATA=/dev/scoutfs/data
MNT=/mnt/test
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"

mount_fs() {
	mount -t scoutfs -o metadev_path=$META,quorum_slot_nr=0 "$DATA" "$MNT"
}

remount() {
	umount $MNT
	mount_fs
}

# renameat2(AT_FDCWD, $1, AT_FDCWD, $2, $3): prints the errno name or "ok"
renameat2() {
	python3 - "$@" <<'EOF'
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.renameat2(-100, sys.argv[1].encode(), -100, sys.argv[2].encode(), int(sys.argv[3]))
print("ok" if r == 0 else errno.errorcode[ctypes.get_errno()])
EOF
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

@test "every inode type: file, dir, symlink, char and block devices, fifo, socket" {
	touch $MNT/reg
	mkdir $MNT/dir
	ln -s reg $MNT/lnk
	mknod $MNT/chr c 1 3
	mknod $MNT/blk b 7 0
	mkfifo $MNT/fifo
	python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('$MNT/sock')"
	remount
	run stat -c '%n %F %t:%T' $MNT/reg $MNT/dir $MNT/lnk $MNT/chr $MNT/blk $MNT/fifo $MNT/sock
	assert_line "$MNT/reg regular empty file 0:0"
	assert_line "$MNT/dir directory 0:0"
	assert_line "$MNT/lnk symbolic link 0:0"
	assert_line "$MNT/chr character special file 1:3"
	assert_line "$MNT/blk block special file 7:0"
	assert_line "$MNT/fifo fifo 0:0"
	assert_line "$MNT/sock socket 0:0"
	# the char device works as one
	run head -c 4 $MNT/chr
	assert_success
}

@test "a symlink target of PATH_MAX - 1 bytes; one byte more is too long" {
	target=$(printf 'a%.0s' $(seq 4095))
	ln -s "$target" $MNT/longlink
	remount
	run readlink $MNT/longlink
	assert_output "$target"
	run ln -s "${target}b" $MNT/toolong
	assert_failure
}

@test "O_TMPFILE: data without a name, linked in with linkat, or gone at close" {
	python3 - <<EOF
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open("$MNT/dir", os.O_TMPFILE | os.O_RDWR, 0o640)
os.write(fd, b"tmpfile data")
assert os.fstat(fd).st_nlink == 0
# linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH)
assert libc.linkat(fd, b"", -100, b"$MNT/linked", 0x1000) == 0, ctypes.get_errno()
assert os.fstat(fd).st_nlink == 1
os.close(fd)
fd = os.open("$MNT/dir", os.O_TMPFILE | os.O_RDWR, 0o600)
os.write(fd, b"x" * 1048576)
os.close(fd)
EOF
	run cat $MNT/linked
	assert_output "tmpfile data"
	run ls $MNT/dir
	assert_output ""
	remount
	run cat $MNT/linked
	assert_output "tmpfile data"
}

@test "RENAME_EXCHANGE swaps two names, also a file and a directory across directories" {
	echo one > $MNT/x1
	echo two > $MNT/x2
	run renameat2 $MNT/x1 $MNT/x2 2
	assert_output ok
	run cat $MNT/x1 $MNT/x2
	assert_output $'two\none'
	mkdir -p $MNT/p1/sub $MNT/p2
	echo f > $MNT/p2/file
	run renameat2 $MNT/p1/sub $MNT/p2/file 2
	assert_output ok
	[ -f $MNT/p1/sub ] && [ -d $MNT/p2/file ]
	run stat -c '%h' $MNT/p1 $MNT/p2
	assert_output $'2\n3'
	run renameat2 $MNT/x1 $MNT/missing 2
	assert_output ENOENT
	remount
	run cat $MNT/x1 $MNT/p1/sub
	assert_output $'two\nf'
}

@test "RENAME_WHITEOUT leaves a whiteout device at the old name" {
	echo w > $MNT/w1
	run renameat2 $MNT/w1 $MNT/w2 4
	assert_output ok
	run stat -c '%F %t:%T' $MNT/w1
	assert_output "character special file 0:0"
	run cat $MNT/w2
	assert_output w
}

@test "chattr: append-only and immutable are enforced and persist" {
	echo a > $MNT/attr
	chattr +a $MNT/attr
	run lsattr $MNT/attr
	assert_output --regexp "^-----a"
	run sh -c "echo b > $MNT/attr"
	assert_failure
	echo c >> $MNT/attr
	run rm $MNT/attr
	assert_failure
	chattr -a +i $MNT/attr
	remount
	run lsattr $MNT/attr
	assert_output --regexp "^----i"
	run sh -c "echo d >> $MNT/attr"
	assert_failure
	run chmod 600 $MNT/attr
	assert_failure
	chattr -i $MNT/attr
	run cat $MNT/attr
	assert_output $'a\nc'
	rm $MNT/attr
}

@test "writes and chown by others clear setuid and setgid" {
	echo s > $MNT/suid
	chmod 6777 $MNT/suid
	$NOBODY sh -c "echo more >> $MNT/suid"
	run stat -c %a $MNT/suid
	assert_output 777
	chmod 4755 $MNT/suid
	chown 1:1 $MNT/suid
	run stat -c %a $MNT/suid
	assert_output 755
	# a directory's setgid is inherited by what's made in it
	mkdir $MNT/sgid
	chown 0:1 $MNT/sgid
	chmod 2777 $MNT/sgid
	$NOBODY mkdir $MNT/sgid/sub
	run stat -c '%g %a' $MNT/sgid/sub
	assert_output --regexp "^1 2"
}

@test "a sticky directory protects other users' files" {
	mkdir $MNT/tmp
	chmod 1777 $MNT/tmp
	touch $MNT/tmp/roots
	run $NOBODY rm -f $MNT/tmp/roots
	assert_failure
	$NOBODY touch $MNT/tmp/mine
	$NOBODY rm $MNT/tmp/mine
	[ -e $MNT/tmp/roots ]
}

@test "times are kept to the nanosecond" {
	touch $MNT/ns
	touch -d '2021-03-04 05:06:07.123456789' $MNT/ns
	remount
	run stat -c %y $MNT/ns
	assert_output --partial "07.123456789"
}

@test "everything checks clean" {
	umount $MNT
	run scoutfs check "$META" "$DATA"
	echo "$output"
	assert_success
	mount_fs
}
