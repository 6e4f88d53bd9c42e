#!/usr/bin/env bats
# Self-test input: one passing and one failing test.
@test "passes" {
	true
}

@test "fails on purpose" {
	[ 1 -eq 2 ]
}
