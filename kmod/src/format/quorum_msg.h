/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The UDP datagrams that quorum members exchange to elect a leader
 * (docs/quorum.md).
 *
 * Every datagram is exactly one struct scoutfs_quorum_msg.  Like the
 * on-disk format it is little endian, fixed width and free of implicit
 * padding.  crc is the CRC32C of the bytes after the crc field, so a
 * receiver trusts nothing in a datagram before it has checked the crc.
 * The checks that need only the datagram itself are here, shared with
 * userspace; the receiver also checks that the sender's address is the
 * one configured for from_slot.
 */
#ifndef _SCOUTFS_FORMAT_QUORUM_MSG_H_
#define _SCOUTFS_FORMAT_QUORUM_MSG_H_

#include "types.h"
#include "format.h"
#include "crc32c.h"

#define SCOUTFS_QUORUM_MSG_MAGIC	0x9a3c51e4U
#define SCOUTFS_QUORUM_MSG_VERSION	1

/* message types */
#define SCOUTFS_QUORUM_MSG_REQUEST_VOTE	1	/* a candidate asks for votes in term */
#define SCOUTFS_QUORUM_MSG_VOTE		2	/* the sender voted for the receiver in term */
#define SCOUTFS_QUORUM_MSG_HEARTBEAT	3	/* the sender leads term */
#define SCOUTFS_QUORUM_MSG_HEARTBEAT_ACK 4	/* the sender follows the receiver in term */
#define SCOUTFS_QUORUM_MSG_TYPE_NR	5	/* types are 1..NR-1 */

#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wpadded"

struct scoutfs_quorum_msg {
	__le32 crc;
	__le32 magic;
	__le64 fsid;
	__le64 term;
	__u8 version;
	__u8 type;
	__u8 from_slot;
	__u8 __pad[5];
};

#pragma GCC diagnostic pop

SCOUTFS_CHECK_SIZE(struct scoutfs_quorum_msg, 32);
SCOUTFS_CHECK_OFFSET(struct scoutfs_quorum_msg, magic, 4);
SCOUTFS_CHECK_OFFSET(struct scoutfs_quorum_msg, fsid, 8);
SCOUTFS_CHECK_OFFSET(struct scoutfs_quorum_msg, term, 16);
SCOUTFS_CHECK_OFFSET(struct scoutfs_quorum_msg, version, 24);
SCOUTFS_CHECK_OFFSET(struct scoutfs_quorum_msg, type, 25);
SCOUTFS_CHECK_OFFSET(struct scoutfs_quorum_msg, from_slot, 26);

/* results of scoutfs_quorum_msg_check(), in the order the checks are made */
enum scoutfs_quorum_msg_result {
	SCOUTFS_QUORUM_MSG_OK = 0,
	SCOUTFS_QUORUM_MSG_BAD_SIZE,	/* datagram isn't one message */
	SCOUTFS_QUORUM_MSG_BAD_CRC,	/* damaged */
	SCOUTFS_QUORUM_MSG_BAD_MAGIC,	/* not a quorum message */
	SCOUTFS_QUORUM_MSG_BAD_VERSION,	/* a version we don't speak */
	SCOUTFS_QUORUM_MSG_BAD_FSID,	/* for another filesystem */
	SCOUTFS_QUORUM_MSG_BAD_TYPE,	/* unknown type */
	SCOUTFS_QUORUM_MSG_BAD_SLOT,	/* from_slot out of range */
	SCOUTFS_QUORUM_MSG_BAD_PAD,	/* padding not zero */
	SCOUTFS_QUORUM_MSG_BAD_TERM,	/* term 0 is never valid */
	SCOUTFS_QUORUM_MSG_NR_RESULTS,
};

static inline __u32 scoutfs_quorum_msg_calc_crc(const struct scoutfs_quorum_msg *msg)
{
	return scoutfs_crc32c((const char *)msg + sizeof(msg->crc),
			      sizeof(*msg) - sizeof(msg->crc));
}

/* fill in a whole message, crc included */
static inline void scoutfs_quorum_msg_init(struct scoutfs_quorum_msg *msg,
					   __u64 fsid, __u64 term, __u8 type,
					   __u8 from_slot)
{
	memset(msg, 0, sizeof(*msg));
	msg->magic = cpu_to_le32(SCOUTFS_QUORUM_MSG_MAGIC);
	msg->fsid = cpu_to_le64(fsid);
	msg->term = cpu_to_le64(term);
	msg->version = SCOUTFS_QUORUM_MSG_VERSION;
	msg->type = type;
	msg->from_slot = from_slot;
	msg->crc = cpu_to_le32(scoutfs_quorum_msg_calc_crc(msg));
}

/*
 * Check a received datagram of len bytes.  Returns a
 * SCOUTFS_QUORUM_MSG_ result.
 */
static inline int scoutfs_quorum_msg_check(const void *buf, size_t len, __u64 fsid)
{
	const struct scoutfs_quorum_msg *msg = buf;
	unsigned int i;

	if (len != sizeof(*msg))
		return SCOUTFS_QUORUM_MSG_BAD_SIZE;
	if (le32_to_cpu(msg->crc) != scoutfs_quorum_msg_calc_crc(msg))
		return SCOUTFS_QUORUM_MSG_BAD_CRC;
	if (le32_to_cpu(msg->magic) != SCOUTFS_QUORUM_MSG_MAGIC)
		return SCOUTFS_QUORUM_MSG_BAD_MAGIC;
	if (msg->version != SCOUTFS_QUORUM_MSG_VERSION)
		return SCOUTFS_QUORUM_MSG_BAD_VERSION;
	if (le64_to_cpu(msg->fsid) != fsid)
		return SCOUTFS_QUORUM_MSG_BAD_FSID;
	if (msg->type == 0 || msg->type >= SCOUTFS_QUORUM_MSG_TYPE_NR)
		return SCOUTFS_QUORUM_MSG_BAD_TYPE;
	if (msg->from_slot >= SCOUTFS_QUORUM_MAX_SLOTS)
		return SCOUTFS_QUORUM_MSG_BAD_SLOT;
	for (i = 0; i < sizeof(msg->__pad); i++) {
		if (msg->__pad[i])
			return SCOUTFS_QUORUM_MSG_BAD_PAD;
	}
	if (msg->term == 0)
		return SCOUTFS_QUORUM_MSG_BAD_TERM;
	return SCOUTFS_QUORUM_MSG_OK;
}

/* a short description of a result, never NULL */
static inline const char *scoutfs_quorum_msg_result_str(int result)
{
	static const char * const strs[] = {
		[SCOUTFS_QUORUM_MSG_OK] = "ok",
		[SCOUTFS_QUORUM_MSG_BAD_SIZE] = "wrong size",
		[SCOUTFS_QUORUM_MSG_BAD_CRC] = "checksum mismatch",
		[SCOUTFS_QUORUM_MSG_BAD_MAGIC] = "bad magic",
		[SCOUTFS_QUORUM_MSG_BAD_VERSION] = "unsupported version",
		[SCOUTFS_QUORUM_MSG_BAD_FSID] = "wrong fsid",
		[SCOUTFS_QUORUM_MSG_BAD_TYPE] = "unknown type",
		[SCOUTFS_QUORUM_MSG_BAD_SLOT] = "sender slot out of range",
		[SCOUTFS_QUORUM_MSG_BAD_PAD] = "padding not zero",
		[SCOUTFS_QUORUM_MSG_BAD_TERM] = "term 0",
	};

	if (result < 0 || result >= SCOUTFS_QUORUM_MSG_NR_RESULTS)
		return "unknown result";
	return strs[result];
}

#endif
