#!/bin/sh
# Plays the fence agent in a guest (docs/fencing.md): the requests are
# the directories /sys/fs/scoutfs/*/fence/<rid>/.
#
#   fence_agent.sh list           one line per request:
#                                 rid reason fenced error ipv4_addr elapsed_secs
#   fence_agent.sh confirm [RID]  write 1 to fenced of every undecided request
#                                 (or only RID's) and print each rid confirmed
#   fence_agent.sh fail RID       write 1 to error of RID's request
#   fence_agent.sh run            confirm requests as they appear, until killed
#
# A real agent would first make sure the mount can't write any more (power
# off its node); in tests the mount's VM is already dead.

req_dirs() {
	for d in /sys/fs/scoutfs/*/fence/*; do
		[ -f "$d/rid" ] && echo "$d"
	done
}

case "$1" in
list)
	for d in $(req_dirs); do
		echo "$(cat "$d/rid") $(cat "$d/reason") $(cat "$d/fenced") $(cat "$d/error")" \
			"$(cat "$d/ipv4_addr") $(cat "$d/elapsed_secs")"
	done
	;;
confirm)
	for d in $(req_dirs); do
		[ -z "$2" ] || [ "$(cat "$d/rid")" = "$2" ] || continue
		[ "$(cat "$d/fenced")" = 0 ] && [ "$(cat "$d/error")" = 0 ] || continue
		# it may have been withdrawn meanwhile
		echo 1 2>/dev/null > "$d/fenced" && basename "$d"
	done
	;;
fail)
	for d in $(req_dirs); do
		[ "$(cat "$d/rid")" = "$2" ] && echo 1 > "$d/error"
	done
	;;
run)
	while :; do
		"$0" confirm >/dev/null 2>&1
		sleep 0.2
	done
	;;
*)
	echo "usage: $0 list | confirm [RID] | fail RID | run" >&2
	exit 2
	;;
esac
