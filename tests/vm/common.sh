# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the scripts that source this
# Shared settings for the VM harness scripts (sourced, not run).

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$VM_DIR/../.." && pwd)

# Built guest images live outside the repository and are reused across runs.
VM_CACHE=${SCOUTFS_VM_CACHE:-/var/cache/scoutfs-vm}
# Per-run scratch (disk images, sockets, consoles).  Not tmpfs: shared disks
# are opened with O_DIRECT (cache=none) so that guests see each other's writes.
VM_WORK_BASE=${SCOUTFS_VM_WORK:-/var/tmp}

die() { echo "${0##*/}: $*" >&2; exit 1; }

# Content hash of files: the cache key of whatever is built from them.
hash_files() { cat "$@" | sha256sum | cut -c1-16; }
