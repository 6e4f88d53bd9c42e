#!/usr/bin/env bats
# Messaging between a mount's client and the leader's server over TCP
# (docs/wire.md): the mount connects and greets, malformed peers are
# cut off with one log line naming them and the failure, and none of it
# disturbs the mount's own connection.

load helpers

META=/dev/scoutfs/meta
DATA=/dev/scoutfs/data
PORT=47211
NET=tests/guest/lib/net_malformed.py

setup_file() {
	insmod "$SCOUTFS_KO"
	mkdir -p /mnt/test
	scoutfs mkfs -f -Q 0,127.0.0.1,$PORT "$META" "$DATA" >/dev/null
	dmesg -C
	mount -t scoutfs -o ro,metadev_path=$META,quorum_slot_nr=0,tcp_keepalive_timeout_ms=5000 \
		"$DATA" /mnt/test
}

teardown_file() {
	umount /mnt/test 2>/dev/null || true
	rmmod scoutfs
}

fsid() {
	od -An -tx8 -j $((65536 + 8)) -N8 "$META" | tr -d ' '
}

# wait up to 20 s for dmesg to contain $1
wait_dmesg() {
	local i
	for i in $(seq 200); do
		dmesg | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	echo "dmesg never said: $1" >&2
	dmesg | tail -n 20 >&2
	return 1
}

# run one case of net_malformed.py; sets $port to its connection's port
net_case() {
	run python3 "$NET" $PORT "$(fsid)" "$1"
	assert_success
	assert_line ok
	port=$(echo "$output" | sed -n 's/^port //p')
	[ -n "$port" ]
}

# the server closed the connection from $port saying $1
closed_saying() {
	wait_dmesg "scoutfs $(fsid): closing connection with 127.0.0.1:$port: $1"
	# exactly one line for the connection
	[ "$(dmesg | grep -c "closing connection with 127.0.0.1:$port:")" -eq 1 ]
}

@test "the mount's client connects to its server and greets it" {
	rid=$(cat /sys/fs/scoutfs/f.*/rid)
	wait_dmesg "scoutfs $(fsid): server: listening on 127.0.0.1:$PORT for term"
	wait_dmesg "scoutfs $(fsid): server: client rid $rid greeted from 127.0.0.1:"
	wait_dmesg "scoutfs $(fsid): connected to the server at 127.0.0.1:$PORT: term "
	run bash -c "dmesg | grep 'connected to the server at'"
	assert_output --regexp ": term [1-9][0-9]*, server rid $rid, protocol version 4\$"
	# one established connection each way, with keepalive running
	run ss -tnoH state established "( dport = :$PORT )"
	assert_success
	assert_output --partial "timer:(keepalive"
	[ "${#lines[@]}" -eq 1 ]
}

@test "a well-behaved peer greets, gets INVAL for a short request, inode numbers, says farewell" {
	net_case good_session
	rid=$(echo "$output" | sed -n 's/^rid //p')
	assert_line --regexp "^term [1-9][0-9]* server_rid $(cat /sys/fs/scoutfs/f.*/rid) version 4\$"
	wait_dmesg "server: client rid $rid greeted from 127.0.0.1:$port"
	wait_dmesg "server: client rid $rid said farewell"
	run bash -c "dmesg | grep 'closing connection with 127.0.0.1:$port'"
	assert_failure
}

@test "a greeting for another filesystem is answered with INVAL" {
	net_case wrong_fsid_greeting
	wait_dmesg "server: refusing greeting from 127.0.0.1:$port: it mounts filesystem"
}

@test "garbage bytes close the connection" {
	net_case garbage
	closed_saying "bad magic"
}

@test "a bad magic closes the connection" {
	net_case bad_magic
	closed_saying "bad magic"
}

@test "a bad checksum closes the connection" {
	net_case bad_crc
	closed_saying "checksum mismatch (cmd 1"
}

@test "an oversized data_len closes the connection before any payload" {
	net_case oversized
	closed_saying "payload too long (cmd 1 flags 0x0 data_len 65537)"
}

@test "an unknown command closes the connection" {
	net_case unknown_cmd
	closed_saying "unknown command (cmd 99"
}

@test "a truncated header closes the connection" {
	net_case truncated
	closed_saying "truncated header (20 of 40 bytes)"
}

@test "a response to an unknown request id closes the connection" {
	net_case unknown_response
	closed_saying "response to unknown request id 4242"
}

@test "a request followed by a huge stream closes the connection" {
	net_case huge_stream
	closed_saying "checksum mismatch (cmd 2 id 7 data_len 65536)"
}

@test "after the greeting a header with another fsid closes the connection" {
	net_case wrong_fsid_after_greeting
	closed_saying "wrong fsid"
}

@test "the mount's own connection survived all of it" {
	run bash -c "dmesg | grep -c 'connected to the server at'"
	assert_output 1
	run bash -c "dmesg | grep 'disconnected from the server'"
	assert_failure
	run ss -tnH state established "( dport = :$PORT )"
	[ "${#lines[@]}" -eq 1 ]
	# nothing left of the test connections
	run ss -tnH state established "( sport = :$PORT )"
	[ "${#lines[@]}" -eq 1 ]
}

@test "a client whose connection is killed reconnects and greets again" {
	rid=$(cat /sys/fs/scoutfs/f.*/rid)
	# abort the client's socket (RST to the server)
	ss -K dst 127.0.0.1 dport = :$PORT >/dev/null
	wait_dmesg "scoutfs $(fsid): disconnected from the server at 127.0.0.1:$PORT"
	wait_dmesg "server: client rid $rid greeted from 127.0.0.1:"
	wait_dmesg "(reconnected)"
	for i in $(seq 100); do
		[ "$(dmesg | grep -c 'connected to the server at')" -ge 2 ] && break
		sleep 0.1
	done
	run bash -c "dmesg | grep -c ': connected to the server at'"
	assert_output 2
	run ss -tnH state established "( dport = :$PORT )"
	[ "${#lines[@]}" -eq 1 ]
	# and the server still serves other peers
	net_case good_session
}

@test "unmounting just as the connection is killed still says farewell, after reconnecting" {
	rid=$(cat /sys/fs/scoutfs/f.*/rid)
	dmesg -C
	ss -K dst 127.0.0.1 dport = :$PORT >/dev/null
	umount /mnt/test
	run bash -c "dmesg | grep -E 'disconnected from the server|said farewell'"
	assert_line --index 0 --partial "disconnected from the server at 127.0.0.1:$PORT"
	assert_output --partial "server: client rid $rid said farewell"
	assert_output --partial "scoutfs $(fsid): said farewell to the server"
	# the mount comes back for the tests that follow
	mount -t scoutfs -o ro,metadev_path=$META,quorum_slot_nr=0 "$DATA" /mnt/test
	wait_dmesg ": connected to the server at 127.0.0.1:$PORT"
}

@test "unmount says farewell and closes everything" {
	rid=$(cat /sys/fs/scoutfs/f.*/rid)
	dmesg -C
	umount /mnt/test
	run dmesg
	assert_output --partial "server: client rid $rid said farewell"
	assert_output --partial "scoutfs $(fsid): said farewell to the server"
	assert_output --partial "scoutfs $(fsid): server: stopped"
	run ss -tanH "( sport = :$PORT or dport = :$PORT )"
	refute_output --partial ESTAB
	refute_output --partial LISTEN
}

@test "ten mount and unmount cycles connect every time and leave nothing behind" {
	for i in $(seq 10); do
		dmesg -C
		mount -t scoutfs -o ro,metadev_path=$META,quorum_slot_nr=0 "$DATA" /mnt/test
		wait_dmesg "connected to the server at 127.0.0.1:$PORT"
		umount /mnt/test
		run dmesg
		assert_output --partial "said farewell to the server"
	done
	rmmod scoutfs
	run grep -c '^scoutfs ' /proc/modules
	assert_output 0
	insmod "$SCOUTFS_KO"
}

@test "a mount without a server comes up and unmounts within a bounded time" {
	# slot 1 of three alone is no majority: nobody leads, the client keeps looking
	scoutfs mkfs -f -Q 0,127.0.0.1,$PORT -Q 1,127.0.0.1,$((PORT + 1)) \
		-Q 2,127.0.0.1,$((PORT + 2)) "$META" "$DATA" >/dev/null
	dmesg -C
	start=$(date +%s)
	mount -t scoutfs -o ro,metadev_path=$META,quorum_slot_nr=1 "$DATA" /mnt/test
	sleep 1
	# a stat would wait for a server to lock the root (as upstream's
	# does); -c unmounts without one
	umount -c /mnt/test
	[ $(( $(date +%s) - start )) -lt 10 ]
	run dmesg
	refute_output --partial "connected to the server"
	assert_output --partial "unmounting without a farewell to the server (-110)"
}
