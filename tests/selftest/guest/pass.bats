#!/usr/bin/env bats
# Self-test input: a clean run.
@test "passes" {
	uname -r
}
