#!/usr/bin/env bats
# 100,000 entries in one directory: create, lookup, readdir, unlink, with
# a remount in between so that half the work reads committed, merged
# items rather than the mount's cached changes.

load helpers

META=/dev/scoutfs/meta
DATA=/dev/scoutfs/data
MNT=/mnt/test
N=100000

mount_fs() {
	mount -t scoutfs -o metadev_path=$META,quorum_slot_nr=0 "$DATA" "$MNT"
}

# one python process per phase: process start-up under emulation would
# otherwise be most of the time
phase() {
	python3 - "$MNT/big" "$N" "$1" <<'PY'
import os, sys, time
d, n, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]
t = time.monotonic()
if what == "create":
    os.mkdir(d)
    for i in range(n):
        os.close(os.open(f"{d}/entry-{i:06d}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
elif what == "lookup":
    for i in range(0, n, 7):
        os.stat(f"{d}/entry-{i:06d}")
    for i in range(0, n, 997):
        try:
            os.stat(f"{d}/missing-{i:06d}")
            sys.exit(f"missing-{i:06d} exists")
        except FileNotFoundError:
            pass
elif what == "readdir":
    names = os.listdir(d)
    want = {f"entry-{i:06d}" for i in range(n)}
    if len(names) != n or set(names) != want:
        sys.exit(f"readdir found {len(names)} names, {len(set(names) ^ want)} wrong")
elif what == "unlink":
    for i in range(n):
        os.unlink(f"{d}/entry-{i:06d}")
    if os.listdir(d):
        sys.exit("entries left after unlinking all")
    os.rmdir(d)
print(f"# {what}: {n} entries, {time.monotonic() - t:.1f} s", file=sys.stderr)
PY
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

@test "create 100,000 entries in one directory" {
	phase create 2>&3
	assert_equal "$(stat -c %s $MNT/big)" $((N * 12))
}

@test "look them up and list them, from the cache" {
	phase lookup 2>&3
	phase readdir 2>&3
}

@test "look them up and list them again after a remount" {
	umount $MNT
	mount_fs
	phase lookup 2>&3
	phase readdir 2>&3
}

@test "unlink them all; the filesystem checks clean" {
	phase unlink 2>&3
	umount $MNT
	run scoutfs check "$META" "$DATA"
	assert_success
	mount_fs
	run ls -A $MNT
	assert_output ""
}
