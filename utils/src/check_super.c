/*
 * Checks of the two superblocks, of how they agree, and of the quorum
 * configuration and blocks.  A metadata superblock that doesn't verify,
 * a pair of devices that don't belong together, or a format this
 * software doesn't understand stop the check: nothing else could be
 * trusted or understood.
 */
#include <stdio.h>
#include <string.h>

#include "check_internal.h"
#include "format/block.h"

#define META_WHERE "metadata device superblock"
#define DATA_WHERE "data device superblock"

#define U(x) ((unsigned long long)(x))

static void bad_super(struct check *c, const char *where,
		      const struct scoutfs_dev *dev, int result,
		      const union scoutfs_meta_small_block *blk)
{
	const struct scoutfs_block_header *hdr = &blk->super.hdr;

	switch (result) {
	case SCOUTFS_META_ERR_EOF:
		check_problem(c, where, "the device is too small to hold a superblock, expected at least %llu bytes, found %llu",
			      U(SCOUTFS_SUPER_OFFSET + SCOUTFS_SUPER_SIZE), U(dev->size));
		break;
	case SCOUTFS_BLOCK_ERR_MAGIC:
		check_problem(c, where, "wrong block magic (not a scoutfs device?), expected 0x%08x, found 0x%08x",
			      SCOUTFS_BLOCK_MAGIC_SUPER, le32_to_cpu(hdr->magic));
		break;
	case SCOUTFS_BLOCK_ERR_BLKNO:
		check_problem(c, where, "wrong block number, expected %llu, found %llu",
			      U(SCOUTFS_SUPER_BLKNO), U(le64_to_cpu(hdr->blkno)));
		break;
	default:
		check_problem(c, where, "%s", scoutfs_meta_result_str(result));
		break;
	}
}

static void check_nsec(struct check *c, const char *where, const char *what,
		       const struct scoutfs_timespec *ts)
{
	if (le32_to_cpu(ts->nsec) >= 1000000000U)
		check_problem(c, where, "%s nanoseconds, expected less than 1000000000, found %u",
			      what, le32_to_cpu(ts->nsec));
	if (!scoutfs_meta_is_zero(ts->__pad, sizeof(ts->__pad)))
		check_problem(c, where, "%s padding not zero", what);
}

/* the identity fields that the data device superblock copies */
static void check_identity(struct check *c, const struct scoutfs_super_block *ms,
			   const struct scoutfs_super_block *ds)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{ "fmt_vers", offsetof(struct scoutfs_super_block, fmt_vers) },
		{ "feat_compat", offsetof(struct scoutfs_super_block, feat_compat) },
		{ "feat_ro_compat", offsetof(struct scoutfs_super_block, feat_ro_compat) },
		{ "feat_incompat", offsetof(struct scoutfs_super_block, feat_incompat) },
		{ "total_meta_blocks", offsetof(struct scoutfs_super_block, total_meta_blocks) },
		{ "total_data_blocks", offsetof(struct scoutfs_super_block, total_data_blocks) },
	};
	union scoutfs_meta_small_block rest;
	__le64 a, b;
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		memcpy(&a, (const char *)ms + fields[i].off, sizeof(a));
		memcpy(&b, (const char *)ds + fields[i].off, sizeof(b));
		if (a != b)
			check_problem(c, DATA_WHERE, "%s differs from the metadata device's, expected %llu, found %llu",
				      fields[i].name, U(le64_to_cpu(a)), U(le64_to_cpu(b)));
	}
	if (memcmp(&ms->mkfs_time, &ds->mkfs_time, sizeof(ms->mkfs_time)) != 0)
		check_problem(c, DATA_WHERE, "mkfs_time differs from the metadata device's, expected %llu.%09u, found %llu.%09u",
			      U(le64_to_cpu(ms->mkfs_time.sec)), le32_to_cpu(ms->mkfs_time.nsec),
			      U(le64_to_cpu(ds->mkfs_time.sec)), le32_to_cpu(ds->mkfs_time.nsec));

	/* everything but the identity (and the header's crc, magic, fsid, blkno) is zero */
	memcpy(&rest, ds, sizeof(rest));
	memset(&rest.super.hdr, 0, offsetof(struct scoutfs_block_header, seq));
	rest.super.hdr.blkno = 0;
	rest.super.fmt_vers = 0;
	rest.super.feat_compat = 0;
	rest.super.feat_ro_compat = 0;
	rest.super.feat_incompat = 0;
	memset(rest.super.uuid, 0, sizeof(rest.super.uuid));
	rest.super.flags = 0;
	rest.super.total_meta_blocks = 0;
	rest.super.total_data_blocks = 0;
	memset(&rest.super.mkfs_time, 0, sizeof(rest.super.mkfs_time));
	for (i = 0; i < sizeof(rest); i++) {
		if (rest.bytes[i]) {
			check_problem(c, DATA_WHERE, "a field the data device doesn't use is not zero, expected 0, found 0x%02x at byte %zu",
				      rest.bytes[i], i);
			break;
		}
	}
}

static bool check_data_super(struct check *c)
{
	struct scoutfs_meta *m = &c->m;
	const struct scoutfs_super_block *ds = &m->dsuper.super;
	int pair;

	if (scoutfs_dev_same(&m->meta_dev, &m->data_dev)) {
		check_problem(c, "devices", "%s is given as both the metadata and the data device",
			      m->meta_dev.path);
		return false;
	}
	if (m->dsuper_result != SCOUTFS_BLOCK_OK) {
		bad_super(c, DATA_WHERE, &m->data_dev, m->dsuper_result, &m->dsuper);
		return true;
	}

	pair = scoutfs_meta_check_pair(m);
	switch (pair) {
	case SCOUTFS_META_PAIR_SWAPPED:
		check_problem(c, "devices", "%s", scoutfs_meta_pair_str(pair));
		return false;
	case SCOUTFS_META_PAIR_FSID:
		check_problem(c, "devices", "%s, expected fsid %016llx, found %016llx on the data device",
			      scoutfs_meta_pair_str(pair),
			      U(le64_to_cpu(c->super->hdr.fsid)), U(le64_to_cpu(ds->hdr.fsid)));
		return false;
	case SCOUTFS_META_PAIR_UUID:
		check_problem(c, "devices", "%s", scoutfs_meta_pair_str(pair));
		return false;
	}

	if (le64_to_cpu(ds->flags) != SCOUTFS_SUPER_FLAG_DATA_DEV)
		check_problem(c, DATA_WHERE, "flags, expected 0x%llx (data device), found 0x%llx",
			      U(SCOUTFS_SUPER_FLAG_DATA_DEV), U(le64_to_cpu(ds->flags)));
	check_identity(c, c->super, ds);
	return true;
}

static void check_totals(struct check *c)
{
	const struct scoutfs_super_block *s = c->super;
	__u64 meta = le64_to_cpu(s->total_meta_blocks);
	__u64 data = le64_to_cpu(s->total_data_blocks);
	__u64 dev_data;

	if (meta <= SCOUTFS_META_FIRST_BLKNO)
		check_problem(c, META_WHERE, "total_meta_blocks leaves no room after the reserved region, expected more than %llu, found %llu",
			      U(SCOUTFS_META_FIRST_BLKNO), U(meta));
	else if (meta > c->m.meta_dev_blocks)
		check_problem(c, META_WHERE, "total_meta_blocks is larger than the metadata device, expected at most %llu, found %llu",
			      U(c->m.meta_dev_blocks), U(meta));

	if (data <= SCOUTFS_DATA_FIRST_BLKNO)
		check_problem(c, META_WHERE, "total_data_blocks leaves no room after the reserved region, expected more than %llu, found %llu",
			      U(SCOUTFS_DATA_FIRST_BLKNO), U(data));
	if (c->m.data_dev.fd >= 0) {
		dev_data = c->m.data_dev.size >> SCOUTFS_DATA_BLOCK_SHIFT;
		if (data > dev_data)
			check_problem(c, META_WHERE, "total_data_blocks is larger than the data device, expected at most %llu, found %llu",
				      U(dev_data), U(data));
	}
}

bool check_supers(struct check *c)
{
	struct scoutfs_meta *m = &c->m;
	const struct scoutfs_super_block *s = c->super;
	__u64 incompat = le64_to_cpu(s->feat_incompat);
	__u64 ro_compat = le64_to_cpu(s->feat_ro_compat);
	__u64 vers = le64_to_cpu(s->fmt_vers);
	size_t i;

	if (m->super_result != SCOUTFS_BLOCK_OK) {
		bad_super(c, META_WHERE, &m->meta_dev, m->super_result, &m->super);
		return false;
	}
	if (m->data_dev.fd >= 0 && !check_data_super(c))
		return false;

	if (vers < SCOUTFS_FORMAT_VERSION_MIN || vers > SCOUTFS_FORMAT_VERSION_MAX) {
		check_problem(c, META_WHERE, "format version not supported, expected %llu to %llu, found %llu",
			      U(SCOUTFS_FORMAT_VERSION_MIN), U(SCOUTFS_FORMAT_VERSION_MAX), U(vers));
		return false;
	}
	if (incompat & ~SCOUTFS_FEAT_INCOMPAT_SUPP) {
		check_problem(c, META_WHERE, "unknown incompatible features, expected none of 0x%llx, found 0x%llx",
			      U(~SCOUTFS_FEAT_INCOMPAT_SUPP), U(incompat));
		return false;
	}
	if (ro_compat & ~SCOUTFS_FEAT_RO_COMPAT_SUPP)
		check_problem(c, META_WHERE, "unknown read-only compatible features, expected none of 0x%llx, found 0x%llx",
			      U(~SCOUTFS_FEAT_RO_COMPAT_SUPP), U(ro_compat));

	if (s->hdr.fsid == 0)
		check_problem(c, META_WHERE, "fsid is 0, expected a non-zero fsid");
	if (le64_to_cpu(s->flags) != SCOUTFS_SUPER_FLAG_META_DEV)
		check_problem(c, META_WHERE, "flags, expected 0x%llx (metadata device), found 0x%llx",
			      U(SCOUTFS_SUPER_FLAG_META_DEV), U(le64_to_cpu(s->flags)));
	for (i = sizeof(*s); i < sizeof(m->super); i++) {
		if (m->super.bytes[i]) {
			check_problem(c, META_WHERE, "bytes after the superblock struct not zero, expected 0, found 0x%02x at byte %zu",
				      m->super.bytes[i], i);
			break;
		}
	}
	check_totals(c);
	check_nsec(c, META_WHERE, "mkfs_time", &s->mkfs_time);

	c->next_seq = le64_to_cpu(s->next_seq);
	c->next_ino = le64_to_cpu(s->next_ino);
	if (c->next_ino < SCOUTFS_FIRST_INO)
		check_problem(c, META_WHERE, "next_ino below the first allocated inode number, expected at least %llu, found %llu",
			      U(SCOUTFS_FIRST_INO), U(c->next_ino));
	check_seq(c, META_WHERE, "header", le64_to_cpu(s->hdr.seq));

	for (i = 0; i < 2; i++) {
		if (le64_to_cpu(s->meta_alloc[i].flags) != SCOUTFS_ALLOC_FLAG_META)
			check_problem(c, META_WHERE, "meta_alloc[%zu] flags, expected 0x%x (metadata), found 0x%llx",
				      i, SCOUTFS_ALLOC_FLAG_META, U(le64_to_cpu(s->meta_alloc[i].flags)));
	}
	if (le64_to_cpu(s->data_alloc.flags) != SCOUTFS_ALLOC_FLAG_DATA)
		check_problem(c, META_WHERE, "data_alloc flags, expected 0x%x (data), found 0x%llx",
			      SCOUTFS_ALLOC_FLAG_DATA, U(le64_to_cpu(s->data_alloc.flags)));
	return true;
}

/* ------------------------------------------------------------- quorum */

static bool same_addr(const struct scoutfs_inet_addr *a, const struct scoutfs_inet_addr *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static void check_quorum_block(struct check *c, unsigned int slot)
{
	static const char *const names[SCOUTFS_QUORUM_EVENT_NR] = {
		"begin", "term", "vote", "elect", "fence", "stop", "end",
	};
	union scoutfs_meta_small_block blk;
	const struct scoutfs_quorum_event *ev;
	char where[64];
	char what[32];
	__u64 term;
	unsigned int i;
	int result;
	int ret;

	snprintf(where, sizeof(where), "quorum slot %u block (small block %llu)", slot,
		 U(SCOUTFS_QUORUM_SLOT_BLKNO(slot)));
	ret = scoutfs_meta_read_quorum(&c->m, slot, &blk, &result);
	if (ret < 0) {
		check_operational(c, "%s: reading the %s: %s", c->m.meta_dev.path, where,
				  strerror(-ret));
		return;
	}
	if (result == SCOUTFS_META_QUORUM_NEVER_WRITTEN)
		return;
	if (result != SCOUTFS_BLOCK_OK) {
		check_problem(c, where, "%s", scoutfs_meta_result_str(result));
		return;
	}

	term = le64_to_cpu(blk.quorum.term);
	for (i = 0; i < SCOUTFS_QUORUM_EVENT_NR; i++) {
		ev = &blk.quorum.events[i];
		if (le64_to_cpu(ev->term) > term)
			check_problem(c, where, "event %s has a term above the block's, expected at most %llu, found %llu",
				      names[i], U(term), U(le64_to_cpu(ev->term)));
		snprintf(what, sizeof(what), "event %s time", names[i]);
		check_nsec(c, where, what, &ev->ts);
	}
	if (!scoutfs_meta_is_zero(&blk.quorum + 1, sizeof(blk) - sizeof(blk.quorum)))
		check_problem(c, where, "bytes after the quorum block struct not zero");
}

void check_quorum(struct check *c)
{
	const struct scoutfs_quorum_config *qc = &c->super->quorum;
	const struct scoutfs_quorum_slot *slot;
	const struct scoutfs_inet_addr *a;
	unsigned int in_use = 0;
	char where[48];
	__u64 flags;
	__u16 family;
	unsigned int i, j;

	for (i = 0; i < SCOUTFS_QUORUM_MAX_SLOTS; i++) {
		slot = &qc->slots[i];
		a = &slot->addr;
		flags = le64_to_cpu(slot->flags);
		family = le16_to_cpu(a->family);
		snprintf(where, sizeof(where), "quorum config slot %u", i);

		if (flags & ~SCOUTFS_QUORUM_SLOT_IN_USE)
			check_problem(c, where, "unknown flags, expected at most 0x%llx, found 0x%llx",
				      U(SCOUTFS_QUORUM_SLOT_IN_USE), U(flags));
		if (!(flags & SCOUTFS_QUORUM_SLOT_IN_USE)) {
			if (!scoutfs_meta_is_zero(slot, sizeof(*slot)))
				check_problem(c, where, "not in use but not zero");
			continue;
		}
		in_use++;

		if (family != SCOUTFS_AF_IPV4 && family != SCOUTFS_AF_IPV6)
			check_problem(c, where, "address family, expected %u (IPv4) or %u (IPv6), found %u",
				      SCOUTFS_AF_IPV4, SCOUTFS_AF_IPV6, family);
		if (a->port == 0)
			check_problem(c, where, "port is 0, expected a port number");
		if (!scoutfs_meta_is_zero(a->__pad, sizeof(a->__pad)))
			check_problem(c, where, "address padding not zero");
		if (scoutfs_meta_is_zero(a->addr, sizeof(a->addr)))
			check_problem(c, where, "address is all zero, expected an address");
		else if (family == SCOUTFS_AF_IPV4 && !scoutfs_meta_is_zero(a->addr + 4, 12))
			check_problem(c, where, "IPv4 address with non-zero bytes after the first 4");
		for (j = 0; j < i; j++) {
			if ((le64_to_cpu(qc->slots[j].flags) & SCOUTFS_QUORUM_SLOT_IN_USE) &&
			    same_addr(a, &qc->slots[j].addr))
				check_problem(c, where, "same address and port as slot %u", j);
		}

		check_quorum_block(c, i);
	}

	if (in_use == 0)
		check_problem(c, "quorum config", "no slot is in use, expected at least one");
}
