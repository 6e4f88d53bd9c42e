#!/usr/bin/env bats
# scoutfs mkfs on the guest's virtio disks.

load helpers

META=/dev/scoutfs/meta
DATA=/dev/scoutfs/data

@test "mkfs makes a filesystem on the virtio disks" {
	run scoutfs mkfs -f "$META" "$DATA" -Q 0,127.0.0.1,12345
	assert_success
	assert_output --partial "Created scoutfs filesystem"
	assert_output --partial "metadata device: $META, 262144 blocks of 64 KiB"
	assert_output --partial "data device:     $DATA, 8388608 blocks of 4 KiB"
	# the superblock magic is at byte 64 KiB + 4 of both devices
	run od -An -tx4 -j $((65536 + 4)) -N4 "$META"
	assert_output " b6d30ec8"
	run od -An -tx4 -j $((65536 + 4)) -N4 "$DATA"
	assert_output " b6d30ec8"
}

@test "mkfs refuses to overwrite without -f" {
	before=$(dd if="$META" bs=1M count=2 status=none | md5sum)
	run scoutfs mkfs "$META" "$DATA" -Q 0,127.0.0.1,12345
	assert_failure 1
	assert_output --partial "already holds a scoutfs filesystem"
	after=$(dd if="$META" bs=1M count=2 status=none | md5sum)
	assert_equal "$after" "$before"
}

@test "mkfs refuses a mounted device" {
	mkfs.ext4 -q -F /dev/scoutfs/scratch
	mount /dev/scoutfs/scratch /mnt/test
	run scoutfs mkfs -f "$META" /dev/scoutfs/scratch -Q 0,127.0.0.1,12345
	umount /mnt/test
	assert_failure 1
	assert_output --partial "/dev/scoutfs/scratch: device is in use"
}

@test "mkfs refuses a device that holds another filesystem" {
	mkfs.ext4 -q -F /dev/scoutfs/scratch
	run scoutfs mkfs "$META" /dev/scoutfs/scratch -Q 0,127.0.0.1,12345 -f
	assert_success
	mkfs.ext4 -q -F /dev/scoutfs/scratch
	run scoutfs mkfs -A /dev/scoutfs/scratch "$DATA" -Q 0,127.0.0.1,12345
	assert_failure 1
	assert_output --partial "already holds"
}

@test "mkfs --config takes this node's devices and the quorum slots" {
	cat > /tmp/cluster.yaml <<-YAML
	cluster:
	  name: guest
	devices:
	  metadata: /dev/vdz
	  data: /dev/vdy
	nodes:
	  - name: $(hostname)
	    address: 10.211.0.11
	    quorum_slot: 0
	    devices: { metadata: $META, data: $DATA }
	  - name: other
	    address: 10.211.0.12
	    quorum_slot: 1
	YAML
	run scoutfs config validate /tmp/cluster.yaml
	assert_success
	run scoutfs mkfs -f --config /tmp/cluster.yaml
	assert_success
	assert_output --partial "metadata device: $META"
	assert_output --partial "quorum slot 1    10.211.0.12:11111"
}

@test "a fresh filesystem on the virtio disks checks clean and prints" {
	scoutfs mkfs -f -Q 0,10.211.0.11,12345 -Q 1,fd00::2,12345 "$META" "$DATA" >/dev/null
	run scoutfs check "$META" "$DATA"
	assert_success
	assert_output --partial "clean"
	run scoutfs print "$META" "$DATA"
	assert_success
	assert_output --partial "slot 0: 10.211.0.11:12345"
	assert_output --partial "slot 1: [fd00::2]:12345"
	assert_output --partial "inode: mode 040755 (dir) nlink 2"
}

@test "check finds a corrupted block on the virtio disk" {
	scoutfs mkfs -f -Q 0,127.0.0.1,12345 "$META" "$DATA" >/dev/null
	# block 17 is the metadata allocator's tree
	printf '\xff' | dd of="$META" bs=1 seek=$((17 * 65536 + 1000)) conv=notrunc status=none
	run scoutfs check "$META" "$DATA"
	assert_failure 4
	assert_output --partial "block 17: checksum mismatch"
	assert_output --partial "problems found"
}

@test "the shipped example configuration drives mkfs (node3 sees /dev/vdb and /dev/vdc)" {
	[ "$(readlink -f "$META")" = /dev/vdb ] && [ "$(readlink -f "$DATA")" = /dev/vdc ]
	run scoutfs config validate utils/examples/cluster.yaml
	assert_success
	run scoutfs mkfs -f --config utils/examples/cluster.yaml --node node3
	assert_success
	assert_output --partial "fsid:            0123456789abcdef"
	assert_output --partial "quorum slot 2    [fd00::3]:11111"
	run scoutfs check /dev/vdb /dev/vdc
	assert_success
}
