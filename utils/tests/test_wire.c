/*
 * Tests of the network message framing shared with the kernel: sizes,
 * round trips, and every malformed header or payload refused with its
 * own result.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/message.h"
#include "format/wire.h"
#include "tap.h"

#define FSID 0x0123456789abcdefULL

static unsigned char payload[SCOUTFS_NET_MAX_DATA_LEN];

static void make(struct scoutfs_net_header *hdr, uint32_t len)
{
	scoutfs_net_header_init(hdr, FSID, 77, 5, SCOUTFS_NET_CMD_LOCK, 0, 0, len);
	scoutfs_net_message_set_crc(hdr, payload);
}

static int check(const struct scoutfs_net_header *hdr)
{
	int ret = scoutfs_net_header_check(hdr, FSID);

	return ret ? ret : scoutfs_net_message_check_crc(hdr, payload);
}

static void test_layout(void)
{
	tap_is_int(sizeof(struct scoutfs_net_header), 40, "header is 40 bytes");
	tap_is_int(offsetof(struct scoutfs_net_header, data_len), 32, "data_len at 32");
	tap_is_int(offsetof(struct scoutfs_net_header, error), 39, "error at 39");
	tap_is_int(sizeof(struct scoutfs_net_greeting), 32, "greeting is 32 bytes");
	tap_is_int(offsetof(struct scoutfs_net_greeting, quorum_slot), 26,
		   "greeting quorum_slot at 26");
	tap_is_int(sizeof(struct scoutfs_net_greeting_response), 32,
		   "greeting response is 32 bytes");
	tap_is_int(offsetof(struct scoutfs_net_greeting_response, version), 24,
		   "greeting response version at 24");
}

static void test_round_trips(void)
{
	static const uint32_t lens[] = { 0, 1, 7, 4096, SCOUTFS_NET_MAX_DATA_LEN };
	struct scoutfs_net_header hdr;
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		make(&hdr, lens[i]);
		tap_is_int(check(&hdr), SCOUTFS_NET_OK, "a %u byte message checks", lens[i]);
	}
	scoutfs_net_header_init(&hdr, FSID, 1, 1, SCOUTFS_NET_CMD_GREETING,
				SCOUTFS_NET_FLAG_RESPONSE, SCOUTFS_NET_ERR_NOSPC, 0);
	scoutfs_net_message_set_crc(&hdr, payload);
	tap_is_int(check(&hdr), SCOUTFS_NET_OK, "a response may carry an error");
	tap_is_int(scoutfs_net_header_check(&hdr, 0), SCOUTFS_NET_OK,
		   "fsid 0 accepts any filesystem (a server before the greeting)");
}

static void test_refusals(void)
{
	struct scoutfs_net_header hdr;

	make(&hdr, 100);
	hdr.magic ^= 1;
	tap_is_int(check(&hdr), SCOUTFS_NET_BAD_MAGIC, "bad magic");

	make(&hdr, 100);
	hdr.version = SCOUTFS_NET_VERSION_MAX + 1;
	tap_is_int(check(&hdr), SCOUTFS_NET_BAD_VERSION, "newer version");
	hdr.version = 0;
	tap_is_int(check(&hdr), SCOUTFS_NET_BAD_VERSION, "version 0");

	make(&hdr, 100);
	hdr.fsid = cpu_to_le64(FSID + 1);
	tap_is_int(check(&hdr), SCOUTFS_NET_BAD_FSID, "another filesystem");

	make(&hdr, 100);
	hdr.data_len = cpu_to_le32(SCOUTFS_NET_MAX_DATA_LEN + 1);
	tap_is_int(scoutfs_net_header_check(&hdr, FSID), SCOUTFS_NET_BAD_LEN,
		   "oversized payload refused from the header alone");
	hdr.data_len = cpu_to_le32(UINT32_MAX);
	tap_is_int(scoutfs_net_header_check(&hdr, FSID), SCOUTFS_NET_BAD_LEN,
		   "a 4 GiB payload too");

	make(&hdr, 100);
	hdr.cmd = 0;
	tap_is_int(check(&hdr), SCOUTFS_NET_BAD_CMD, "command 0");
	hdr.cmd = SCOUTFS_NET_CMD_NR;
	tap_is_int(check(&hdr), SCOUTFS_NET_BAD_CMD, "unknown command");

	make(&hdr, 100);
	hdr.flags = 0x80;
	tap_is_int(check(&hdr), SCOUTFS_NET_BAD_FLAGS, "unknown flag");
	make(&hdr, 100);
	hdr.error = SCOUTFS_NET_ERR_IO;
	tap_is_int(check(&hdr), SCOUTFS_NET_BAD_FLAGS, "an error on a request");
	hdr.flags = SCOUTFS_NET_FLAG_RESPONSE;
	hdr.error = SCOUTFS_NET_ERR_NR;
	tap_is_int(check(&hdr), SCOUTFS_NET_BAD_FLAGS, "an unknown error");

	make(&hdr, 100);
	payload[50] ^= 0x10;
	tap_is_int(check(&hdr), SCOUTFS_NET_BAD_CRC, "a flipped payload bit");
	payload[50] ^= 0x10;
	hdr.id = cpu_to_le64(78);
	tap_is_int(check(&hdr), SCOUTFS_NET_BAD_CRC, "a changed header field");
}

/* random headers never crash the checks and are refused but by chance */
static void test_random(void)
{
	struct scoutfs_net_header hdr;
	unsigned int i, j, accepted = 0;

	srandom(42);
	for (i = 0; i < 100000; i++) {
		for (j = 0; j < sizeof(hdr); j++)
			((unsigned char *)&hdr)[j] = (unsigned char)random();
		if (i & 1)
			hdr.magic = cpu_to_le32(SCOUTFS_NET_MAGIC);
		if (scoutfs_net_header_check(&hdr, 0) == SCOUTFS_NET_OK &&
		    scoutfs_net_message_check_crc(&hdr, payload) == SCOUTFS_NET_OK)
			accepted++;
	}
	tap_is_int(accepted, 0, "100000 random headers are all refused");
}

int main(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (unsigned char)(i * 7 + 3);
	test_layout();
	test_round_trips();
	test_refusals();
	test_random();
	return tap_done();
}
