#!/usr/bin/env bats
# The VM harness fails a run for every reason it promises to: a failing
# test, a timeout, and a kernel complaint on the console even when every
# test passed.  Runs on the host; each test boots a guest.

load ../cluster/helpers

RUN="$BATS_TEST_DIRNAME/../vm/run"
# These runs fail on purpose: keep their consoles out of the final scan.
unset SCOUTFS_CONSOLE_DIR

setup_file() {
	make -s -C "$BATS_TEST_DIRNAME/warn-module" KVER="$("$BATS_TEST_DIRNAME/../../scripts/kver")" >/dev/null
}

@test "a clean run passes" {
	run "$RUN" "$BATS_TEST_DIRNAME/guest/pass.bats"
	assert_success
	assert_line "ok 1 passes"
}

@test "a failing test fails the run" {
	run "$RUN" "$BATS_TEST_DIRNAME/guest/fail.bats"
	assert_failure
	assert_line "ok 1 passes"
	assert_line "not ok 2 fails on purpose"
}

@test "a kernel WARNING fails the run although every test passed" {
	run "$RUN" "$BATS_TEST_DIRNAME/guest/warn.bats"
	assert_failure
	assert_line "ok 1 load a module that warns"
	assert_output --partial "WARNING:"
	assert_output --partial "kernel complaints on the guest console"
}

@test "a test that hangs fails the run by timeout" {
	run "$RUN" --timeout 20 "$BATS_TEST_DIRNAME/guest/hang.bats"
	assert_failure
	assert_output --partial "TIMEOUT"
}

@test "the console scanner flags each kind of complaint" {
	local f=$BATS_TEST_TMPDIR/console
	for line in "BUG: kernel NULL pointer dereference, address: 0000000000000000" \
		"WARNING: CPU: 0 PID: 1 at fs/x.c:1 f+0x1/0x2" \
		"Oops: 0002 [#1] PREEMPT SMP NOPTI" \
		"general protection fault, probably for non-canonical address" \
		"INFO: task kworker/0:1:12 blocked for more than 30 seconds." \
		"WARNING: possible circular locking dependency detected" \
		"watchdog: BUG: soft lockup - CPU#0 stuck for 22s!"; do
		printf '[    1.0] boot\n[    2.0] %s\n' "$line" > "$f"
		run "$BATS_TEST_DIRNAME/../vm/scan-console" "$f"
		assert_failure
		assert_output --partial "$line"
	done
	printf '[    1.0] scoutfs: loaded\n' > "$f"
	run "$BATS_TEST_DIRNAME/../vm/scan-console" "$f"
	assert_success
}
