#!/usr/bin/env bats
# Self-test input: the test itself passes, but the kernel prints a WARNING.
@test "load a module that warns" {
	insmod "/src/tests/selftest/warn-module/build/$(uname -r)/scoutfs_selftest_warn.ko"
	rmmod scoutfs_selftest_warn
}
