#!/usr/bin/env bats
# Self-test input: a test that never finishes.
@test "hangs on purpose" {
	sleep 100000
}
