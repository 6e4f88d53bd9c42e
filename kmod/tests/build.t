#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side test of the kmod build, printing TAP.  For each supported
# kernel (../scripts/kver and ../scripts/kver smoke) that is installed it
# builds scoutfs.ko, checks what modinfo reports, checks the feature probe
# results, runs the sparse build and checks that builds are incremental.
# It also builds a standalone copy of kmod/, as dkms does.
#
# Run it with "make -C kmod check".  Exits non-zero if any test failed.

set -uo pipefail

KMOD=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KVER_SCRIPT=$KMOD/../scripts/kver

# Nothing from a calling make or the environment may steer the builds.
unset MAKEFLAGS MAKELEVEL MFLAGS KVER KDIR C V SCOUTFS_VERSION

LOGDIR=$(mktemp -d /tmp/scoutfs-kmod-check.XXXXXX)
trap 'rm -rf "$LOGDIR"' EXIT

nr=0
failed=0

pass() {
	nr=$((nr + 1))
	echo "ok $nr - $1"
}

fail() {
	nr=$((nr + 1))
	failed=$((failed + 1))
	echo "not ok $nr - $1"
}

skip() {
	nr=$((nr + 1))
	echo "ok $nr - $1 # SKIP $2"
}

# ok DESCRIPTION COMMAND...: a test that passes when the command succeeds.
ok() {
	local desc=$1

	shift
	if "$@"; then
		pass "$desc"
	else
		fail "$desc"
	fi
}

# Show the end of a log as TAP diagnostics.
diag_log() {
	tail -n 20 "$1" | sed 's/^/#   /'
}

# run_make LOG ARGS...: make in kmod/, output to LOG.  Succeeds when make
# succeeds and printed no compiler or sparse warning or error.
run_make() {
	local log=$1

	shift
	if ! make --no-print-directory -C "$KMOD" "$@" > "$log" 2>&1; then
		echo "# make $* failed:"
		diag_log "$log"
		return 1
	fi
	if grep -E '(warning|error):' "$log" > "$log.warn"; then
		echo "# make $* printed warnings:"
		sed 's/^/#   /' "$log.warn"
		return 1
	fi
	return 0
}

# probed KVER NAME: is KC_NAME defined in the kernel's probe results?
probed() {
	grep -qx "#define KC_$2 1" "$KMOD/build/$1/kcompat_probed.h"
}

# expect_probes KVER ROLE: the probe results that the project's kernels
# must give.  Debian's 6.1 has the 6.6 ctime accessors backported.
expect_probes() {
	local kver=$1
	local role=$2
	local name
	local want
	local bad=

	for name in MNT_IDMAP GENERIC_FILLATTR_REQUEST_MASK INODE_TIME_ACCESSORS \
		    GET_INODE_ACL POSIX_ACL_CHMOD_DENTRY BDEV_FILE_OPEN SHRINKER_ALLOC; do
		if [ "$role" = default ]; then
			want=absent
		else
			want=present
		fi
		if probed "$kver" "$name"; then
			[ "$want" = present ] || bad+=" KC_$name(present)"
		else
			[ "$want" = absent ] || bad+=" KC_$name(absent)"
		fi
	done
	probed "$kver" INODE_CTIME_ACCESSORS || bad+=" KC_INODE_CTIME_ACCESSORS(absent)"
	# the legacy ACL xattr handlers went away on the newer kernel
	if probed "$kver" POSIX_ACL_XATTR_HANDLER; then
		[ "$role" = default ] || bad+=" KC_POSIX_ACL_XATTR_HANDLER(present)"
	else
		[ "$role" != default ] || bad+=" KC_POSIX_ACL_XATTR_HANDLER(absent)"
	fi

	if [ -n "$bad" ]; then
		echo "# unexpected probe results for $kver:$bad"
		return 1
	fi
	return 0
}

modinfo_is() {
	local field=$1
	local want=$2
	local ko=$3
	local got

	got=$(modinfo -F "$field" "$ko" 2>/dev/null)
	if [ "$got" != "$want" ]; then
		echo "# modinfo $field: got '$got', want '$want'"
		return 1
	fi
	return 0
}

vermagic_is() {
	local kver=$1
	local ko=$2
	local got

	got=$(modinfo -F vermagic "$ko" 2>/dev/null)
	if [ "${got%% *}" != "$kver" ]; then
		echo "# vermagic: got '$got', want '$kver ...'"
		return 1
	fi
	return 0
}

no_recompile() {
	local log=$1

	if grep -E '^ *(CC|LD|PROBE) ' "$log"; then
		echo "# an unchanged tree was rebuilt"
		return 1
	fi
	return 0
}

version=$(make --no-print-directory -s -C "$KMOD" print-version)

declare -A kvers=()
for role in default smoke; do
	kvers[$role]=
	if [ -x "$KVER_SCRIPT" ]; then
		kvers[$role]=$("$KVER_SCRIPT" "$role" 2>/dev/null)
	fi
done

for role in default smoke; do
	kver=${kvers[$role]}
	if [ -z "$kver" ]; then
		skip "$role kernel: build" "not installed"
		continue
	fi

	log=$LOGDIR/$kver
	ko=$KMOD/build/$kver/scoutfs.ko

	if run_make "$log.build" KVER="$kver"; then
		pass "$kver: module builds without warnings"
	else
		fail "$kver: module builds without warnings"
		continue
	fi
	ok "$kver: scoutfs.ko is in build/$kver/" test -f "$ko"
	ok "$kver: vermagic matches" vermagic_is "$kver" "$ko"
	ok "$kver: license is GPL" modinfo_is license GPL "$ko"
	ok "$kver: version is $version" modinfo_is version "$version" "$ko"
	ok "$kver: fs-scoutfs alias for mount autoloading" \
		modinfo_is alias fs-scoutfs "$ko"
	ok "$kver: probe results are as expected for the $role kernel" \
		expect_probes "$kver" "$role"

	run_make "$log.rebuild" KVER="$kver"
	ok "$kver: rebuilding an unchanged tree does nothing" \
		no_recompile "$log.rebuild"

	cp "$KMOD/build/$kver/kcompat_probed.h" "$log.probed"
	ok "$kver: make probes succeeds" run_make "$log.probes" KVER="$kver" probes
	ok "$kver: rerunning the probes gives the same results" \
		cmp -s "$log.probed" "$KMOD/build/$kver/kcompat_probed.h"

	ok "$kver: sparse (C=1) build is clean" \
		run_make "$log.sparse" KVER="$kver" C=1
	if grep -q 'CHECK.*src/module\.c' "$log.sparse"; then
		pass "$kver: sparse checked the sources"
	else
		fail "$kver: sparse checked the sources"
	fi
done

# The probe results that must differ between the two kernels.
if [ -n "${kvers[default]}" ] && [ -n "${kvers[smoke]}" ] &&
   [ -f "$KMOD/build/${kvers[default]}/kcompat_probed.h" ] &&
   [ -f "$KMOD/build/${kvers[smoke]}/kcompat_probed.h" ]; then
	if ! probed "${kvers[default]}" MNT_IDMAP &&
	   probed "${kvers[smoke]}" MNT_IDMAP; then
		pass "mnt_idmap is absent on ${kvers[default]} and present on ${kvers[smoke]}"
	else
		fail "mnt_idmap is absent on ${kvers[default]} and present on ${kvers[smoke]}"
	fi
	if ! cmp -s "$KMOD/build/${kvers[default]}/scoutfs.ko" \
		    "$KMOD/build/${kvers[smoke]}/scoutfs.ko"; then
		pass "each kernel has its own scoutfs.ko"
	else
		fail "each kernel has its own scoutfs.ko"
	fi
else
	skip "probe results differ between kernels" "needs both kernels"
fi

# A lone copy of kmod/, as dkms builds it: no ../scripts/kver, KVER given,
# version from a VERSION file next to the Makefile.
kver=${kvers[default]:-${kvers[smoke]}}
if [ -n "$kver" ]; then
	copy=$LOGDIR/standalone/scoutfs-9.8.7
	mkdir -p "$copy"
	cp -r "$KMOD/Makefile" "$KMOD/Kbuild" "$KMOD/dkms.conf" "$KMOD/probes" \
		"$KMOD/scripts" "$KMOD/src" "$copy/"
	echo 9.8.7 > "$copy/VERSION"
	if make --no-print-directory -C "$copy" KVER="$kver" \
		> "$LOGDIR/standalone.log" 2>&1; then
		pass "standalone copy builds with KVER=$kver"
	else
		fail "standalone copy builds with KVER=$kver"
		diag_log "$LOGDIR/standalone.log"
	fi
	ok "standalone copy: version from its VERSION file" \
		modinfo_is version 9.8.7 "$copy/build/$kver/scoutfs.ko"
	dkms_version=$(cd "$LOGDIR" && bash -c '. "$1"; echo "$PACKAGE_VERSION"' \
		_ "$copy/dkms.conf")
	if [ "$dkms_version" = 9.8.7 ]; then
		pass "dkms.conf takes PACKAGE_VERSION from VERSION"
	else
		fail "dkms.conf takes PACKAGE_VERSION from VERSION (got '$dkms_version')"
	fi
	make --no-print-directory -C "$copy" clean > /dev/null 2>&1
	ok "make clean removes build/" test ! -e "$copy/build"
else
	skip "standalone copy builds" "no kernel installed"
fi

echo "1..$nr"
echo "$((nr - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
