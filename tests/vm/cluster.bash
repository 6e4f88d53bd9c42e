# shellcheck shell=bash
# Host-side helpers for tests that drive several guests (source from bats).
#
#   cluster_start N       boot N guests (vm1..vmN) sharing the test disks,
#                         on a private bridge in a network namespace of their
#                         own; vmI has address $(vm_ip I)
#   vm_exec I CMD...      run a shell command in vmI; its output and status
#   vm_kill I             SIGKILL vmI's qemu: a node crash
#   vm_start I            boot vmI again (after vm_kill) and wait for it
#   net_cut I / net_restore I   unplug / replug vmI's network
#   cluster_stop          power everything off, remove the namespace, and
#                         fail if any guest console shows a kernel complaint
#
# Settings: KVER (kernel, default scripts/kver), SCOUTFS_CONSOLE_DIR
# (where consoles are copied for the final scan of `make check`).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLUSTER_NET=10.211.0	# /24 on a bridge with no uplink, inside the namespace

vm_ip() { echo "$CLUSTER_NET.$((10 + $1))"; }

cluster_start() {
	local n=$1 i
	CLUSTER_KVER=$("$REPO/scripts/kver")
	CLUSTER_N=$n
	mkdir -p "$VM_WORK_BASE"
	CLUSTER_DIR=$(mktemp -d "$VM_WORK_BASE/scoutfs-cluster.XXXXXX")
	CLUSTER_NS=scoutfs-${CLUSTER_DIR##*.}
	export CLUSTER_KVER CLUSTER_N CLUSTER_DIR CLUSTER_NS
	vm_images "$CLUSTER_KVER"
	vm_make_disks "$CLUSTER_DIR"

	ip netns add "$CLUSTER_NS"
	ip -n "$CLUSTER_NS" link add br0 type bridge
	ip -n "$CLUSTER_NS" link set br0 up
	for ((i = 1; i <= n; i++)); do
		ip -n "$CLUSTER_NS" tuntap add dev "tap$i" mode tap
		ip -n "$CLUSTER_NS" link set "tap$i" master br0 up
	done
	# Serial boots: each guest's startup is CPU bound under emulation.
	for ((i = 1; i <= n; i++)); do
		vm_launch "$i"
	done
	for ((i = 1; i <= n; i++)); do
		vm_wait_ready "$i" || return 1
	done
}

vm_launch() {
	local i=$1 cmd
	mapfile -d '' cmd < <(VM_KVER=$CLUSTER_KVER vm_qemu_cmd "vm$i" "$CLUSTER_DIR" \
		"$CLUSTER_DIR" agent "scoutfs.ip=$(vm_ip "$i")/24" "tap$i")
	rm -f "$CLUSTER_DIR/agent-vm$i.sock"
	# where this boot's console output starts (vm_wait_ready)
	stat -c %s "$CLUSTER_DIR/console-vm$i.log" 2>/dev/null > "$CLUSTER_DIR/vm$i.con-off" ||
		echo 0 > "$CLUSTER_DIR/vm$i.con-off"
	setsid ip netns exec "$CLUSTER_NS" "${cmd[@]}" \
		>> "$CLUSTER_DIR/qemu-vm$i.log" 2>&1 < /dev/null &
	echo $! > "$CLUSTER_DIR/vm$i.pid"
	disown
}

vm_pid() { cat "$CLUSTER_DIR/vm$1.pid" 2>/dev/null; }

vm_running() {
	local pid
	pid=$(vm_pid "$1") && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# A guest that never reaches its agent while booting (seen rarely under
# emulation: an idle vCPU's timer that never fires, and the boot stalls)
# is booted once more, before any scoutfs code ran in that boot: what its
# console printed during the hung boot is reported and kept aside in
# console-vmI.boot-hung-N (not scanned as a test's console); a second
# hang fails.
vm_wait_ready() {
	local i=$1 con off n
	con=$CLUSTER_DIR/console-vm$i.log
	"$VM_DIR/agent-exec" "$CLUSTER_DIR/agent-vm$i.sock" --wait-ready 60 -- true && return 0
	off=$(cat "$CLUSTER_DIR/vm$i.con-off" 2>/dev/null || echo 0)
	if [ -z "${VM_BOOT_RETRIED:-}" ] && ! tail -c +$((off + 1)) "$con" | grep -q 'scoutfs:'; then
		n=$(find "$CLUSTER_DIR" -name "console-vm$i.boot-hung-*" | wc -l)
		kill -9 "$(vm_pid "$i")" 2>/dev/null
		while vm_running "$i"; do sleep 0.1; done
		tail -c +$((off + 1)) "$con" > "$CLUSTER_DIR/console-vm$i.boot-hung-$n"
		truncate -s "$off" "$con"
		echo "# vm$i hung while booting, before any scoutfs code ran; booting it again" \
			"(its console: console-vm$i.boot-hung-$n)" >&2
		tail -n 3 "$CLUSTER_DIR/console-vm$i.boot-hung-$n" | sed 's/^/#   /' >&2
		if [ -n "${SCOUTFS_CONSOLE_DIR:-}" ]; then
			mkdir -p "$SCOUTFS_CONSOLE_DIR"
			cp "$CLUSTER_DIR/console-vm$i.boot-hung-$n" \
				"$SCOUTFS_CONSOLE_DIR/${CLUSTER_DIR##*/}-vm$i.boot-hung-$n"
		fi
		vm_launch "$i"
		VM_BOOT_RETRIED=1 vm_wait_ready "$i" && return 0
	fi
	echo "vm$i did not come up; console tail:" >&2
	tail -n 30 "$con" >&2
	return 1
}

vm_exec() {
	local i=$1
	shift
	"$VM_DIR/agent-exec" "$CLUSTER_DIR/agent-vm$i.sock" \
		--timeout "${VM_EXEC_TIMEOUT:-300}" -- "$@"
}

vm_kill() {
	local pid
	pid=$(vm_pid "$1") || return 1
	kill -9 "$pid" 2>/dev/null
	# setsid made the ip-netns-exec'd qemu the process itself (exec chain).
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	echo "=== harness: vm$1 killed (SIGKILL) ===" >> "$CLUSTER_DIR/console-vm$1.log"
}

vm_start() {
	vm_running "$1" && return 0
	vm_launch "$1"
	vm_wait_ready "$1"
}

net_cut() { ip -n "$CLUSTER_NS" link set "tap$1" down; }
net_restore() { ip -n "$CLUSTER_NS" link set "tap$1" up; }

cluster_stop() {
	local i status=0 pid
	[ -n "${CLUSTER_DIR:-}" ] && [ -d "$CLUSTER_DIR" ] || return 0
	for ((i = 1; i <= CLUSTER_N; i++)); do
		vm_running "$i" || continue
		# A clean power off; anything still running after it is killed.
		timeout 20 "$VM_DIR/agent-exec" "$CLUSTER_DIR/agent-vm$i.sock" --timeout 10 \
			-- 'sync; echo o > /proc/sysrq-trigger' >/dev/null 2>&1
	done
	for ((i = 1; i <= CLUSTER_N; i++)); do
		pid=$(vm_pid "$i") || continue
		timeout 20 tail --pid="$pid" -f /dev/null || kill -9 "$pid" 2>/dev/null
	done
	ip netns del "$CLUSTER_NS" 2>/dev/null
	if [ -n "${SCOUTFS_CONSOLE_DIR:-}" ]; then
		mkdir -p "$SCOUTFS_CONSOLE_DIR"
		for ((i = 1; i <= CLUSTER_N; i++)); do
			cp "$CLUSTER_DIR/console-vm$i.log" \
				"$SCOUTFS_CONSOLE_DIR/${CLUSTER_DIR##*/}-vm$i.log" 2>/dev/null
		done
	fi
	"$VM_DIR/scan-console" "$CLUSTER_DIR"/console-vm*.log >&2 || status=1
	[ -n "${SCOUTFS_KEEP:-}" ] || rm -rf "$CLUSTER_DIR"
	return $status
}
