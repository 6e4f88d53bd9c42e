#!/usr/bin/env bats
# Running out of space: a full data device or a full metadata device gives
# ENOSPC to the call that wanted more, never an I/O error, and leaves the
# filesystem writable; removing files makes the space usable again within
# seconds, round after round, on small devices (`mkfs -A`); statfs follows
# and the filesystem checks clean after every round.

load helpers

META=/dev/scoutfs/meta
DATA=/dev/scoutfs/data
MNT=/mnt/small
FILL=/src/tests/guest/lib/fill.py

# a small filesystem: $1 of metadata, $2 of data
mkfs_small() {
	scoutfs mkfs -f -A -m "$1" -d "$2" -Q 0,127.0.0.1,12345 "$META" "$DATA" >/dev/null
	mount -t scoutfs -o metadev_path=$META,quorum_slot_nr=0 "$DATA" $MNT
}

check_clean() {
	run scoutfs check "$META" "$DATA"
	echo "$output"
	assert_success
}

# field $1 ("files", "bytes", "errno") of fill.py's output in $output
field() {
	echo "$output" | awk -v f="$1" '$1 == f { print $2 }'
}

setup_file() {
	insmod "$SCOUTFS_KO"
	mkdir -p $MNT
}

teardown_file() {
	umount $MNT 2>/dev/null || true
	rmmod scoutfs
}

@test "a 2 GiB data device fills with ENOSPC and is filled again after removal, three times" {
	mkfs_small 1G 2G
	total=$(stat -f -c %b $MNT)
	for round in 1 2 3; do
		mkdir $MNT/d
		run python3 $FILL data $MNT/d 64
		echo "round $round: $output" >&3
		assert_equal "$(field errno)" ENOSPC
		bytes=$(field bytes)
		[ "$bytes" -gt $(( 1800 * 1024 * 1024 )) ]
		# full: statfs agrees, and nothing else fits either
		sync
		[ "$(stat -f -c %f $MNT)" -lt $(( total / 20 )) ]
		run dd if=/dev/zero of=$MNT/more bs=1M count=64 status=none
		assert_failure
		assert_output --partial "No space left on device"
		# still writable for metadata
		touch $MNT/d/after-full
		rm -rf $MNT/d $MNT/more
		sync
		[ "$(stat -f -c %f $MNT)" -gt $(( total * 9 / 10 )) ]
	done
	umount $MNT
	check_clean
}

# wait up to $2 seconds for statfs's free inodes (free metadata) to reach $1
wait_ffree() {
	local end=$((SECONDS + $2)) free
	while sync; free=$(stat -f -c %d $MNT); [ "$free" -lt "$1" ]; do
		if [ $SECONDS -ge $end ]; then
			echo "free inodes $free, never $1" >&2
			dmesg | grep scoutfs | tail -20 >&2
			return 1
		fi
		sleep 1
	done
}

@test "a small metadata device fills with ENOSPC, stays writable, and is filled again after removal" {
	mkfs_small 320M 1G
	ffree=$(stat -f -c %d $MNT)
	prev=0
	for round in 1 2 3; do
		mkdir $MNT/m
		run python3 $FILL meta $MNT/m
		echo "round $round: $output" >&3
		assert_equal "$(field errno)" ENOSPC
		files=$(field files)
		[ "$files" -gt 500 ]
		# later rounds get (nearly) as far: the space came back
		[ "$prev" -eq 0 ] || [ "$files" -ge $(( prev * 9 / 10 )) ]
		[ "$prev" -gt 0 ] || prev=$files
		# the filesystem didn't give up: reads work and removal frees
		run python3 -c "import os; print(len(os.getxattr('$MNT/m/f0', 'user.fill')))"
		assert_output $(( 60 * 1024 ))
		run dmesg
		refute_output --partial "refuses changes"
		rm -rf $MNT/m
		# freed once the removals are merged: within seconds
		wait_ffree $(( ffree * 8 / 10 )) 60
		touch $MNT/after-$round
	done
	umount $MNT
	check_clean
}
