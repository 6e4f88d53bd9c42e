#!/usr/bin/env bats
# Metadata benchmark, run inside one VM by bench/run: the same workloads
# on ext4 and on scoutfs, on the same virtual disks in the same boot, each
# driven from one process (tools/mkfiles, statfiles, rmfiles).

load bench

N=10000

setup_file() { bench_setup_file; }
teardown_file() { bench_teardown_file; }
teardown() { bench_teardown; }

# 10k creates and the sync after them, the sync after another 1000
# creates, the 10k files stat'ed cold, then unlinked and synced.
run_workloads() {
	local fs=$1

	fs_mkfs "$fs"
	fs_mount "$fs"
	figure "$fs" creates_per_sec,sync_after_10k_creates \
		"$TOOLS/mkfiles" $MNT/creates $N sync
	figure "$fs" _,sync_after_1000_creates "$TOOLS/mkfiles" $MNT/synced 1000 sync
	fs_cold "$fs"
	figure "$fs" cold_stats_per_sec "$TOOLS/statfiles" $MNT/creates $N
	figure "$fs" unlinks_per_sec,sync_after_10k_unlinks \
		"$TOOLS/rmfiles" $MNT/creates $N sync
	umount $MNT
}

@test "metadata workloads on ext4" {
	run_workloads ext4
	fs_done ext4
}

@test "metadata workloads on scoutfs" {
	run_workloads scoutfs
	scoutfs check $META $DATA
	fs_done scoutfs
}

@test "metadata figures" {
	report creates_per_sec files/s higher
	report sync_after_10k_creates s lower
	report sync_after_1000_creates s lower
	report cold_stats_per_sec files/s higher
	report unlinks_per_sec files/s higher
	report sync_after_10k_unlinks s lower
}
