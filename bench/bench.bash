# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the bench files that load this
# What every bench/*.bats shares (load bench): the disks, making, mounting
# and cold-remounting each filesystem, and recording figures so that one
# that fails shows as failed in the table and the others still run.
#
# A bench file runs its workloads once per filesystem, each in its own
# test (ext4 first, then scoutfs, on the same disks), and a last test
# prints every figure as a TAP comment that bench/run turns into a table:
#     # bench: NAME SCOUTFS EXT4 UNIT higher|lower
# A figure that failed, or never ran because its test stopped early, is
# printed as "failed".

load ../tests/guest/helpers

META=/dev/scoutfs/meta
DATA=/dev/scoutfs/data
MNT=/mnt/bench
TOOLS=$BATS_TEST_DIRNAME/tools

bench_setup_file() {
	insmod "$SCOUTFS_KO"
	mkdir -p $MNT
	mkdir -p "$BATS_FILE_TMPDIR/figures"
}

bench_teardown_file() {
	umount $MNT 2>/dev/null || true
	rmmod scoutfs
}

# Every test leaves nothing mounted, even when it stopped halfway.
bench_teardown() {
	umount $MNT 2>/dev/null || true
}

# fs_mkfs FS: a new filesystem on the disks.  ext4 goes on the metadata
# disk, where scoutfs keeps the metadata; scoutfs uses both disks.  ext4's
# inode tables are zeroed by mkfs, not by a kernel thread writing behind
# the workloads' backs.
fs_mkfs() {
	case $1 in
	ext4) mkfs.ext4 -q -F -E lazy_itable_init=0 $META ;;
	scoutfs) scoutfs mkfs -f -Q 0,127.0.0.1,12345 $META $DATA >/dev/null ;;
	*) echo "no filesystem $1" >&2; return 1 ;;
	esac
}

fs_mount() {
	case $1 in
	ext4) mount $META $MNT ;;
	scoutfs) mount -t scoutfs -o metadev_path=$META,quorum_slot_nr=0 $DATA $MNT ;;
	*) echo "no filesystem $1" >&2; return 1 ;;
	esac
}

# fs_cold FS: make every cache cold the same way for both filesystems:
# unmount (which writes back everything and drops the filesystem's own
# caches), drop the kernel's page, dentry and inode caches, and mount
# again.  The disks bypass the host's page cache (cache=none), so the next
# read comes from the virtual disk.
fs_cold() {
	sync
	umount $MNT
	echo 3 > /proc/sys/vm/drop_caches
	fs_mount "$1"
}

# figure FS NAME[,NAME...] CMD...: run CMD, which prints one number per
# NAME on its first line, and record them for FS (a NAME of _ is not
# recorded).  When CMD fails or
# prints something else, every NAME is recorded as failed, CMD's errors go
# to the TAP output, and figure returns 0 so that the next workloads still
# run; fs_done fails the test afterwards.
figure() {
	local fs=$1 names=$2 out err rc=0 name i=0 vals=()
	shift 2
	err=$(mktemp)
	out=$("$@" 2>"$err") || rc=$?
	if [ $rc -ne 0 ]; then
		echo "# $fs: FAILED (exit $rc): $*" >&3
		sed "s/^/#   /" "$err" >&3
	fi
	rm -f "$err"
	read -r -a vals <<< "$out"
	IFS=, read -r -a names <<< "$names"
	for name in "${names[@]}"; do
		i=$((i + 1))
		[ "$name" = _ ] && continue
		if [ $rc -eq 0 ] && [[ ${vals[i - 1]:-} =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
			echo "${vals[i - 1]}" > "$BATS_FILE_TMPDIR/figures/$fs.$name"
			continue
		fi
		[ $rc -ne 0 ] || echo "# $fs: $name: no figure in the output of $*: $out" >&3
		echo failed > "$BATS_FILE_TMPDIR/figures/$fs.$name"
	done
	return 0
}

# fs_done FS: fail the test if any of FS's figures failed.
fs_done() {
	local failed
	failed=$(grep -l '^failed$' "$BATS_FILE_TMPDIR/figures/$1".* 2>/dev/null || true)
	if [ -n "$failed" ]; then
		echo "failed figures on $1: $(echo "$failed" | sed 's/.*\.//' | xargs)" >&2
		return 1
	fi
}

# report NAME UNIT higher|lower: print one figure for both filesystems.
report() {
	local name=$1 unit=$2 better=$3 fs f vals=()
	for fs in scoutfs ext4; do
		f=$BATS_FILE_TMPDIR/figures/$fs.$name
		if [ -s "$f" ]; then
			vals+=("$(cat "$f")")
		else
			vals+=(failed)
		fi
	done
	echo "# bench: $name ${vals[0]} ${vals[1]} $unit $better" >&3
}
