#!/bin/sh
# check-fsx.sh FSX: the host's self-test of fsx, in TAP (`make -C tests/tools check`).
#
# FSX is fsx built with ASan and UBSan.  It runs against a file in a
# temporary directory under ${TMPDIR:-/tmp}, leaving out the operations
# that file system refuses, and must: pass every op, say the same thing
# for the same seed, fail on a model that no longer matches the file, fail
# when the file system refuses an operation that isn't left out, and
# refuse bad options.  Any sanitizer report fails the test it shows in.
set -u

case $1 in /*) fsx=$1 ;; *) fsx=$PWD/$1 ;; esac
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:abort_on_error=1"
UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS UBSAN_OPTIONS

dir=$(mktemp -d "${TMPDIR:-/tmp}/fsx-check.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
out=$dir/out
err=$dir/err
n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	for f in "$out" "$err"; do
		[ -s "$f" ] && tail -n 40 "$f" | sed 's/^/# /'
	done
}

# sanitizer reports go to stderr; none may appear in any run
clean() {
	! grep -q -E 'Sanitizer|runtime error:' "$err"
}

# What the file system under $dir does; fsx must not be asked for the rest.
flags=
probe=$dir/probe
if ! fallocate -l 4096 "$probe" 2>/dev/null; then
	flags="$flags -F"
else
	fallocate -p -o 0 -l 4096 "$probe" 2>/dev/null || flags="$flags -H"
	fallocate -z -o 0 -l 4096 "$probe" 2>/dev/null || flags="$flags -Z"
fi
dd if=/dev/zero of="$probe" bs=4096 count=1 oflag=direct 2>/dev/null || flags="$flags -D"
rm -f "$probe"

echo "1..6"
echo "# $(df -PT "$dir" | awk 'NR == 2 { print $2 }') at $dir; left out:${flags:- nothing}"

# 1: random runs, a big file and a small one (more ops near the end of file)
status=0
for args in "-S 1 -N 3000" "-S 2 -N 3000" "-S 3 -N 4000 -l 64k -o 8k -c 50"; do
	# shellcheck disable=SC2086 # word splitting of the option lists is wanted
	"$fsx" $flags $args -m "$dir/model" "$dir/file" >"$out" 2>"$err" && clean &&
		cmp "$dir/file" "$dir/model" >>"$out" 2>&1 || { status=1; break; }
	echo "# $(tail -n 1 "$out")"
done
if [ $status -eq 0 ]; then
	ok "fsx runs clean under ASan/UBSan (seeds 1, 2, 3); the file is its model (-m)"
else
	not_ok "fsx runs clean under ASan/UBSan; the file is its model (-m)"
fi

# 2: the same seed gives the same operations, another seed others
# shellcheck disable=SC2086
if "$fsx" $flags -v -S 77 -N 500 "$dir/a" >"$dir/a.log" 2>"$err" && clean &&
   "$fsx" $flags -v -S 77 -N 500 "$dir/b" >"$dir/b.log" 2>"$err" && clean &&
   "$fsx" $flags -v -S 78 -N 500 "$dir/c" >"$dir/c.log" 2>"$err" && clean &&
   [ "$(sed 1d "$dir/a.log")" = "$(sed 1d "$dir/b.log")" ] &&
   ! diff -q "$dir/a.log" "$dir/c.log" >/dev/null; then
	ok "the same seed replays the same operations"
else
	diff "$dir/a.log" "$dir/b.log" | head -n 20 >"$out"
	not_ok "the same seed replays the same operations"
fi

# 3: a byte of the model changed after op 700 is found, with the seed,
# the offset, both bytes and the last operations
# shellcheck disable=SC2086
"$fsx" $flags -S 5 -N 2000 -X 700 "$dir/file" >"$out" 2>"$err"
rc=$?
if [ $rc -eq 1 ] && clean &&
   grep -q 'FAIL at op 700 (verify), seed 5: verify: data mismatch at offset 0x' "$err" &&
   grep -q '^  expected:' "$err" && grep -q '^  found:' "$err" &&
   grep -q 'the last 20 operations' "$err" &&
   [ "$(grep -c -E '^ +[0-9]+ [a-z_]+ +off 0x' "$err")" -eq 20 ] &&
   grep -q 'replay: .* -S 5$' "$err"; then
	ok "a corrupted byte fails the run and is reported (exit $rc)"
else
	not_ok "a corrupted byte fails the run and is reported (exit $rc)"
fi

# 4: -X past the end of the run: the corruption never happens, and the
# run must still fail, so that test 3 can't pass without a detection
# shellcheck disable=SC2086
"$fsx" $flags -S 6 -N 100 -X 1000 "$dir/file" >"$out" 2>"$err"
rc=$?
if [ $rc -eq 1 ] && clean && grep -q 'the corruption was not detected' "$err"; then
	ok "a corruption that never happened is not a pass (exit $rc)"
else
	not_ok "a corruption that never happened is not a pass (exit $rc)"
fi

# 5: an operation the file system refuses fails the run unless left out:
# tmpfs has no FALLOC_FL_ZERO_RANGE
shm=/dev/shm
if [ "$(df -PT "$shm" 2>/dev/null | awk 'NR == 2 { print $2 }')" = tmpfs ] && [ -w "$shm" ]; then
	sdir=$(mktemp -d "$shm/fsx-check.XXXXXX")
	"$fsx" -S 9 -N 3000 -D -x zero_keep "$sdir/file" >"$out" 2>"$err"
	rc=$?
	"$fsx" -S 9 -N 300 -Z -D "$sdir/file2" >"$dir/ok.log" 2>>"$err"
	rc2=$?
	rm -rf "$sdir"
	if [ $rc -eq 1 ] && [ $rc2 -eq 0 ] && clean &&
	   grep -q '(zero), seed 9: fallocate: Operation not supported (-F leaves' "$err"; then
		ok "an unsupported operation fails the run; left out it doesn't (tmpfs)"
	else
		not_ok "an unsupported operation fails the run; left out it doesn't (exit $rc, $rc2)"
	fi
else
	n=$((n + 1))
	echo "ok $n - an unsupported operation fails the run # SKIP no writable tmpfs at $shm"
fi

# 6: bad options
bad=0
for args in "-l 100 f" "-N x f" "-x nothing f" "-x write f" "-q f" "" "a b"; do
	# shellcheck disable=SC2086
	(cd "$dir" && "$fsx" $args) >"$out" 2>"$err"
	rc=$?
	[ $rc -eq 2 ] && clean || { bad=1; echo "# '$args' exited $rc"; }
done
if [ $bad -eq 0 ]; then
	ok "bad options exit 2"
else
	not_ok "bad options exit 2"
fi

[ $failed -eq 0 ]
