// SPDX-License-Identifier: GPL-2.0
/*
 * Framing and checking of network messages (docs/wire.md), shared by the
 * kernel's messaging and userspace tools and tests.
 */
#include "crc32c.h"
#include "message.h"

int scoutfs_net_header_check(const struct scoutfs_net_header *hdr, __u64 fsid)
{
	if (le32_to_cpu(hdr->magic) != SCOUTFS_NET_MAGIC)
		return SCOUTFS_NET_BAD_MAGIC;
	if (hdr->version < SCOUTFS_NET_VERSION_MIN || hdr->version > SCOUTFS_NET_VERSION_MAX)
		return SCOUTFS_NET_BAD_VERSION;
	if (fsid && le64_to_cpu(hdr->fsid) != fsid)
		return SCOUTFS_NET_BAD_FSID;
	if (le32_to_cpu(hdr->data_len) > SCOUTFS_NET_MAX_DATA_LEN)
		return SCOUTFS_NET_BAD_LEN;
	if (hdr->cmd == 0 || hdr->cmd >= SCOUTFS_NET_CMD_NR)
		return SCOUTFS_NET_BAD_CMD;
	if ((hdr->flags & ~SCOUTFS_NET_FLAGS_KNOWN) ||
	    hdr->error >= SCOUTFS_NET_ERR_NR ||
	    (hdr->error && !(hdr->flags & SCOUTFS_NET_FLAG_RESPONSE)))
		return SCOUTFS_NET_BAD_FLAGS;
	return SCOUTFS_NET_OK;
}

static __u32 message_crc(const struct scoutfs_net_header *hdr, const void *data)
{
	__u32 crc;

	crc = scoutfs_crc32c_update(~0U, (const char *)hdr + sizeof(hdr->crc),
				    sizeof(*hdr) - sizeof(hdr->crc));
	crc = scoutfs_crc32c_update(crc, data, le32_to_cpu(hdr->data_len));
	return ~crc;
}

int scoutfs_net_message_check_crc(const struct scoutfs_net_header *hdr,
				  const void *data)
{
	if (le32_to_cpu(hdr->crc) != message_crc(hdr, data))
		return SCOUTFS_NET_BAD_CRC;
	return SCOUTFS_NET_OK;
}

void scoutfs_net_header_init(struct scoutfs_net_header *hdr, __u64 fsid,
			     __u64 id, __u64 seq, __u8 cmd, __u8 flags,
			     __u8 error, __u32 data_len)
{
	hdr->crc = 0;
	hdr->magic = cpu_to_le32(SCOUTFS_NET_MAGIC);
	hdr->fsid = cpu_to_le64(fsid);
	hdr->id = cpu_to_le64(id);
	hdr->seq = cpu_to_le64(seq);
	hdr->data_len = cpu_to_le32(data_len);
	hdr->version = SCOUTFS_NET_VERSION;
	hdr->cmd = cmd;
	hdr->flags = flags;
	hdr->error = error;
}

void scoutfs_net_message_set_crc(struct scoutfs_net_header *hdr,
				 const void *data)
{
	hdr->crc = cpu_to_le32(message_crc(hdr, data));
}

const char *scoutfs_net_result_str(int result)
{
	static const char * const strs[] = {
		[SCOUTFS_NET_OK] = "ok",
		[SCOUTFS_NET_BAD_MAGIC] = "bad magic",
		[SCOUTFS_NET_BAD_VERSION] = "unsupported protocol version",
		[SCOUTFS_NET_BAD_FSID] = "wrong fsid",
		[SCOUTFS_NET_BAD_LEN] = "payload too long",
		[SCOUTFS_NET_BAD_CMD] = "unknown command",
		[SCOUTFS_NET_BAD_FLAGS] = "bad flags or error",
		[SCOUTFS_NET_BAD_CRC] = "checksum mismatch",
	};

	if (result < 0 || result >= SCOUTFS_NET_NR_RESULTS)
		return "unknown message check result";
	return strs[result];
}
