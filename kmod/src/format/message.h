/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_FORMAT_MESSAGE_H_
#define _SCOUTFS_FORMAT_MESSAGE_H_

#include "wire.h"

/*
 * Results of checking a received message, in the order the checks are
 * made.  Anything but OK closes the connection: a peer that sends a
 * malformed message can't be trusted with the rest of the stream.
 */
enum scoutfs_net_result {
	SCOUTFS_NET_OK = 0,
	SCOUTFS_NET_BAD_MAGIC,		/* not a scoutfs message (or a lost frame) */
	SCOUTFS_NET_BAD_VERSION,	/* a protocol version we don't speak */
	SCOUTFS_NET_BAD_FSID,		/* for another filesystem */
	SCOUTFS_NET_BAD_LEN,		/* payload longer than any message */
	SCOUTFS_NET_BAD_CMD,		/* unknown command */
	SCOUTFS_NET_BAD_FLAGS,		/* unknown flags, or an error on a request */
	SCOUTFS_NET_BAD_CRC,		/* damaged header or payload */
	SCOUTFS_NET_NR_RESULTS,
};

/*
 * Everything about a header that can be checked before its payload is
 * read, so that a bogus length is refused before anything is buffered.
 * An fsid of 0 isn't checked (a server learns a client's fsid from its
 * greeting's header).
 */
int scoutfs_net_header_check(const struct scoutfs_net_header *hdr, __u64 fsid);

/* the crc over the header after its crc field and the payload */
int scoutfs_net_message_check_crc(const struct scoutfs_net_header *hdr,
				  const void *data);

/* fill in a header for data_len bytes of payload; the crc comes last */
void scoutfs_net_header_init(struct scoutfs_net_header *hdr, __u64 fsid,
			     __u64 id, __u64 seq, __u8 cmd, __u8 flags,
			     __u8 error, __u32 data_len);
void scoutfs_net_message_set_crc(struct scoutfs_net_header *hdr,
				 const void *data);

/* a short description of a result, never NULL */
const char *scoutfs_net_result_str(int result);

#endif
