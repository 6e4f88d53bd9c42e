#!/usr/bin/env bats
# Names across mounts: a mount that has names cached (positive and negative
# dentries, from stat and ls) sees another mount's creates, renames,
# unlinks and replacements the next time it looks, never its stale cache.

load ../vm/cluster.bash
load helpers

OPTS="metadev_path=/dev/scoutfs/meta"
A=1	# the leader's node, changing names
B=2	# another mount, looking

setup_file() {
	start_one_leader_cluster 2 "$OPTS"
}

teardown_file() {
	cluster_stop
}

# inode number of $2 on node $1, or "none"
ino() { vm_exec "$1" "stat -c %i /mnt/scoutfs/$2 2>/dev/null || echo none"; }

# sorted names in directory $2 on node $1, on one line
names() { vm_exec "$1" "ls -A /mnt/scoutfs/$2 | sort | tr '\n' ' '"; }

@test "a rename, an unlink and a create on one mount replace the other's cached names" {
	vm_exec $A 'mkdir /mnt/scoutfs/d && touch /mnt/scoutfs/d/a /mnt/scoutfs/d/b'
	a=$(ino $A d/a)
	# B caches a, b and the absence of n
	assert_equal "$(ino $B d/a)" "$a"
	[ "$(ino $B d/b)" != none ]
	assert_equal "$(ino $B d/n)" none
	assert_equal "$(names $B d)" "a b "

	vm_exec $A 'mv /mnt/scoutfs/d/a /mnt/scoutfs/d/c && rm /mnt/scoutfs/d/b && touch /mnt/scoutfs/d/n'
	n=$(ino $A d/n)

	assert_equal "$(ino $B d/a)" none
	assert_equal "$(ino $B d/b)" none
	assert_equal "$(ino $B d/c)" "$a"
	assert_equal "$(ino $B d/n)" "$n"
	assert_equal "$(names $B d)" "c n "
	run vm_exec $B 'cat /mnt/scoutfs/d/a'
	assert_failure
	assert_output --partial "No such file or directory"
}

@test "a directory renamed on one mount moves its cached subtree on the other" {
	vm_exec $A 'mkdir -p /mnt/scoutfs/d/sub && touch /mnt/scoutfs/d/sub/f'
	f=$(ino $A d/sub/f)
	assert_equal "$(ino $B d/sub/f)" "$f"

	vm_exec $A 'mkdir /mnt/scoutfs/e && mv /mnt/scoutfs/d/sub /mnt/scoutfs/e/moved'
	assert_equal "$(ino $B d/sub/f)" none
	assert_equal "$(ino $B d/sub)" none
	assert_equal "$(ino $B e/moved/f)" "$f"
	assert_equal "$(names $B e/moved)" "f "
	# B's working directory follows the inode, not the old name
	run vm_exec $B 'cd /mnt/scoutfs/e/moved && ls && stat -c %i f'
	assert_success
	assert_line "$f"
}

@test "a name replaced by a rename on one mount is the new inode on the other" {
	vm_exec $A 'touch /mnt/scoutfs/d/x /mnt/scoutfs/d/y'
	x=$(ino $A d/x)
	y=$(ino $A d/y)
	assert_equal "$(ino $B d/y)" "$y"
	vm_exec $A 'mv /mnt/scoutfs/d/x /mnt/scoutfs/d/y'
	assert_equal "$(ino $B d/y)" "$x"
	assert_equal "$(ino $B d/x)" none
	# the replaced inode is gone on B too
	run vm_exec $B "find /mnt/scoutfs -inum $y"
	assert_output ""
}

@test "a name the other mount created is found instead of created twice" {
	assert_equal "$(ino $B d/both)" none
	vm_exec $A 'mkdir /mnt/scoutfs/d/both'
	run vm_exec $B 'mkdir /mnt/scoutfs/d/both'
	assert_failure
	assert_output --partial "File exists"
	assert_equal "$(ino $B d/both)" "$(ino $A d/both)"
	assert_equal "$(vm_exec $A 'ls /mnt/scoutfs/d | grep -c "^both$"')" 1

	# and the other way around, while A has the name cached as missing
	assert_equal "$(ino $A d/fromb)" none
	vm_exec $B 'touch /mnt/scoutfs/d/fromb && ln /mnt/scoutfs/d/fromb /mnt/scoutfs/d/link'
	assert_equal "$(ino $A d/fromb)" "$(ino $B d/fromb)"
	assert_equal "$(vm_exec $A 'stat -c %h /mnt/scoutfs/d/link')" 2
	run vm_exec $A 'ln /mnt/scoutfs/d/c /mnt/scoutfs/d/link'
	assert_failure
	assert_output --partial "File exists"
}

@test "many names changing back and forth stay consistent on both mounts" {
	vm_exec $A 'mkdir /mnt/scoutfs/m && cd /mnt/scoutfs/m && touch $(seq 1 50)'
	for round in 1 2 3; do
		# B looks everything up, A renames half and removes a few
		vm_exec $B 'cd /mnt/scoutfs/m && for f in $(seq 1 60); do stat $f >/dev/null 2>&1; done; true'
		vm_exec $A "cd /mnt/scoutfs/m && for f in \$(seq 1 2 50); do
			[ -e \$f ] && mv \$f r$round-\$f; done; rm -f \$(seq 2 10 50)"
		assert_equal "$(names $B m)" "$(names $A m)"
		for f in 1 3 12 13 22 49; do
			assert_equal "$(ino $B "m/$f")" "$(ino $A "m/$f")"
			assert_equal "$(ino $B "m/r$round-$f")" "$(ino $A "m/r$round-$f")"
		done
		# and back: B changes, A looks
		vm_exec $B "cd /mnt/scoutfs/m && for f in \$(seq 1 2 50); do
			[ -e r$round-\$f ] && mv r$round-\$f \$f; done; touch \$(seq 2 10 50)"
		assert_equal "$(names $A m)" "$(names $B m)"
		for f in 1 2 3 12 22 49; do
			assert_equal "$(ino $A "m/$f")" "$(ino $B "m/$f")"
		done
	done
}

@test "both mounts unmount and the filesystem checks clean" {
	unmount_and_check $B $A
}
