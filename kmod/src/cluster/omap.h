/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCOUTFS_CLUSTER_OMAP_H_
#define _SCOUTFS_CLUSTER_OMAP_H_

#include <linux/types.h>

#include "format/wire.h"

struct scoutfs_omap;
struct scoutfs_net_conn;

/*
 * A mount's open map: the inodes it has in use, so that no mount
 * deletes an inode without links that another mount still has open
 * (docs/wire.md, OPEN_MAP).  The vfs adds an inode before it reads it
 * into its cache and removes it once the cache has let it go; the
 * server asks for the map of a group of inodes on behalf of a mount
 * about to delete one.
 */
struct scoutfs_omap *scoutfs_omap_create(void);
void scoutfs_omap_destroy(struct scoutfs_omap *omap);

int scoutfs_omap_add(struct scoutfs_omap *omap, u64 ino);
void scoutfs_omap_remove(struct scoutfs_omap *omap, u64 ino);
bool scoutfs_omap_test(struct scoutfs_omap *omap, u64 ino);

/* this mount's bits of the group in om (group_nr set by the caller) */
void scoutfs_omap_fill(struct scoutfs_omap *omap, struct scoutfs_net_open_map *om);

/* the server's OPEN_MAP request, answered from omap (the client's handler) */
int scoutfs_omap_answer(struct scoutfs_omap *omap, struct scoutfs_net_conn *conn, u8 cmd,
			u64 id, const void *data, u32 data_len);

/*
 * Whether a gathered map says ino is in use: a map that may be missing
 * a mount (INCOMPLETE) says every inode is, since deleting an inode in
 * use is what must never happen.
 */
static inline bool scoutfs_omap_in_use(const struct scoutfs_net_open_map *om, u64 ino)
{
	unsigned int n = ino % SCOUTFS_OPEN_MAP_INODES;

	return (le32_to_cpu(om->flags) & SCOUTFS_NET_OPEN_MAP_INCOMPLETE) ||
	       (le64_to_cpu(om->bits[n / 64]) & (1ULL << (n % 64)));
}

#endif
