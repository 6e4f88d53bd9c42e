/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_FORMAT_CRC32C_H_
#define _SCOUTFS_FORMAT_CRC32C_H_

#include "types.h"

/*
 * CRC32C (Castagnoli, reflected polynomial 0x82f63b78).
 *
 * scoutfs_crc32c_update() continues a crc without inverting it on the
 * way in or out, like the kernel's crc32c().  scoutfs_crc32c() is the
 * standard CRC32C of a buffer (start at ~0, invert the result), which is
 * 0xe3069283 for "123456789" and is what block headers store.
 */
__u32 scoutfs_crc32c_update(__u32 crc, const void *data, size_t len);
__u32 scoutfs_crc32c(const void *data, size_t len);

#endif
