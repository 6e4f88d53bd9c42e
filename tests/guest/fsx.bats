#!/usr/bin/env bats
# fsx (tests/tools/fsx.c): random writes, reads, appends, truncates, mmap,
# fallocate modes, O_DIRECT, syncs, reopens and copy_file_range on one
# file, every read checked against a model of the file.  The same seeds
# run on ext4 first, as a control, and then on scoutfs; on both the files
# must hold the same after a remount, and scoutfs must then check clean.
#
# fsx is built on the host (make, or make -C tests/tools) and run from the
# repository share.  A failure prints the seed and the command to replay
# it outside the harness.

load helpers

META=/dev/scoutfs/meta
DATA=/dev/scoutfs/data
SCRATCH=/dev/scoutfs/scratch
MNT=/mnt/test
FSX=${BATS_TEST_DIRNAME%/*}/tools/fsx

# one run per line: a big file, another seed, a small file (more ops at its end)
RUNS=("-S 1 -N 3000" "-S 2 -N 3000" "-S 3 -N 4000 -l 64k -o 8k -c 50")

setup_file() {
	if [ ! -x "$FSX" ]; then
		echo "no $FSX: build it on the host with 'make -C tests/tools'" >&2
		return 1
	fi
	insmod "$SCOUTFS_KO"
	mkdir -p $MNT
}

teardown_file() {
	rmmod scoutfs
}

teardown() {
	umount $MNT 2>/dev/null || true
}

# fsx_runs NAME: every run of RUNS on a file of its own in $MNT, with every
# operation; what each file must hold is kept under NAME
fsx_runs() {
	local i

	for i in "${!RUNS[@]}"; do
		# shellcheck disable=SC2086 # the options are words
		run "$FSX" ${RUNS[$i]} -m "$BATS_FILE_TMPDIR/$1.$i" "$MNT/fsx.$i"
		echo "$output"
		assert_success
		assert_output --partial " ops ok, seed "
		refute_output --partial FAIL
	done
}

mount_ext4() {
	mount $SCRATCH $MNT
}

mount_scoutfs() {
	mount -t scoutfs -o metadev_path=$META,quorum_slot_nr=0 "$DATA" $MNT
}

# remount_and_compare FS: unmounted and mounted again (mount_FS), every
# file holds what its run left
remount_and_compare() {
	local i

	umount $MNT
	"mount_$1"
	for i in "${!RUNS[@]}"; do
		cmp "$MNT/fsx.$i" "$BATS_FILE_TMPDIR/$1.$i"
	done
}

@test "ext4 (control): fsx with every operation; the files survive a remount" {
	mkfs.ext4 -q -F $SCRATCH
	mount_ext4
	fsx_runs ext4
	remount_and_compare ext4
}

@test "scoutfs: fsx with every operation; the files survive a remount" {
	scoutfs mkfs -f -Q 0,127.0.0.1,12345 "$META" "$DATA" >/dev/null
	mount_scoutfs
	fsx_runs scoutfs
	remount_and_compare scoutfs
}

@test "scoutfs: after fsx it unmounts and checks clean" {
	# unmounted by the last test's teardown, whatever fsx found
	run grep " $MNT " /proc/mounts
	assert_failure
	run scoutfs check "$META" "$DATA"
	echo "$output"
	assert_success
}
