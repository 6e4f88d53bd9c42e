#!/usr/bin/env bats
# File data benchmark, run inside one VM by bench/run: the same workloads
# on ext4 and on scoutfs, on the same virtual disks in the same boot, each
# driven from one process (tools/seqio, fio).

load bench

MIB=256
RUNTIME=10	# seconds of each fio job
FILE=$MNT/data

setup_file() { bench_setup_file; }
teardown_file() { bench_teardown_file; }
teardown() { bench_teardown; }

# fio_iops RW DIRECT [FIO OPTION...]: time-bounded random 4 KiB I/O, one
# job doing one synchronous call at a time, over the file the sequential
# write left; prints the IOPS.  fio must never lay the file out itself:
# without the sequential write's file the figure fails.
fio_iops() {
	local rw=$1 direct=$2 json dir rc=0
	shift 2
	case $rw in
	randread) dir="read" ;;
	randwrite) dir="write" ;;
	esac
	if [ "$(stat -c %s $FILE 2>/dev/null)" != $((MIB << 20)) ]; then
		echo "$FILE is not the ${MIB} MiB file of the sequential write" >&2
		return 1
	fi
	json=$(mktemp)
	fio --name=bench --filename=$FILE --size=${MIB}M --allow_file_create=0 \
		--rw="$rw" --bs=4k --ioengine=psync --iodepth=1 --direct="$direct" \
		--time_based --runtime=$RUNTIME --randrepeat=1 \
		--output-format=json --output="$json" "$@" >&2 || rc=$?
	python3 - "$json" "$dir" "$rc" <<'PY' || rc=1
import json, sys
text = open(sys.argv[1]).read()
try:
    job = json.loads(text[text.index("{"):])["jobs"][0]
except ValueError:
    sys.exit("fio exited with %s and wrote no results" % sys.argv[3])
d = job[sys.argv[2]]
if sys.argv[3] != "0" or job["error"] or not d["total_ios"]:
    sys.exit("fio exited with %s: error %d (%s) after %d I/Os" % (sys.argv[3],
             job["error"], job.get("error_msg", "?"), d["total_ios"]))
# fio's runtime, and so its IOPS, include the end_fsync of a job that has one.
print("%.1f" % d["iops"])
PY
	rm -f "$json"
	return $rc
}

# 256 MiB written and fsync'ed, read back cold, then random 4 KiB reads and
# writes over it, direct and buffered, each from a cold mount.
run_workloads() {
	local fs=$1

	fs_mkfs "$fs"
	fs_mount "$fs"
	figure "$fs" seq_write_mib_per_sec "$TOOLS/seqio" write $FILE $MIB
	fs_cold "$fs"
	figure "$fs" seq_read_cold_mib_per_sec "$TOOLS/seqio" read $FILE $MIB
	fs_cold "$fs"
	figure "$fs" rand_read_4k_direct_iops fio_iops randread 1
	fs_cold "$fs"
	figure "$fs" rand_read_4k_buffered_iops fio_iops randread 0
	fs_cold "$fs"
	figure "$fs" rand_write_4k_direct_iops fio_iops randwrite 1
	fs_cold "$fs"
	figure "$fs" rand_write_4k_buffered_iops fio_iops randwrite 0 --end_fsync=1
	umount $MNT
}

@test "data workloads on ext4" {
	run_workloads ext4
	fs_done ext4
}

@test "data workloads on scoutfs" {
	run_workloads scoutfs
	scoutfs check $META $DATA
	fs_done scoutfs
}

@test "data figures" {
	report seq_write_mib_per_sec MiB/s higher
	report seq_read_cold_mib_per_sec MiB/s higher
	report rand_read_4k_direct_iops IOPS higher
	report rand_read_4k_buffered_iops IOPS higher
	report rand_write_4k_direct_iops IOPS higher
	report rand_write_4k_buffered_iops IOPS higher
}
