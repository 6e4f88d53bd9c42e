// SPDX-License-Identifier: GPL-2.0
/*
 * Key construction, comparison, stepping, printing and name hashing.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#else
#include <stdio.h>
#endif

#include "key.h"

void scoutfs_key_set(struct scoutfs_key *key, __u8 zone, __u64 first,
		     __u8 type, __u64 second, __u64 third, __u8 fourth)
{
	memset(key, 0, sizeof(*key));
	key->sk_zone = zone;
	key->sk_first = cpu_to_le64(first);
	key->sk_type = type;
	key->sk_second = cpu_to_le64(second);
	key->sk_third = cpu_to_le64(third);
	key->sk_fourth = fourth;
}

void scoutfs_key_set_zeros(struct scoutfs_key *key)
{
	scoutfs_key_set(key, 0, 0, 0, 0, 0, 0);
}

void scoutfs_key_set_ones(struct scoutfs_key *key)
{
	scoutfs_key_set(key, 0xff, ~0ULL, 0xff, ~0ULL, ~0ULL, 0xff);
}

static int cmp_u64(__u64 a, __u64 b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

int scoutfs_key_compare(const struct scoutfs_key *a,
			const struct scoutfs_key *b)
{
	int cmp;

	cmp = cmp_u64(a->sk_zone, b->sk_zone);
	if (!cmp)
		cmp = cmp_u64(le64_to_cpu(a->sk_first), le64_to_cpu(b->sk_first));
	if (!cmp)
		cmp = cmp_u64(a->sk_type, b->sk_type);
	if (!cmp)
		cmp = cmp_u64(le64_to_cpu(a->sk_second), le64_to_cpu(b->sk_second));
	if (!cmp)
		cmp = cmp_u64(le64_to_cpu(a->sk_third), le64_to_cpu(b->sk_third));
	if (!cmp)
		cmp = cmp_u64(a->sk_fourth, b->sk_fourth);

	return cmp;
}

/*
 * Each step changes one field, least significant first, and carries
 * into the next field only when this one wrapped.
 */
bool scoutfs_key_inc(struct scoutfs_key *key)
{
	if (++key->sk_fourth != 0)
		return true;
	le64_add_cpu(&key->sk_third, 1);
	if (key->sk_third != 0)
		return true;
	le64_add_cpu(&key->sk_second, 1);
	if (key->sk_second != 0)
		return true;
	if (++key->sk_type != 0)
		return true;
	le64_add_cpu(&key->sk_first, 1);
	if (key->sk_first != 0)
		return true;
	return ++key->sk_zone != 0;
}

bool scoutfs_key_dec(struct scoutfs_key *key)
{
	if (key->sk_fourth-- != 0)
		return true;
	le64_add_cpu(&key->sk_third, -1ULL);
	if (le64_to_cpu(key->sk_third) != ~0ULL)
		return true;
	le64_add_cpu(&key->sk_second, -1ULL);
	if (le64_to_cpu(key->sk_second) != ~0ULL)
		return true;
	if (key->sk_type-- != 0)
		return true;
	le64_add_cpu(&key->sk_first, -1ULL);
	if (le64_to_cpu(key->sk_first) != ~0ULL)
		return true;
	return key->sk_zone-- != 0;
}

bool scoutfs_key_is_valid(const struct scoutfs_key *key)
{
	size_t i;

	for (i = 0; i < sizeof(key->__sk_pad); i++) {
		if (key->__sk_pad[i] != 0)
			return false;
	}

	return key->sk_zone != 0 && key->sk_type != 0;
}

const char *scoutfs_key_zone_name(__u8 zone)
{
	switch (zone) {
	case SCOUTFS_INODE_INDEX_ZONE:		return "index";
	case SCOUTFS_XATTR_TOTL_ZONE:		return "totl";
	case SCOUTFS_QUOTA_ZONE:		return "quota";
	case SCOUTFS_ORPHAN_ZONE:		return "orphan";
	case SCOUTFS_FS_ZONE:			return "fs";
	case SCOUTFS_SRCH_ZONE:			return "srch";
	case SCOUTFS_LOG_TREES_ZONE:		return "logtrees";
	case SCOUTFS_MOUNTED_CLIENT_ZONE:	return "mounted";
	case SCOUTFS_FREE_EXTENT_ZONE:		return "free";
	}
	return NULL;
}

const char *scoutfs_key_type_name(__u8 type)
{
	switch (type) {
	case SCOUTFS_INODE_INDEX_META_SEQ_TYPE:	return "metaseq";
	case SCOUTFS_INODE_INDEX_DATA_SEQ_TYPE:	return "dataseq";
	case SCOUTFS_XATTR_TOTL_TYPE:		return "totl";
	case SCOUTFS_ORPHAN_TYPE:		return "orphan";
	case SCOUTFS_INODE_TYPE:		return "inode";
	case SCOUTFS_XATTR_TYPE:		return "xattr";
	case SCOUTFS_SYMLINK_TYPE:		return "symlink";
	case SCOUTFS_DIRENT_TYPE:		return "dirent";
	case SCOUTFS_READDIR_TYPE:		return "readdir";
	case SCOUTFS_LINK_BACKREF_TYPE:		return "backref";
	case SCOUTFS_DATA_EXTENT_TYPE:		return "extent";
	case SCOUTFS_SRCH_TYPE:			return "srch";
	case SCOUTFS_LOG_TREES_TYPE:		return "logtrees";
	case SCOUTFS_MOUNTED_CLIENT_TYPE:	return "mounted";
	case SCOUTFS_FREE_BLKNO_TYPE:		return "blkno";
	case SCOUTFS_FREE_LEN_TYPE:		return "len";
	}
	return NULL;
}

int scoutfs_key_format(char *buf, size_t size, const struct scoutfs_key *key)
{
	const char *zone = scoutfs_key_zone_name(key->sk_zone);
	const char *type = scoutfs_key_type_name(key->sk_type);
	char zbuf[8];
	char tbuf[8];

	if (!zone) {
		snprintf(zbuf, sizeof(zbuf), "z%u", key->sk_zone);
		zone = zbuf;
	}
	if (!type) {
		snprintf(tbuf, sizeof(tbuf), "t%u", key->sk_type);
		type = tbuf;
	}

	return snprintf(buf, size, "%s.%llu.%s.%llu.%llu.%u", zone,
			(unsigned long long)le64_to_cpu(key->sk_first), type,
			(unsigned long long)le64_to_cpu(key->sk_second),
			(unsigned long long)le64_to_cpu(key->sk_third),
			key->sk_fourth);
}

#define FNV64_OFFSET	0xcbf29ce484222325ULL
#define FNV64_PRIME	0x00000100000001b3ULL

__u64 scoutfs_name_hash(const void *name, size_t len)
{
	const unsigned char *p = name;
	__u64 h = FNV64_OFFSET;

	while (len-- > 0) {
		h ^= *p++;
		h *= FNV64_PRIME;
	}

	/* spread every input bit over the whole result */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;

	return h;
}
