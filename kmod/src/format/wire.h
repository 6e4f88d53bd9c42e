/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The network protocol between mounts and the server (docs/wire.md).
 *
 * Every message on a TCP connection is a struct scoutfs_net_header
 * followed by data_len bytes of payload.  Like the on-disk format, all
 * fields are little endian and fixed width, structs have no implicit
 * padding, and sizes are checked at compile time.  The header's crc
 * covers the header after the crc field and the payload, so a receiver
 * can trust nothing before it has checked the whole message.
 */
#ifndef _SCOUTFS_FORMAT_WIRE_H_
#define _SCOUTFS_FORMAT_WIRE_H_

#include "format.h"

#define SCOUTFS_NET_MAGIC		0x5c0f7e17U
/*
 * Bumped when a message changes incompatibly.  The greeting exchanges
 * versions; a peer speaking a version outside the receiver's range is
 * refused.
 */
#define SCOUTFS_NET_VERSION		4
#define SCOUTFS_NET_VERSION_MIN		4
#define SCOUTFS_NET_VERSION_MAX		4

/* the largest payload: big enough for any message, small enough to buffer */
#define SCOUTFS_NET_MAX_DATA_LEN	(64 * 1024)

/* commands: a request and its response carry the same cmd */
#define SCOUTFS_NET_CMD_GREETING	1	/* join: fsid, rid, version */
#define SCOUTFS_NET_CMD_ALLOC_INODES	2	/* a range of inode numbers */
#define SCOUTFS_NET_CMD_GET_LOG_TREES	3	/* the mount's log tree and allocators */
#define SCOUTFS_NET_CMD_COMMIT_LOG_TREES 4	/* record a committed log tree */
#define SCOUTFS_NET_CMD_LOCK		5	/* lock requests, grants, invalidations */
#define SCOUTFS_NET_CMD_FAREWELL	6	/* a clean unmount */
#define SCOUTFS_NET_CMD_GET_ROOTS	7	/* the trees readers merge */
#define SCOUTFS_NET_CMD_LOCK_RECOVERED	8	/* every held lock was resent */
#define SCOUTFS_NET_CMD_OPEN_MAP	9	/* which inodes mounts have in use */
#define SCOUTFS_NET_CMD_NR		10	/* commands are 1..NR-1 */

/* the message answers the request with the same id */
#define SCOUTFS_NET_FLAG_RESPONSE	0x01
#define SCOUTFS_NET_FLAGS_KNOWN		SCOUTFS_NET_FLAG_RESPONSE

/*
 * Errors in responses.  The wire carries its own small set, not the
 * sender's errno values, so peers of different architectures agree.
 */
#define SCOUTFS_NET_ERR_NONE		0
#define SCOUTFS_NET_ERR_INVAL		1	/* malformed or unexpected request */
#define SCOUTFS_NET_ERR_NOSPC		2	/* out of space */
#define SCOUTFS_NET_ERR_NOMEM		3	/* out of memory on the server */
#define SCOUTFS_NET_ERR_IO		4	/* the server's storage failed */
#define SCOUTFS_NET_ERR_STALE		5	/* the request's state is gone (e.g. fenced mount) */
#define SCOUTFS_NET_ERR_NR		6

#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wpadded"

/*
 * id: chosen by the requester, unique among its outstanding requests,
 *     echoed in the response.
 * seq: per-connection sender sequence number of this message, so that
 *     a resent message after a reconnect is recognized.
 */
struct scoutfs_net_header {
	__le32 crc;
	__le32 magic;
	__le64 fsid;
	__le64 id;
	__le64 seq;
	__le32 data_len;
	__u8 version;
	__u8 cmd;
	__u8 flags;
	__u8 error;
};

#pragma GCC diagnostic pop

SCOUTFS_CHECK_SIZE(struct scoutfs_net_header, 40);
SCOUTFS_CHECK_OFFSET(struct scoutfs_net_header, fsid, 8);
SCOUTFS_CHECK_OFFSET(struct scoutfs_net_header, id, 16);
SCOUTFS_CHECK_OFFSET(struct scoutfs_net_header, seq, 24);
SCOUTFS_CHECK_OFFSET(struct scoutfs_net_header, data_len, 32);
SCOUTFS_CHECK_OFFSET(struct scoutfs_net_header, version, 36);
SCOUTFS_CHECK_OFFSET(struct scoutfs_net_header, error, 39);

/*
 * GREETING: the first request on every connection, from the mount to
 * the server.  The header's fsid isn't checked by the server in this
 * first message; the payload's fsid is, against the server's own
 * superblock, so that a mount of another filesystem gets a clear
 * refusal rather than a closed connection.
 *
 * Payloads may grow new trailing fields that old receivers ignore, so
 * receivers accept payloads at least as long as the struct they know.
 * No flags are defined yet: senders set 0 and receivers refuse any.
 */
#define SCOUTFS_NET_GREETING_NO_SLOT	0xff	/* quorum_slot of a non-member */

#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wpadded"

struct scoutfs_net_greeting {
	__le64 fsid;
	__le64 rid;
	__le64 flags;
	__u8 version_min;
	__u8 version_max;
	__u8 quorum_slot;
	__u8 __pad[5];
};

struct scoutfs_net_greeting_response {
	__le64 server_term;
	__le64 server_rid;
	__le64 flags;
	__u8 version;
	__u8 __pad[7];
};

/*
 * ALLOC_INODES: a range of inode numbers never used before, first ..
 * first + nr - 1 (nr may be less than asked, never 0).
 */
struct scoutfs_net_alloc_inodes {
	__le64 want;
};

struct scoutfs_net_alloc_inodes_response {
	__le64 first;
	__le64 nr;
};

/*
 * GET_LOG_TREES (no request payload): the mount's open log tree, with
 * its metadata allocator topped up, and the version its next
 * transaction writes items with.
 */
struct scoutfs_net_log_trees_response {
	struct scoutfs_log_trees lt;
	__le64 seq;
};

/*
 * The trees readers merge, the fs tree and the log tree records, as of
 * one server commit: seq is that commit's superblock seq.  Answers to
 * concurrent requests can arrive in any order; a mount switches only to
 * roots at least as new as the ones it reads through.  GET_ROOTS (no
 * request payload) answers with the server's last commit's roots.  A
 * reader whose trees were merged and freed meanwhile (a block read
 * gives a stale seq) asks for them again.
 */
struct scoutfs_net_roots {
	struct scoutfs_btree_root fs_root;
	struct scoutfs_btree_root logs_root;
	__le64 seq;
};

/*
 * COMMIT_LOG_TREES: the request is the mount's committed struct
 * scoutfs_log_trees, blocks written and flushed.  The response is the
 * log tree of its next transaction (the same tree, or a new one when the
 * server finalized it) and its seq, and the roots readers merge after
 * the commit.
 */
struct scoutfs_net_commit_response {
	struct scoutfs_log_trees next;
	__le64 seq;
	struct scoutfs_net_roots roots;
};

/*
 * LOCK, in both directions.  Cluster locks cover a range of keys; every
 * lock has a fixed range (its start key names it).  Modes:
 *
 *  NULL        holds nothing
 *  READ        read the range's items; any number of mounts at once
 *  WRITE       read and write; one mount alone
 *  WRITE_ONLY  create and delete items without reading them (index
 *              items); any number of mounts at once, alone
 *
 * A mount's request (struct scoutfs_net_lock, mode = the mode it wants,
 * old_mode = what it holds) is answered when the lock is granted, with
 * struct scoutfs_net_lock_grant.  To grant it, the server first sends
 * each conflicting holder a request of its own (struct scoutfs_net_lock,
 * mode = what it may keep): the holder commits what it wrote under the
 * lock, drops what it read, and answers with no payload.  The grant
 * carries the trees' roots after those commits, and the version that
 * items written under a WRITE grant must carry at least.
 *
 * A mount that greets a new server resends its locks with
 * SCOUTFS_NET_LOCK_RECOVER: the server records them without conflict.
 * Then it sends LOCK_RECOVERED (no payload either way) on the same
 * connection.  A new server grants nothing until every mount recorded
 * as mounted when it started has sent LOCK_RECOVERED or was fenced, so
 * no grant can conflict with a lock it hasn't heard of yet.
 */
#define SCOUTFS_LOCK_NULL		0
#define SCOUTFS_LOCK_READ		1
#define SCOUTFS_LOCK_WRITE		2
#define SCOUTFS_LOCK_WRITE_ONLY		3
#define SCOUTFS_LOCK_NR_MODES		4

#define SCOUTFS_NET_LOCK_RECOVER	0x01

/*
 * Grant flags.  SOLE: when the lock was granted no other mount was
 * recorded as mounted, so none can hold an inode of the lock's range in
 * its cache until this mount gives the lock up (a mount reads an inode
 * only under a lock on it).
 */
#define SCOUTFS_NET_LOCK_GRANT_SOLE	0x01
#define SCOUTFS_NET_LOCK_GRANT_FLAGS	SCOUTFS_NET_LOCK_GRANT_SOLE

struct scoutfs_net_lock {
	struct scoutfs_key start;
	struct scoutfs_key end;
	__u8 mode;
	__u8 old_mode;
	__u8 flags;
	__u8 __pad[5];
};

struct scoutfs_net_lock_grant {
	struct scoutfs_key start;
	__le64 write_seq;
	struct scoutfs_net_roots roots;
	__u8 mode;
	__u8 flags;
	__u8 __pad[6];
};

/*
 * OPEN_MAP, in both directions: which inodes of one group of
 * SCOUTFS_OPEN_MAP_INODES consecutive inode numbers (group_nr = ino /
 * SCOUTFS_OPEN_MAP_INODES) are in use, one bit per inode, ino %
 * SCOUTFS_OPEN_MAP_INODES in bit (n % 64) of bits[n / 64].
 *
 * A mount asks the server before it deletes an inode without links;
 * the server asks every other mount recorded as mounted for its own
 * map (an inode is in use on a mount from the moment it starts reading
 * it into its cache until the cache has let it go) and answers with
 * their union.  INCOMPLETE: a recorded mount couldn't be asked (no
 * connection, or it dropped before answering), so the map may miss
 * inodes: the asker treats every inode of the group as in use.
 */
#define SCOUTFS_OPEN_MAP_INODES		1024
#define SCOUTFS_OPEN_MAP_WORDS		(SCOUTFS_OPEN_MAP_INODES / 64)
#define SCOUTFS_NET_OPEN_MAP_INCOMPLETE	0x01
#define SCOUTFS_NET_OPEN_MAP_FLAGS	SCOUTFS_NET_OPEN_MAP_INCOMPLETE

struct scoutfs_net_open_map_req {
	__le64 group_nr;
};

struct scoutfs_net_open_map {
	__le64 group_nr;
	__le32 flags;
	__le32 __pad;
	__le64 bits[SCOUTFS_OPEN_MAP_WORDS];
};

#pragma GCC diagnostic pop

SCOUTFS_CHECK_SIZE(struct scoutfs_net_roots, 56);
SCOUTFS_CHECK_SIZE(struct scoutfs_net_lock, 72);
SCOUTFS_CHECK_SIZE(struct scoutfs_net_lock_grant, 104);
SCOUTFS_CHECK_OFFSET(struct scoutfs_net_lock_grant, flags, 97);
SCOUTFS_CHECK_SIZE(struct scoutfs_net_open_map_req, 8);
SCOUTFS_CHECK_SIZE(struct scoutfs_net_open_map, 144);
SCOUTFS_CHECK_SIZE(struct scoutfs_net_alloc_inodes, 8);
SCOUTFS_CHECK_SIZE(struct scoutfs_net_alloc_inodes_response, 16);
SCOUTFS_CHECK_SIZE(struct scoutfs_net_log_trees_response, 216);
SCOUTFS_CHECK_SIZE(struct scoutfs_net_commit_response, 272);
SCOUTFS_CHECK_SIZE(struct scoutfs_net_greeting, 32);
SCOUTFS_CHECK_OFFSET(struct scoutfs_net_greeting, version_min, 24);
SCOUTFS_CHECK_OFFSET(struct scoutfs_net_greeting, quorum_slot, 26);
SCOUTFS_CHECK_SIZE(struct scoutfs_net_greeting_response, 32);
SCOUTFS_CHECK_OFFSET(struct scoutfs_net_greeting_response, version, 24);

#endif
