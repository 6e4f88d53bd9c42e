# Loaded by host-side cluster bats files.
load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash
