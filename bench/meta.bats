#!/usr/bin/env bats
# Metadata benchmark, run inside one VM by bench/run: the same workloads
# on ext4 and on scoutfs, on the same virtual disks in the same boot.
# Figures are printed as TAP comments ("# bench: name scoutfs ext4 unit").

load ../tests/guest/helpers

META=/dev/scoutfs/meta
DATA=/dev/scoutfs/data
MNT=/mnt/bench

report() {
	echo "# bench: $*" >&3
}

MKFILES=$BATS_TEST_DIRNAME/tools/mkfiles

run_workloads() {
	local fs=$1


	read -r creates[$fs] _ < <($MKFILES "$MNT/creates" 10000)
	read -r _ syncs[$fs] < <($MKFILES "$MNT/synced" 1000 sync)
}

setup_file() {
	insmod "$SCOUTFS_KO"
	mkdir -p $MNT
}

@test "metadata: 10k creates and sync after 1000 creates, scoutfs vs ext4" {
	declare -A creates syncs

	mkfs.ext4 -q -F $META
	mount $META $MNT
	run_workloads ext4
	umount $MNT

	scoutfs mkfs -f -Q 0,127.0.0.1,12345 $META $DATA >/dev/null
	mount -t scoutfs -o metadev_path=$META,quorum_slot_nr=0 $DATA $MNT
	run_workloads scoutfs
	umount $MNT
	scoutfs check $META $DATA

	report "creates_per_sec ${creates[scoutfs]} ${creates[ext4]} files/s higher"
	report "sync_after_1000_creates ${syncs[scoutfs]} ${syncs[ext4]} s lower"
	[ -n "${creates[scoutfs]}" ] && [ -n "${creates[ext4]}" ]
	[ -n "${syncs[scoutfs]}" ] && [ -n "${syncs[ext4]}" ]
}
