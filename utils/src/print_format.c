/*
 * Text for on-disk structures.  Values are printed as they are on disk,
 * whatever they hold: this is what an administrator looks at when
 * something is wrong, so nothing is hidden or corrected.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <uuid/uuid.h>

#include "format/key.h"
#include "meta.h"
#include "parse.h"
#include "print_format.h"

#define U(x) ((unsigned long long)(x))
#define L64(x) U(le64_to_cpu(x))

const char *scoutfs_print_addr(char *buf, const struct scoutfs_inet_addr *addr)
{
	struct scoutfs_addr a = { 0 };
	char s[SCOUTFS_INET_STRLEN];
	__u16 family = le16_to_cpu(addr->family);

	a.port = le16_to_cpu(addr->port);
	memcpy(a.addr, addr->addr, sizeof(a.addr));
	if (family == SCOUTFS_AF_IPV4 || family == SCOUTFS_AF_IPV6) {
		a.family = family == SCOUTFS_AF_IPV4 ? AF_INET : AF_INET6;
		snprintf(buf, SCOUTFS_PRINT_ADDR_LEN, "%s", scoutfs_inet_str(&a, s));
	} else if (family == SCOUTFS_AF_NONE) {
		snprintf(buf, SCOUTFS_PRINT_ADDR_LEN, "none");
	} else {
		snprintf(buf, SCOUTFS_PRINT_ADDR_LEN, "unknown family %u port %u",
			 family, a.port);
	}
	return buf;
}

/* "1700000000.123456789 (2023-11-14 22:13:20 UTC)" */
static void print_time(FILE *f, const struct scoutfs_timespec *ts)
{
	time_t sec = (time_t)(int64_t)le64_to_cpu(ts->sec);
	char buf[64] = "";
	struct tm tm;

	if (gmtime_r(&sec, &tm))
		strftime(buf, sizeof(buf), " (%Y-%m-%d %H:%M:%S UTC)", &tm);
	fprintf(f, "%lld.%09u%s", (long long)(int64_t)le64_to_cpu(ts->sec),
		le32_to_cpu(ts->nsec), buf);
}

void scoutfs_print_block_header(FILE *f, const char *indent,
				const struct scoutfs_block_header *hdr)
{
	fprintf(f, "%scrc 0x%08x magic 0x%08x fsid %016llx seq %llu blkno %llu\n",
		indent, le32_to_cpu(hdr->crc), le32_to_cpu(hdr->magic),
		L64(hdr->fsid), L64(hdr->seq), L64(hdr->blkno));
}

static void print_size(FILE *f, __u64 blocks, unsigned int shift)
{
	double gib = (double)blocks * (double)(1ULL << shift) / (double)(1ULL << 30);

	fprintf(f, "%llu (%.1f GiB)\n", U(blocks), gib);
}

static void print_root(FILE *f, const char *indent, const char *name,
		       const struct scoutfs_btree_root *root)
{
	fprintf(f, "%s%s: ref %llu.%llu height %u\n", indent, name,
		L64(root->ref.blkno), L64(root->ref.seq), root->height);
}

static void print_alloc_root(FILE *f, const char *indent, const char *name,
			     const struct scoutfs_alloc_root *ar)
{
	__u64 flags = le64_to_cpu(ar->flags);

	fprintf(f, "%s%s: total_len %llu flags 0x%llx%s ref %llu.%llu height %u\n",
		indent, name, L64(ar->total_len), U(flags),
		flags == SCOUTFS_ALLOC_FLAG_META ? " (meta)" :
		flags == SCOUTFS_ALLOC_FLAG_DATA ? " (data)" : "",
		L64(ar->root.ref.blkno), L64(ar->root.ref.seq), ar->root.height);
}

static void print_list_head(FILE *f, const char *indent, const char *name,
			    const struct scoutfs_alloc_list_head *lh)
{
	fprintf(f, "%s%s: ref %llu.%llu total_nr %llu first_nr %u flags 0x%x\n",
		indent, name, L64(lh->ref.blkno), L64(lh->ref.seq),
		L64(lh->total_nr), le32_to_cpu(lh->first_nr),
		le32_to_cpu(lh->flags));
}

void scoutfs_print_super(FILE *f, const char *indent,
			 const struct scoutfs_super_block *s)
{
	char addr[SCOUTFS_PRINT_ADDR_LEN];
	char uuid[37];
	__u64 flags = le64_to_cpu(s->flags);
	const struct scoutfs_quorum_slot *slot;
	unsigned int i;

	uuid_unparse(s->uuid, uuid);
	scoutfs_print_block_header(f, indent, &s->hdr);
	fprintf(f, "%sfmt_vers: %llu\n", indent, L64(s->fmt_vers));
	fprintf(f, "%sfeat_compat: 0x%llx\n", indent, L64(s->feat_compat));
	fprintf(f, "%sfeat_ro_compat: 0x%llx\n", indent, L64(s->feat_ro_compat));
	fprintf(f, "%sfeat_incompat: 0x%llx\n", indent, L64(s->feat_incompat));
	fprintf(f, "%suuid: %s\n", indent, uuid);
	fprintf(f, "%sflags: 0x%llx%s\n", indent, U(flags),
		flags == SCOUTFS_SUPER_FLAG_META_DEV ? " (meta_dev)" :
		flags == SCOUTFS_SUPER_FLAG_DATA_DEV ? " (data_dev)" : "");
	fprintf(f, "%stotal_meta_blocks: ", indent);
	print_size(f, le64_to_cpu(s->total_meta_blocks), SCOUTFS_META_BLOCK_SHIFT);
	fprintf(f, "%stotal_data_blocks: ", indent);
	print_size(f, le64_to_cpu(s->total_data_blocks), SCOUTFS_DATA_BLOCK_SHIFT);
	fprintf(f, "%snext_ino: %llu\n", indent, L64(s->next_ino));
	fprintf(f, "%snext_seq: %llu\n", indent, L64(s->next_seq));
	fprintf(f, "%smkfs_time: ", indent);
	print_time(f, &s->mkfs_time);
	fputc('\n', f);

	fprintf(f, "%squorum config: version %llu\n", indent, L64(s->quorum.version));
	for (i = 0; i < SCOUTFS_QUORUM_MAX_SLOTS; i++) {
		slot = &s->quorum.slots[i];
		/* unused slots are zero; show any that aren't */
		if (!slot->flags && !slot->addr.family && !slot->addr.port)
			continue;
		fprintf(f, "%s  slot %u: %s flags 0x%llx%s\n", indent, i,
			scoutfs_print_addr(addr, &slot->addr), L64(slot->flags),
			le64_to_cpu(slot->flags) == SCOUTFS_QUORUM_SLOT_IN_USE ?
			" (in_use)" : "");
	}

	print_root(f, indent, "fs_root", &s->fs_root);
	print_root(f, indent, "logs_root", &s->logs_root);
	print_root(f, indent, "mounted_clients_root", &s->mounted_clients_root);
	print_root(f, indent, "srch_root", &s->srch_root);
	print_alloc_root(f, indent, "meta_alloc[0]", &s->meta_alloc[0]);
	print_alloc_root(f, indent, "meta_alloc[1]", &s->meta_alloc[1]);
	print_alloc_root(f, indent, "data_alloc", &s->data_alloc);
	print_list_head(f, indent, "server_meta_avail[0]", &s->server_meta_avail[0]);
	print_list_head(f, indent, "server_meta_avail[1]", &s->server_meta_avail[1]);
	print_list_head(f, indent, "server_meta_freed[0]", &s->server_meta_freed[0]);
	print_list_head(f, indent, "server_meta_freed[1]", &s->server_meta_freed[1]);
}

void scoutfs_print_quorum_block(FILE *f, const char *indent,
				const struct scoutfs_quorum_block *qb)
{
	static const char *const names[SCOUTFS_QUORUM_EVENT_NR] = {
		"begin", "term", "vote", "elect", "fence", "stop", "end",
	};
	const struct scoutfs_quorum_event *ev;
	unsigned int i;

	scoutfs_print_block_header(f, indent, &qb->hdr);
	fprintf(f, "%sterm: %llu\n", indent, L64(qb->term));
	for (i = 0; i < SCOUTFS_QUORUM_EVENT_NR; i++) {
		ev = &qb->events[i];
		if (scoutfs_meta_is_zero(ev, sizeof(*ev))) {
			fprintf(f, "%sevent %s: none\n", indent, names[i]);
			continue;
		}
		fprintf(f, "%sevent %s: rid %016llx term %llu arg %llu ts ", indent,
			names[i], L64(ev->rid), L64(ev->term), L64(ev->arg));
		print_time(f, &ev->ts);
		fputc('\n', f);
	}
}

void scoutfs_print_hex(FILE *f, const char *indent, const void *buf,
		       unsigned int len)
{
	const unsigned char *p = buf;
	unsigned int i;

	for (i = 0; i < len; i++) {
		if (i % 16 == 0)
			fprintf(f, "%s%04x:", indent, i);
		fprintf(f, " %02x", p[i]);
		if (i % 16 == 15 || i == len - 1)
			fputc('\n', f);
	}
}

/* a name with anything unprintable escaped */
static void print_name(FILE *f, const unsigned char *name, unsigned int len)
{
	unsigned int i;

	fputc('\'', f);
	for (i = 0; i < len; i++) {
		if (isprint(name[i]) && name[i] != '\'' && name[i] != '\\')
			fputc(name[i], f);
		else
			fprintf(f, "\\x%02x", name[i]);
	}
	fputc('\'', f);
}

static const char *mode_type_str(__u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:	return "file";
	case S_IFDIR:	return "dir";
	case S_IFLNK:	return "symlink";
	case S_IFCHR:	return "chr";
	case S_IFBLK:	return "blk";
	case S_IFIFO:	return "fifo";
	case S_IFSOCK:	return "sock";
	}
	return "unknown type";
}

static void print_inode(FILE *f, const char *indent, const struct scoutfs_inode *ino)
{
	__u32 mode = le32_to_cpu(ino->mode);

	fprintf(f, "%sinode: mode 0%o (%s) nlink %u uid %u gid %u size %llu rdev 0x%llx flags 0x%llx\n",
		indent, mode, mode_type_str(mode), le32_to_cpu(ino->nlink),
		le32_to_cpu(ino->uid), le32_to_cpu(ino->gid), L64(ino->size),
		L64(ino->rdev), L64(ino->flags));
	fprintf(f, "%s  meta_seq %llu data_seq %llu data_version %llu online_blocks %llu offline_blocks %llu\n",
		indent, L64(ino->meta_seq), L64(ino->data_seq), L64(ino->data_version),
		L64(ino->online_blocks), L64(ino->offline_blocks));
	fprintf(f, "%s  next_readdir_pos %llu next_xattr_id %llu proj %llu\n", indent,
		L64(ino->next_readdir_pos), L64(ino->next_xattr_id), L64(ino->proj));
	fprintf(f, "%s  atime ", indent);
	print_time(f, &ino->atime);
	fprintf(f, "\n%s  mtime ", indent);
	print_time(f, &ino->mtime);
	fprintf(f, "\n%s  ctime ", indent);
	print_time(f, &ino->ctime);
	fprintf(f, "\n%s  crtime ", indent);
	print_time(f, &ino->crtime);
	fputc('\n', f);
}

static void print_dirent(FILE *f, const char *indent, const struct scoutfs_dirent *d,
			 unsigned int val_len)
{
	fprintf(f, "%sdirent: ino %llu hash 0x%016llx pos %llu type %u name ", indent,
		L64(d->ino), L64(d->hash), L64(d->pos), d->type);
	print_name(f, d->name, val_len - (unsigned int)sizeof(*d));
	fputc('\n', f);
}

static void print_log_trees(FILE *f, const char *indent, const struct scoutfs_log_trees *lt)
{
	fprintf(f, "%slog_trees: rid %016llx nr %llu trans_seq %llu max_item_seq %llu flags 0x%llx%s\n",
		indent, L64(lt->rid), L64(lt->nr), L64(lt->trans_seq),
		L64(lt->max_item_seq), L64(lt->flags),
		le64_to_cpu(lt->flags) & SCOUTFS_LOG_TREES_FINALIZED ? " (finalized)" : "");
	fprintf(f, "%s  ", indent);
	print_list_head(f, "", "meta_avail", &lt->meta_avail);
	fprintf(f, "%s  ", indent);
	print_list_head(f, "", "meta_freed", &lt->meta_freed);
	fprintf(f, "%s  ", indent);
	print_root(f, "", "item_root", &lt->item_root);
	fprintf(f, "%s  ", indent);
	print_alloc_root(f, "", "data_avail", &lt->data_avail);
	fprintf(f, "%s  ", indent);
	print_alloc_root(f, "", "data_freed", &lt->data_freed);
}

/* the value's decoder, when the type has a fixed length and it matches */
void scoutfs_print_item_value(FILE *f, const char *indent,
			      const struct scoutfs_key *key, const void *val,
			      unsigned int val_len)
{
	const struct scoutfs_data_extent *ext = val;
	const struct scoutfs_mounted_client *mc = val;
	const struct scoutfs_xattr_totl_val *tv = val;
	const struct scoutfs_xattr *xa = val;
	char addr[SCOUTFS_PRINT_ADDR_LEN];
	__u64 last = le64_to_cpu(key->sk_second);
	__u64 len;

	switch (key->sk_type) {
	case SCOUTFS_INODE_TYPE:
		if (val_len == sizeof(struct scoutfs_inode)) {
			print_inode(f, indent, val);
			return;
		}
		break;
	case SCOUTFS_DIRENT_TYPE:
	case SCOUTFS_READDIR_TYPE:
	case SCOUTFS_LINK_BACKREF_TYPE:
		if (val_len >= sizeof(struct scoutfs_dirent)) {
			print_dirent(f, indent, val, val_len);
			return;
		}
		break;
	case SCOUTFS_DATA_EXTENT_TYPE:
		if (val_len == sizeof(*ext)) {
			len = le64_to_cpu(ext->len);
			fprintf(f, "%sextent: logical %llu-%llu (%llu blocks) blkno %llu flags 0x%x%s%s\n",
				indent, U(last - len + 1), U(last), U(len), L64(ext->blkno),
				ext->flags,
				ext->flags & SCOUTFS_EXTENT_FLAG_UNWRITTEN ? " unwritten" : "",
				ext->flags & SCOUTFS_EXTENT_FLAG_OFFLINE ? " offline" : "");
			return;
		}
		break;
	case SCOUTFS_FREE_BLKNO_TYPE:
	case SCOUTFS_FREE_LEN_TYPE:
		if (key->sk_type == SCOUTFS_FREE_BLKNO_TYPE) {
			len = le64_to_cpu(key->sk_third);
		} else {
			len = last;
			last = le64_to_cpu(key->sk_third);
		}
		fprintf(f, "%sfree extent: %llu-%llu (%llu blocks)\n", indent,
			U(last - len + 1), U(last), U(len));
		if (val_len)
			scoutfs_print_hex(f, indent, val, val_len);
		return;
	case SCOUTFS_LOG_TREES_TYPE:
		if (val_len == sizeof(struct scoutfs_log_trees)) {
			print_log_trees(f, indent, val);
			return;
		}
		break;
	case SCOUTFS_MOUNTED_CLIENT_TYPE:
		if (val_len == sizeof(*mc)) {
			fprintf(f, "%smounted client: rid %016llx flags 0x%llx%s addr %s\n",
				indent, L64(mc->rid), L64(mc->flags),
				le64_to_cpu(mc->flags) & SCOUTFS_MOUNTED_CLIENT_QUORUM ?
				" (quorum)" : "", scoutfs_print_addr(addr, &mc->addr));
			return;
		}
		break;
	case SCOUTFS_XATTR_TOTL_TYPE:
		if (val_len == sizeof(*tv)) {
			fprintf(f, "%stotl: total %lld count %lld\n", indent,
				(long long)(int64_t)le64_to_cpu(tv->total),
				(long long)(int64_t)le64_to_cpu(tv->count));
			return;
		}
		break;
	case SCOUTFS_XATTR_TYPE:
		if (key->sk_fourth == 0 && val_len >= sizeof(*xa) &&
		    val_len >= sizeof(*xa) + xa->name_len) {
			fprintf(f, "%sxattr: val_len %u name_len %u name ", indent,
				le32_to_cpu(xa->val_len), xa->name_len);
			print_name(f, xa->name, xa->name_len);
			fputc('\n', f);
		}
		break;
	case SCOUTFS_SYMLINK_TYPE:
		fprintf(f, "%ssymlink target part: ", indent);
		print_name(f, val, val_len);
		fputc('\n', f);
		return;
	}

	if (val_len)
		scoutfs_print_hex(f, indent, val, val_len);
}

void scoutfs_print_blknos(FILE *f, const char *indent, const __le64 *blknos,
			  unsigned int nr)
{
	unsigned int on_line = 0;
	unsigned int i;
	unsigned int n;
	__u64 first;

	for (i = 0; i < nr; i += n) {
		n = scoutfs_meta_blknos_run(blknos + i, nr - i, &first);
		if (on_line == 0)
			fputs(indent, f);
		if (n > 1)
			fprintf(f, "%s%llu-%llu", on_line ? " " : "", U(first), U(first + n - 1));
		else
			fprintf(f, "%s%llu", on_line ? " " : "", U(first));
		if (++on_line == 8) {
			fputc('\n', f);
			on_line = 0;
		}
	}
	if (on_line)
		fputc('\n', f);
}
