#!/usr/bin/env bats
# Extended attributes: the namespaces, values up to 64 KiB in several
# items, 255-byte names, every errno path of get/set/list/remove,
# many xattrs and name hash collisions, persistence across unmount
# and mount, and their removal with their inode.

load helpers

META=/dev/scoutfs/meta
DATA=/dev/scoutfs/data
MNT=/mnt/test
HASH_PARAM=/sys/module/scoutfs/parameters/xattr_test_hash

mount_fs() {
	mount -t scoutfs -o metadev_path=$META,quorum_slot_nr=0 "$DATA" "$MNT"
}

check_clean() {
	run scoutfs check "$META" "$DATA"
	echo "$output"
	assert_success
}

# xattr system calls with exact sizes and flags (lib/xattr.py)
xa() {
	python3 /src/tests/guest/lib/xattr.py "$@"
}

# the same as an unprivileged user without any capabilities
xa_user() {
	setpriv --reuid=1000 --regid=1000 --clear-groups --inh-caps=-all -- \
		python3 /src/tests/guest/lib/xattr.py "$@"
}

# a name of n bytes in total, prefix included
name_of() {
	local prefix=$1 n=$2

	printf '%s%s' "$prefix" "$(head -c $((n - ${#prefix})) /dev/zero | tr '\0' n)"
}

setup_file() {
	insmod "$SCOUTFS_KO"
	mkdir -p $MNT
	scoutfs mkfs -f -Q 0,127.0.0.1,12345 "$META" "$DATA" >/dev/null
	mount_fs
}

# the hash collision test's setting must not outlive it
teardown() {
	echo 0 > $HASH_PARAM
}

teardown_file() {
	umount $MNT 2>/dev/null || true
	rmmod scoutfs
}

@test "set, get, list and remove user xattrs on a file and a directory" {
	touch $MNT/f
	mkdir $MNT/d
	for p in $MNT/f $MNT/d; do
		setfattr -n user.color -v blue "$p"
		setfattr -n user.empty "$p"
		run getfattr --absolute-names --only-values -n user.color "$p"
		assert_output "blue"
		run xa "$p" size user.empty
		assert_output "0"
		run xa "$p" list
		assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "user.color user.empty "
		setfattr -x user.color "$p"
		run xa "$p" list
		assert_output "user.empty"
	done
}

@test "a missing xattr is ENODATA for get and remove" {
	touch $MNT/nodata
	run xa $MNT/nodata get user.none
	assert_failure
	assert_output ENODATA
	run xa $MNT/nodata remove user.none
	assert_failure
	assert_output ENODATA
	run xa $MNT/nodata size user.none
	assert_output ENODATA
}

@test "XATTR_CREATE and XATTR_REPLACE" {
	touch $MNT/flags
	run xa $MNT/flags batch "set user.a one replace" "set user.a one create" \
		"set user.a two create" "get user.a" "set user.a three replace" "get user.a" \
		"set user.a four" "get user.a" "remove user.a" "set user.a five replace"
	assert_output "ENODATA
EEXIST
one
three
four
ENODATA"
}

@test "getxattr sizing: 0 gives the length, too small is ERANGE" {
	touch $MNT/range
	xa $MNT/range set user.v 0123456789
	run xa $MNT/range size user.v
	assert_output 10
	run xa $MNT/range get user.v 9
	assert_failure
	assert_output ERANGE
	run xa $MNT/range get user.v 10
	assert_output 0123456789
	run xa $MNT/range get user.v 100
	assert_output 0123456789
}

@test "listxattr sizing: 0 gives the length, too small is ERANGE" {
	touch $MNT/list
	xa $MNT/list set user.one 1
	xa $MNT/list set user.three 3
	# "user.one\0user.three\0"
	run xa $MNT/list listsize
	assert_output 20
	run xa $MNT/list list 19
	assert_failure
	assert_output ERANGE
	run xa $MNT/list list 20
	assert_success
	assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "user.one user.three "
	touch $MNT/list-empty
	run xa $MNT/list-empty listsize
	assert_output 0
}

@test "values of every size up to 64 KiB, across part boundaries; larger is E2BIG" {
	touch $MNT/big
	# part 0 holds the 8-byte header, the 10-byte name and 4078 value bytes
	ops=()
	want=()
	for n in 1 4077 4078 4079 4096 8174 8175 12000 65535 65536; do
		ops+=("set user.value pat:$n" "expect user.value pat:$n" "size user.value")
		want+=("$n")
	done
	run xa $MNT/big batch "${ops[@]}"
	assert_output "$(printf '%s\n' "${want[@]}")"
	# shrinking drops the parts the value no longer needs; too large changes nothing
	run xa $MNT/big batch "set user.value small" "get user.value" \
		"set user.value pat:65537" "get user.value" \
		"set user.value pat:65536" "set user.other pat:30000" \
		"expect user.value pat:65536" "expect user.other pat:30000"
	assert_output "small
E2BIG
small"
}

@test "names of 255 bytes work; 256 is ERANGE, an empty suffix EINVAL" {
	touch $MNT/names
	long=$(name_of user. 255)
	xa $MNT/names set "$long" pat:65536
	run xa $MNT/names expect "$long" pat:65536
	assert_success
	run xa $MNT/names list
	assert_output "$long"
	run xa $MNT/names set "$(name_of user. 256)" x
	assert_failure
	assert_output ERANGE
	run xa $MNT/names get "$(name_of user. 256)"
	assert_output ERANGE
	run xa $MNT/names set user. x
	assert_failure
	assert_output EINVAL
	xa $MNT/names remove "$long"
	run xa $MNT/names listsize
	assert_output 0
}

@test "trusted. and security. for root; trusted. hidden from and refused to users" {
	touch $MNT/ns
	chmod 666 $MNT/ns
	run xa $MNT/ns batch "set trusted.t tval" "set security.s sval" "set user.u uval" \
		"get trusted.t" "get security.s"
	assert_output "tval
sval"
	run xa $MNT/ns list
	assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "security.s trusted.t user.u "

	run xa_user $MNT/ns list
	assert_success
	assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "security.s user.u "
	run xa_user $MNT/ns batch "get trusted.t" "set trusted.t x" "remove trusted.t" \
		"get security.s" "set user.u by-user"
	assert_output "ENODATA
EPERM
EPERM
sval"
	run xa $MNT/ns batch "get user.u" "get trusted.t"
	assert_output "by-user
tval"
	# who may write security. is up to the kernel's security modules:
	# the same as on tmpfs
	mkdir -p /tmp/xattr-ref
	mount -t tmpfs none /tmp/xattr-ref
	install -m 666 /dev/null /tmp/xattr-ref/ns
	run xa_user /tmp/xattr-ref/ns set security.s x
	ref="$output $status"
	umount /tmp/xattr-ref
	run xa_user $MNT/ns set security.s x
	assert_equal "$output $status" "$ref"
}

@test "the scoutfs. namespace is reserved: EOPNOTSUPP; so are unknown ones" {
	touch $MNT/reserved
	ops=()
	want=()
	for name in scoutfs.hide.srch.x scoutfs.x system.other bogus.x; do
		ops+=("set $name v" "get $name" "remove $name")
		want+=(EOPNOTSUPP EOPNOTSUPP EOPNOTSUPP)
	done
	run xa $MNT/reserved batch "${ops[@]}" listsize
	assert_output "$(printf '%s\n' "${want[@]}" 0)"
}

@test "user. only on files and directories; trusted. on any inode" {
	mknod $MNT/fifo p
	ln -s target $MNT/sym
	for p in $MNT/fifo $MNT/sym; do
		run xa "$p" batch "set user.x v" "get user.x" "set trusted.x v" "get trusted.x" list
		assert_output "EPERM
ENODATA
v
trusted.x"
	done
}

@test "user. xattrs follow the file's permissions and sticky directories" {
	touch $MNT/perm
	xa $MNT/perm set user.p v
	chmod 644 $MNT/perm
	run xa_user $MNT/perm get user.p
	assert_output v
	run xa_user $MNT/perm set user.p w
	assert_output EACCES
	run xa_user $MNT/perm remove user.p
	assert_output EACCES
	chmod 600 $MNT/perm
	run xa_user $MNT/perm get user.p
	assert_output EACCES
	mkdir $MNT/sticky
	chmod 1777 $MNT/sticky
	run xa_user $MNT/sticky set user.s v
	assert_output EPERM
}

@test "xattr changes update ctime" {
	touch $MNT/ctime
	before=$(stat -c %Z.%z $MNT/ctime)
	sleep 1.1
	xa $MNT/ctime set user.c v
	after=$(stat -c %Z.%z $MNT/ctime)
	[ "$after" != "$before" ]
	sleep 1.1
	xa $MNT/ctime remove user.c
	[ "$(stat -c %Z.%z $MNT/ctime)" != "$after" ]
}

@test "a thousand xattrs on one inode; removing half of them" {
	touch $MNT/many
	xa $MNT/many many 1000 user.many-
	run xa $MNT/many list
	assert_equal "${#lines[@]}" 1000
	for i in 0 1 499 500 999; do
		run xa $MNT/many get user.many-$i
		assert_output user.many-$i
	done
	python3 -c "
import os
for i in range(0, 1000, 2):
    os.removexattr('$MNT/many', 'user.many-%d' % i)
"
	run xa $MNT/many list
	assert_equal "${#lines[@]}" 500
	run xa $MNT/many get user.many-2
	assert_output ENODATA
	run xa $MNT/many get user.many-3
	assert_output user.many-3
}

@test "a list longer than 64 KiB is E2BIG from listxattr" {
	touch $MNT/hugelist
	# 300 names of 255 bytes: 76800 bytes of list
	python3 -c "
import os
for i in range(300):
    name = 'user.%03d' % i
    os.setxattr('$MNT/hugelist', name + 'x' * (255 - len(name)), b'v')
"
	run xa $MNT/hugelist listsize
	assert_output 76800
	run xa $MNT/hugelist list 65536
	assert_output E2BIG
	rm $MNT/hugelist
}

@test "names with the same hash are told apart by the stored name" {
	touch $MNT/collide
	echo 12345 > $HASH_PARAM
	ops=()
	for i in $(seq 0 19); do
		ops+=("set user.c$i pat:$((i * 1000))")
	done
	# a replaced value, a grown one, removals among the colliding names
	ops+=("set user.c5 short" "set user.c6 pat:65536" "remove user.c7" "remove user.c0"
	      "set user.c8 x create" "get user.c7" "get user.c5" "expect user.c6 pat:65536")
	for i in 1 2 3 4 9 10 19; do
		ops+=("expect user.c$i pat:$((i * 1000))")
	done
	run xa $MNT/collide batch "${ops[@]}"
	assert_output "EEXIST
ENODATA
short"
	run xa $MNT/collide list
	assert_equal "${#lines[@]}" 18

	# the items really share the hash: part 0 of 18 ids under 12345,
	# in the fs tree that unmount merged everything into
	ino=$(stat -c %i $MNT/collide)
	umount $MNT
	ids=$(scoutfs print "$META" "$DATA" |
		grep -oE "fs\.$ino\.xattr\.12345\.[0-9]+\.0 seq [0-9]+ flags 0x0 " |
		cut -d' ' -f1 | sort -u | wc -l)
	assert_equal "$ids" 18
	mount_fs
	run xa $MNT/collide expect user.c19 pat:19000
	assert_success

	echo 0 > $HASH_PARAM
	# stored under the test hash, they aren't found by their real one
	run xa $MNT/collide get user.c1
	assert_output ENODATA
	rm $MNT/collide
}

@test "readers see a whole value while it changes between 17 parts and 2" {
	touch $MNT/race
	run python3 -c "
import os, sys
path, name = '$MNT/race', 'user.race'
a = bytes(i % 251 for i in range(65536))
b = bytes(i % 13 for i in range(5000))
os.setxattr(path, name, a)
readers = []
for r in range(2):
    pid = os.fork()
    if pid == 0:
        for i in range(2000):
            v = os.getxattr(path, name)
            if v != a and v != b:
                print('reader saw %d mixed bytes' % len(v))
                os._exit(1)
            os.listxattr(path)
        os._exit(0)
    readers.append(pid)
for i in range(400):
    os.setxattr(path, name, b if i % 2 == 0 else a)
bad = sum(os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) != 0 for p in readers)
sys.exit(1 if bad else 0)
"
	echo "$output"
	assert_success
	rm $MNT/race
}

@test "a read-only mount reads xattrs and refuses changes with EROFS" {
	touch $MNT/ro
	xa $MNT/ro set user.r v
	mount -o remount,ro $MNT
	run xa $MNT/ro get user.r
	assert_output v
	run xa $MNT/ro set user.r w
	assert_output EROFS
	run xa $MNT/ro remove user.r
	assert_output EROFS
	mount -o remount,rw $MNT
}

@test "xattrs persist across unmount and mount, and check clean" {
	run getfattr --absolute-names -R -h -d -m - -e hex $MNT
	assert_success
	before=$output
	[ "$(echo "$before" | grep -c '^# file:')" -ge 10 ]
	umount $MNT
	check_clean
	mount_fs
	run getfattr --absolute-names -R -h -d -m - -e hex $MNT
	assert_success
	assert_equal "$output" "$before"
	run xa $MNT/big expect user.value pat:65536
	assert_success
	run xa $MNT/many list
	assert_equal "${#lines[@]}" 500
}

@test "an inode's xattrs go with it, also when it was open at unlink" {
	touch $MNT/gone
	xa $MNT/gone set user.big pat:65536
	xa $MNT/gone many 100 user.g-
	ino=$(stat -c %i $MNT/gone)
	rm $MNT/gone
	# open and unlinked: its xattrs stay reachable until the last close
	touch $MNT/open
	oino=$(stat -c %i $MNT/open)
	run python3 -c "
import os
fd = os.open('$MNT/open', os.O_RDONLY)
os.unlink('$MNT/open')
os.setxattr(fd, 'user.late', b'x' * 20000)
assert os.getxattr(fd, 'user.late') == b'x' * 20000
os.close(fd)
"
	assert_success
	umount $MNT
	# no item of theirs is left, not even a deletion item
	run scoutfs print "$META" "$DATA"
	assert_success
	refute_output --partial "fs.$ino.xattr."
	refute_output --partial "fs.$oino.xattr."
	check_clean
	mount_fs
}

@test "removing everything leaves a filesystem that checks clean" {
	rm -rf "${MNT:?}"/*
	umount $MNT
	check_clean
	mount_fs
}
