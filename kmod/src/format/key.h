/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_FORMAT_KEY_H_
#define _SCOUTFS_FORMAT_KEY_H_

#include "format.h"

/* enough for any key printed by scoutfs_key_format(), with the NUL */
#define SCOUTFS_KEY_FORMAT_LEN	128

/* fill in every field of a key, zeroing the padding */
void scoutfs_key_set(struct scoutfs_key *key, __u8 zone, __u64 first,
		     __u8 type, __u64 second, __u64 third, __u8 fourth);
/* the smallest and the greatest possible keys */
void scoutfs_key_set_zeros(struct scoutfs_key *key);
void scoutfs_key_set_ones(struct scoutfs_key *key);

/*
 * Compare zone, first, type, second, third, fourth in that order, as
 * unsigned numbers.  Returns -1, 0 or 1.  Padding is not compared.
 */
int scoutfs_key_compare(const struct scoutfs_key *a,
			const struct scoutfs_key *b);

/*
 * Step to the next or previous possible key in sort order, treating
 * the fields as the digits of one number.  They return false, leaving
 * the smallest or greatest key, when the key wrapped around.
 */
bool scoutfs_key_inc(struct scoutfs_key *key);
bool scoutfs_key_dec(struct scoutfs_key *key);

/* a key that may be stored in a btree: non-zero zone and type, zero padding */
bool scoutfs_key_is_valid(const struct scoutfs_key *key);

/* zone and type names ("fs", "inode"), NULL when unknown */
const char *scoutfs_key_zone_name(__u8 zone);
const char *scoutfs_key_type_name(__u8 type);

/*
 * Print a key as zone.first.type.second.third.fourth, with the zone and
 * type by name when known ("fs.1.inode.0.0.0") and as zN/tN when not.
 * Returns what snprintf() returns.
 */
int scoutfs_key_format(char *buf, size_t size, const struct scoutfs_key *key);

/*
 * The 64-bit hash of directory entry and xattr names: FNV-1a 64 of the
 * bytes followed by the splitmix64 finalizer (docs/format.md).
 */
__u64 scoutfs_name_hash(const void *name, size_t len);

#endif
