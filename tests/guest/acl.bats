#!/usr/bin/env bats
# POSIX ACLs: enforcement for unprivileged users, the mode and the access
# ACL following each other (setfacl, chmod), default ACL inheritance by
# create, mkdir and mknod with the same results as tmpfs, persistence,
# and the noacl mount option.  Regular files have no data yet, so access
# is tested by opening them.

load helpers

META=/dev/scoutfs/meta
DATA=/dev/scoutfs/data
MNT=/mnt/test
REF=/tmp/acl-ref

mount_fs() {
	mount -t scoutfs -o "metadev_path=$META,quorum_slot_nr=0$1" "$DATA" "$MNT"
}

check_clean() {
	run scoutfs check "$META" "$DATA"
	echo "$output"
	assert_success
}

# as UID[:GID] CMD...: run CMD as that user (GID defaults to UID), no capabilities
as() {
	local uid=${1%%:*} gid=${1#*:}

	shift
	setpriv --reuid="$uid" --regid="$gid" --clear-groups --inh-caps=-all -- "$@"
}

# may USER r|w|x PATH: does USER get that access to PATH?  Files are
# opened (r, w), directories searched (x)
may() {
	case $2 in
	r) as "$1" sh -c ': < "$1"' sh "$3" 2>/dev/null ;;
	w) as "$1" sh -c ': >> "$1"' sh "$3" 2>/dev/null ;;
	x) as "$1" sh -c 'cd "$1"' sh "$3" 2>/dev/null ;;
	esac
}

acl_of() {
	getfacl --omit-header --absolute-names "$1"
}

setup_file() {
	insmod "$SCOUTFS_KO"
	mkdir -p $MNT
	scoutfs mkfs -f -Q 0,127.0.0.1,12345 "$META" "$DATA" >/dev/null
	mount_fs ""
}

teardown_file() {
	umount $REF 2>/dev/null || true
	umount $MNT 2>/dev/null || true
	rmmod scoutfs
}

@test "ACLs are on by default" {
	run grep " $MNT scoutfs " /proc/mounts
	assert_output --regexp ',acl( |,|$)'
}

@test "a named user entry grants what the mode doesn't, to that user only" {
	touch $MNT/f
	chmod 600 $MNT/f
	run may 1000 r $MNT/f
	assert_failure
	setfacl -m u:1000:rw $MNT/f
	may 1000 r $MNT/f
	may 1000 w $MNT/f
	run may 1001 r $MNT/f
	assert_failure
	run acl_of $MNT/f
	assert_output "$(printf 'user::rw-\nuser:1000:rw-\ngroup::---\nmask::rw-\nother::---\n')"
	# the group bits of the mode show the mask
	assert_equal "$(stat -c %a $MNT/f)" 660
}

@test "the mask limits named entries and the owning group" {
	touch $MNT/mask
	chmod 600 $MNT/mask
	setfacl -m u:1000:rw,g:2000:rw,m::r $MNT/mask
	may 1000 r $MNT/mask
	run may 1000 w $MNT/mask
	assert_failure
	may 1002:2000 r $MNT/mask
	run may 1002:2000 w $MNT/mask
	assert_failure
	run may 1002:2001 r $MNT/mask
	assert_failure
	assert_equal "$(stat -c %a $MNT/mask)" 640
}

@test "a named entry denies what others may" {
	touch $MNT/deny
	chmod 644 $MNT/deny
	setfacl -m u:1000:--- $MNT/deny
	run may 1000 r $MNT/deny
	assert_failure
	may 1001 r $MNT/deny
	mkdir $MNT/denydir
	setfacl -m u:1000:--- $MNT/denydir
	run may 1000 x $MNT/denydir
	assert_failure
	may 1001 x $MNT/denydir
}

@test "an access ACL sets the mode; one the mode says all of isn't stored" {
	touch $MNT/eq
	setfacl --set u::rwx,g::r-x,o::--- $MNT/eq
	assert_equal "$(stat -c %a $MNT/eq)" 750
	run getfattr --absolute-names -m - $MNT/eq
	assert_output ""
	setfacl -m u:1000:r $MNT/eq
	run getfattr --absolute-names -m - $MNT/eq
	assert_output --partial system.posix_acl_access
	setfacl -b $MNT/eq
	run getfattr --absolute-names -m - $MNT/eq
	assert_output ""
	assert_equal "$(stat -c %a $MNT/eq)" 750
	run may 1000 r $MNT/eq
	assert_failure
}

@test "chmod changes the access ACL's mask" {
	touch $MNT/chmod
	chmod 660 $MNT/chmod
	setfacl -m u:1000:rw $MNT/chmod
	chmod 640 $MNT/chmod
	run acl_of $MNT/chmod
	assert_line "mask::r--"
	assert_line --regexp '^user:1000:rw-[[:space:]]+#effective:r--$'
	may 1000 r $MNT/chmod
	run may 1000 w $MNT/chmod
	assert_failure
	chmod 600 $MNT/chmod
	run may 1000 r $MNT/chmod
	assert_failure
	chmod 660 $MNT/chmod
	may 1000 w $MNT/chmod
}

@test "only the owner (or root) sets ACLs; default ACLs only on directories" {
	touch $MNT/own
	run as 1000 setfacl -m u:1000:rwx $MNT/own
	assert_failure
	assert_output --partial "Operation not permitted"
	chown 1000 $MNT/own
	as 1000 setfacl -m u:1001:r $MNT/own
	run acl_of $MNT/own
	assert_line "user:1001:r--"
	run setfacl -d -m u:1000:r $MNT/own
	assert_failure
}

# the same ACL work in a directory of scoutfs and of tmpfs
acl_work() {
	cd "$1" || return
	umask 022
	mkdir d
	setfacl -d -m u:1000:rwx,g:2000:r-x,o::--- d
	# the umask doesn't apply where a default ACL does
	umask 077
	touch d/f
	mkdir d/sub d/sub/deeper
	mknod d/fifo p
	ln -s f d/link
	setfacl -m m::r d/f
	# nor is anything inherited without one, where the umask applies
	umask 027
	mkdir plain
	touch plain/f
	mkdir plain/sub
	touch named
	setfacl -m u:1000:rw,g:2000:r named
	chmod 604 named
	setfacl -d -m o::--- plain/sub
	touch plain/sub/f
	umask 022
	cd /
}

acl_dump() {
	cd "$1" || return
	# shellcheck disable=SC2046 # names without spaces, in sorted order
	getfacl -- $(find . ! -type l | sort)
	find . -printf '%p %M %U %G\n' | sort
	# nothing on the symlink
	getfattr -h -m - d/link
	cd /
}

@test "default ACLs are inherited by create, mkdir and mknod as on tmpfs" {
	mkdir -p $REF
	mount -t tmpfs -o mode=755 none $REF
	acl_work $REF
	ref=$(acl_dump $REF)
	[[ $ref == *"# file: "*"d/sub/deeper"* && $ref == *"default:user:1000:rwx"* ]]
	mkdir $MNT/inherit
	acl_work $MNT/inherit
	run acl_dump $MNT/inherit
	assert_success
	assert_equal "$output" "$ref"
	umount $REF

	# and they do what they say
	assert_equal "$(stat -c %a $MNT/inherit/d/f)" 640
	assert_equal "$(stat -c %a $MNT/inherit/plain/f)" 640
	assert_equal "$(stat -c %a $MNT/inherit/plain/sub)" 750
	may 1000 r $MNT/inherit/d/f
	run may 1000 w $MNT/inherit/d/f
	assert_failure
	may 1000 x $MNT/inherit/d/sub/deeper
	run acl_of $MNT/inherit/d/sub
	assert_line "default:user:1000:rwx"
	run may 1001 x $MNT/inherit/d/sub
	assert_failure
	run getfattr -h -m - $MNT/inherit/d/link
	assert_output ""
}

@test "ACLs persist across unmount and mount and are enforced from their items" {
	run getfacl -R -P --absolute-names $MNT
	assert_success
	before=$output
	umount $MNT
	check_clean
	mount_fs ""
	# permission checks come first, before anything read the ACLs
	may 1000 r $MNT/f
	run may 1000 r $MNT/deny
	assert_failure
	may 1000 x $MNT/inherit/d/sub/deeper
	run getfacl -R -P --absolute-names $MNT
	assert_equal "$output" "$before"
}

@test "noacl: ACLs can't be set or read and aren't enforced; the umask applies" {
	umount $MNT
	mount_fs ,noacl
	run grep " $MNT scoutfs " /proc/mounts
	assert_output --partial ",noacl"
	run setfacl -m u:1000:r $MNT/deny
	assert_failure
	assert_output --partial "Operation not supported"
	run getfattr --absolute-names -n system.posix_acl_access $MNT/f
	assert_failure
	run getfattr --absolute-names -m - $MNT/f
	assert_output ""
	# f's mode is 660 for its mask: 1000 is "other" without the ACL
	run may 1000 r $MNT/f
	assert_failure
	# deny's named entry no longer denies
	may 1000 r $MNT/deny
	# nothing is inherited, the umask is the VFS's
	(umask 022; touch $MNT/inherit/d/noacl; mkdir $MNT/inherit/d/noacl-dir)
	assert_equal "$(stat -c %a $MNT/inherit/d/noacl)" 644
	assert_equal "$(stat -c %a $MNT/inherit/d/noacl-dir)" 755

	umount $MNT
	mount_fs ""
	run getfattr --absolute-names -m - $MNT/inherit/d/noacl $MNT/inherit/d/noacl-dir
	assert_output ""
	run acl_of $MNT/inherit/d
	assert_line "default:user:1000:rwx"
	may 1000 r $MNT/f
}

@test "removing everything leaves a filesystem that checks clean" {
	rm -rf "${MNT:?}"/*
	umount $MNT
	check_clean
	mount_fs ""
}
