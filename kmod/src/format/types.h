/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Portability layer for the code shared by the kernel module and the
 * userspace utilities.
 *
 * The files in kmod/src/format/ are compiled twice: by kbuild into
 * scoutfs.ko and by utils/Makefile into the scoutfs command and its
 * tests.  They include only this header for their basic types, so that
 * the same source compiles in both places:
 *
 *  - fixed width and explicitly little endian types: __u8 .. __u64 and
 *    __le16 .. __le64 (sparse checks the endian annotations in the kernel)
 *  - le16_to_cpu() .. cpu_to_le64() and le64_add_cpu()
 *  - offsetof(), bool, size_t, memcpy()/memset()/memcmp(), errno values
 *  - SCOUTFS_STATIC_ASSERT(), SCOUTFS_CHECK_SIZE(), SCOUTFS_CHECK_OFFSET()
 *
 * In userspace the __u and __le typedefs come from the uapi header
 * <linux/types.h>, so that they never conflict with other kernel uapi
 * headers (ioctl definitions and the like) that the utilities include.
 * Byte swapping comes from <endian.h>, or from compiler builtins when
 * <endian.h> doesn't provide it (strict -std=c11 without _DEFAULT_SOURCE).
 */
#ifndef _SCOUTFS_FORMAT_TYPES_H_
#define _SCOUTFS_FORMAT_TYPES_H_

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <asm/byteorder.h>

#else /* userspace */

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>

/*
 * <endian.h> only declares le64toh() and friends with _DEFAULT_SOURCE
 * (or _GNU_SOURCE); without them, swap with the compiler's builtins.
 */
#if !defined(le64toh)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define le16toh(x) ((__u16)(x))
#define le32toh(x) ((__u32)(x))
#define le64toh(x) ((__u64)(x))
#else
#define le16toh(x) __builtin_bswap16(x)
#define le32toh(x) __builtin_bswap32(x)
#define le64toh(x) __builtin_bswap64(x)
#endif
#define htole16(x) le16toh(x)
#define htole32(x) le32toh(x)
#define htole64(x) le64toh(x)
#endif

static inline __u16 le16_to_cpu(__le16 v) { return le16toh(v); }
static inline __u32 le32_to_cpu(__le32 v) { return le32toh(v); }
static inline __u64 le64_to_cpu(__le64 v) { return le64toh(v); }
static inline __le16 cpu_to_le16(__u16 v) { return htole16(v); }
static inline __le32 cpu_to_le32(__u32 v) { return htole32(v); }
static inline __le64 cpu_to_le64(__u64 v) { return htole64(v); }

static inline void le16_add_cpu(__le16 *var, __u16 val)
{
	*var = cpu_to_le16(le16_to_cpu(*var) + val);
}

static inline void le32_add_cpu(__le32 *var, __u32 val)
{
	*var = cpu_to_le32(le32_to_cpu(*var) + val);
}

static inline void le64_add_cpu(__le64 *var, __u64 val)
{
	*var = cpu_to_le64(le64_to_cpu(*var) + val);
}

#endif /* __KERNEL__ */

/*
 * _Static_assert is a C11 keyword that both the kernel (gnu11) and the
 * utilities (c11) compile with, so no header is needed for it.
 */
#define SCOUTFS_STATIC_ASSERT(expr) _Static_assert(expr, #expr)

/* the on-disk size of a struct, as documented in docs/format.md */
#define SCOUTFS_CHECK_SIZE(type, size) \
	SCOUTFS_STATIC_ASSERT(sizeof(type) == (size))

/* the offset of a field within an on-disk struct */
#define SCOUTFS_CHECK_OFFSET(type, member, off) \
	SCOUTFS_STATIC_ASSERT(offsetof(type, member) == (off))

#endif
