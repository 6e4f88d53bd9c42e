#!/usr/bin/env bats
# Leader election with a single member (docs/quorum.md): the only slot
# elects itself at once, records its events in its quorum block, never
# reuses a term across mounts, and drops datagrams it can't trust.

load helpers

META=/dev/scoutfs/meta
DATA=/dev/scoutfs/data
PORT=12401
MNT=/mnt/quorum
OPTS=ro,metadev_path=$META,quorum_heartbeat_timeout_ms=2000

setup_file() {
	insmod "$SCOUTFS_KO"
	mkdir -p $MNT
	scoutfs mkfs -f -Q 0,127.0.0.1,$PORT "$META" "$DATA" >/dev/null
}

teardown_file() {
	umount $MNT 2>/dev/null || true
	rmmod scoutfs
}

# the mounted filesystem's quorum directory (the glob expands here)
qdir() {
	local d
	for d in /sys/fs/scoutfs/f.*/quorum; do echo "$d"; done
}

# status field NAME of the mounted filesystem
status_field() {
	awk -v n="$1" '$1 == n { print $2 }' "$(qdir)"/status
}

# wait up to $1 seconds for is_leader to read $2
wait_is_leader() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		[ "$(cat "$(qdir)"/is_leader)" = "$2" ] && return 0
		sleep 0.1
	done
	echo "is_leader stayed $(cat "$(qdir)"/is_leader); status:" >&2
	cat "$(qdir)"/status >&2
	return 1
}

# the term that slot 0's quorum block records for event $1
block_event_term() {
	scoutfs print "$META" | awk -v ev="$1:" '
		/^  slot 0 / { s = 1; next } /^  slot / { s = 0 }
		s && $1 == "event" && $2 == ev { print ($3 == "none" ? "none" : $6); exit }'
}

# send one quorum datagram to our port from a source port of our choice;
# the crc is right unless $6 says "badcrc"
send_msg() {
	python3 - "$@" <<-'EOF'
	import socket, struct, sys
	sys.path.insert(0, "/src/tests/guest/lib")
	from fixcrc import crc32c
	fsid, term, mtype, slot, sport = (int(a, 0) for a in sys.argv[1:6])
	body = struct.pack("<IQQBBB5x", 0x9a3c51e4, fsid, term, 1, mtype, slot)
	crc = crc32c(body)
	if len(sys.argv) > 6 and sys.argv[6] == "badcrc":
	    crc ^= 1
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("127.0.0.1", sport))
	s.sendto(struct.pack("<I", crc) + body, ("127.0.0.1", 12401))
	EOF
}

@test "the only slot elects itself immediately" {
	run mount -t scoutfs -o $OPTS,quorum_slot_nr=0 "$DATA" $MNT
	assert_success
	wait_is_leader 5 1
	assert_equal "$(status_field role)" leader
	assert_equal "$(status_field leader_slot)" 0
	assert_equal "$(status_field majority)" 1
	assert_equal "$(status_field term)" 1
	run dmesg
	assert_output --partial "quorum slot 0: leading term 1"
}

@test "the quorum block records the begin, term, vote and elect events" {
	assert_equal "$(block_event_term begin)" 0
	assert_equal "$(block_event_term term)" 1
	assert_equal "$(block_event_term vote)" 1
	assert_equal "$(block_event_term elect)" 1
	assert_equal "$(block_event_term stop)" none
	run scoutfs print "$META"
	assert_output --regexp "slot 0 \(small block 32\): ok"
	assert_output --regexp "event vote: rid [0-9a-f]{16} term 1 arg 0 "
}

@test "bad datagrams are dropped with a log line and change nothing" {
	fsid=0x$(cat /sys/fs/scoutfs/f.*/fsid)
	dmesg -C
	# a damaged message
	send_msg "$fsid" 100 3 0 40001 badcrc
	# a well formed heartbeat for a higher term, but not from slot 0's address
	send_msg "$fsid" 100 3 0 40002
	# another filesystem's message
	send_msg 0x1234 100 3 0 40003
	sleep 1
	run dmesg
	assert_output --partial "dropped a 32 byte datagram from 127.0.0.1:40001: checksum mismatch"
	assert_output --partial "dropped a message claiming slot 0 from 127.0.0.1:40002"
	assert_output --partial "wrong fsid"
	refute_output --partial "BUG"
	assert_equal "$(status_field term)" 1
	assert_equal "$(cat "$(qdir)"/is_leader)" 1
}

@test "unmount records stop and end; the next mount leads a higher term" {
	umount $MNT
	assert_equal "$(block_event_term stop)" 1
	assert_equal "$(block_event_term end)" 1

	run mount -t scoutfs -o $OPTS,quorum_slot_nr=0 "$DATA" $MNT
	assert_success
	wait_is_leader 5 1
	assert_equal "$(status_field term)" 2
	umount $MNT
	assert_equal "$(block_event_term elect)" 2
	assert_equal "$(block_event_term stop)" 2
	run scoutfs print "$META"
	# no previous leader was left running, so nothing was fenced
	assert_output --partial "event fence: none"
}

@test "a mount without a slot takes no part and never leads" {
	run mount -t scoutfs -o ro,metadev_path=$META "$DATA" $MNT
	assert_success
	assert_equal "$(cat "$(qdir)"/is_leader)" 0
	assert_equal "$(status_field role)" none
	assert_equal "$(status_field slot)" -1
	# without a server a stat would wait to lock the root: -c skips it
	umount -c $MNT
	# it wrote nothing: slot 0's block is as the last member left it
	assert_equal "$(block_event_term end)" 2
}

@test "a damaged quorum block of another slot is ignored, not trusted" {
	scoutfs mkfs -f -Q 0,127.0.0.1,$PORT -Q 1,127.0.0.1,$((PORT + 1)) "$META" "$DATA" >/dev/null
	# slot 1's block (small block 33): garbage
	head -c 4096 /dev/urandom | dd of="$META" bs=4096 seek=33 oflag=direct status=none
	dmesg -C
	run mount -t scoutfs -o $OPTS,quorum_slot_nr=0 "$DATA" $MNT
	assert_success
	# two slots: one vote is enough, after an election timeout
	wait_is_leader 10 1
	run dmesg
	assert_output --partial "ignoring quorum slot 1 block: checksum mismatch"
	umount $MNT
}

@test "a slot with an IPv6 address elects itself too" {
	scoutfs mkfs -f -Q 0,::1,$PORT "$META" "$DATA" >/dev/null
	run mount -t scoutfs -o $OPTS,quorum_slot_nr=0 "$DATA" $MNT
	assert_success
	wait_is_leader 5 1
	assert_equal "$(status_field term)" 1
	run ss -Hlun "sport = :$PORT"
	assert_output --partial "[::1]:$PORT"
	umount $MNT
	assert_equal "$(block_event_term stop)" 1
}

@test "the filesystem checks clean after all of this" {
	scoutfs mkfs -f -Q 0,127.0.0.1,$PORT "$META" "$DATA" >/dev/null
	mount -t scoutfs -o $OPTS,quorum_slot_nr=0 "$DATA" $MNT
	wait_is_leader 5 1
	umount $MNT
	run scoutfs check "$META" "$DATA"
	assert_success
	assert_output --partial clean
}
