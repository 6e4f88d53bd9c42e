#!/bin/sh
# Run TAP test programs built with ASan/UBSan.
#
#   run-tests.sh TEST...
#
# Prints each program's TAP output.  Fails when a program exits non-zero,
# reports "not ok", runs a different number of tests than its plan says,
# or when a sanitizer wrote anything.

set -u

# ours last so they win over anything the caller set
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:abort_on_error=1"
UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1"
export ASAN_OPTIONS UBSAN_OPTIONS

programs=0
failed=0
total=0

for t in "$@"; do
	name=$(basename "$t")
	out="$t.tap"
	err="$t.stderr"
	programs=$((programs + 1))

	echo "# $name"
	"$t" >"$out" 2>"$err"
	rc=$?
	cat "$out"

	problems=""
	[ "$rc" -eq 0 ] || problems="$problems exit status $rc;"
	grep -q '^not ok' "$out" && problems="$problems failed tests;"
	grep -q '^Bail out!' "$out" && problems="$problems bailed out;"

	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$out" | tail -n 1)
	ran=$(grep -c -E '^(not )?ok [0-9]+' "$out")
	if [ -z "$plan" ]; then
		problems="$problems no plan;"
	elif [ "$plan" -ne "$ran" ]; then
		problems="$problems planned $plan but ran $ran;"
	fi

	if [ -s "$err" ]; then
		sed 's/^/# stderr: /' "$err"
		if grep -q -E 'Sanitizer|runtime error:|LeakSanitizer' "$err"; then
			problems="$problems sanitizer report;"
		fi
	fi

	total=$((total + ran))
	if [ -n "$problems" ]; then
		echo "# FAIL $name:$problems"
		failed=$((failed + 1))
	else
		echo "# PASS $name ($ran tests)"
	fi
done

if [ "$failed" -ne 0 ]; then
	echo "# FAILED: $failed of $programs test programs ($total tests run)"
	exit 1
fi
echo "# PASSED: $programs test programs, $total tests"
