#!/bin/sh
# Run in a guest with the filesystem mounted once: succeed if the metadata
# records exactly one mounted client, this mount, and log trees of no other
# mount (every dead mount was reclaimed).  Says what it found otherwise.
#
#   only_live_mount.sh [META]     (default /dev/scoutfs/meta)
meta=${1:-/dev/scoutfs/meta}
rid=$(cat /sys/fs/scoutfs/f.*/rid) || exit 1
# the tools read through the page cache: drop what the server changed
echo 3 > /proc/sys/vm/drop_caches
scoutfs print "$meta" | awk -v r="$rid" '
	$1 == "mounted" && $2 == "client:" && $3 == "rid" {
		if ($4 == r) live++; else { print "mounted client " $4 " is left"; bad++ }
	}
	$1 == "log_trees:" && $2 == "rid" && $3 != r { print "log tree of " $3 " is left"; bad++ }
	END {
		if (live != 1) { print "live rid " r " recorded " live + 0 " times"; bad++ }
		exit bad > 0
	}'
