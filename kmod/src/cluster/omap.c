// SPDX-License-Identifier: GPL-2.0
/*
 * A mount's open map (cluster/omap.h).
 *
 * The inodes in use are kept by group of SCOUTFS_OPEN_MAP_INODES, the
 * unit the server asks about: an xarray of groups, each a bitmap and a
 * count of its bits, freed when the count drops to zero.  Inode
 * numbers are 64 bits and so are xarray indices on the 64-bit kernels
 * we build for.
 */
#include <linux/bitmap.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "cluster/net.h"
#include "cluster/omap.h"

#if BITS_PER_LONG != 64
#error "scoutfs needs 64-bit longs: inode groups index an xarray"
#endif

struct omap_group {
	DECLARE_BITMAP(bits, SCOUTFS_OPEN_MAP_INODES);
	unsigned int nr;
};

struct scoutfs_omap {
	struct mutex mutex;
	struct xarray groups;
};

struct scoutfs_omap *scoutfs_omap_create(void)
{
	struct scoutfs_omap *omap;

	omap = kzalloc(sizeof(*omap), GFP_KERNEL);
	if (omap) {
		mutex_init(&omap->mutex);
		xa_init(&omap->groups);
	}
	return omap;
}

void scoutfs_omap_destroy(struct scoutfs_omap *omap)
{
	struct omap_group *grp;
	unsigned long index;

	if (!omap)
		return;
	/* every inode was evicted before: anything left is a leak */
	xa_for_each(&omap->groups, index, grp) {
		WARN_ONCE(1, "scoutfs: open map of group %lu still has %u inodes at unmount\n",
			  index, grp->nr);
		kfree(grp);
	}
	xa_destroy(&omap->groups);
	kfree(omap);
}

int scoutfs_omap_add(struct scoutfs_omap *omap, u64 ino)
{
	unsigned long gnr = ino / SCOUTFS_OPEN_MAP_INODES;
	unsigned int bit = ino % SCOUTFS_OPEN_MAP_INODES;
	struct omap_group *grp;
	int ret = 0;

	mutex_lock(&omap->mutex);
	grp = xa_load(&omap->groups, gnr);
	if (!grp) {
		grp = kzalloc(sizeof(*grp), GFP_NOFS);
		if (!grp) {
			ret = -ENOMEM;
			goto out;
		}
		ret = xa_err(xa_store(&omap->groups, gnr, grp, GFP_NOFS));
		if (ret) {
			kfree(grp);
			goto out;
		}
	}
	if (!__test_and_set_bit(bit, grp->bits))
		grp->nr++;
out:
	mutex_unlock(&omap->mutex);
	return ret;
}

void scoutfs_omap_remove(struct scoutfs_omap *omap, u64 ino)
{
	unsigned long gnr = ino / SCOUTFS_OPEN_MAP_INODES;
	unsigned int bit = ino % SCOUTFS_OPEN_MAP_INODES;
	struct omap_group *grp;

	mutex_lock(&omap->mutex);
	grp = xa_load(&omap->groups, gnr);
	if (grp && __test_and_clear_bit(bit, grp->bits) && --grp->nr == 0) {
		xa_erase(&omap->groups, gnr);
		kfree(grp);
	}
	mutex_unlock(&omap->mutex);
}

bool scoutfs_omap_test(struct scoutfs_omap *omap, u64 ino)
{
	struct omap_group *grp;
	bool set;

	mutex_lock(&omap->mutex);
	grp = xa_load(&omap->groups, ino / SCOUTFS_OPEN_MAP_INODES);
	set = grp && test_bit(ino % SCOUTFS_OPEN_MAP_INODES, grp->bits);
	mutex_unlock(&omap->mutex);
	return set;
}

void scoutfs_omap_fill(struct scoutfs_omap *omap, struct scoutfs_net_open_map *om)
{
	struct omap_group *grp;
	unsigned int i;

	mutex_lock(&omap->mutex);
	grp = xa_load(&omap->groups, le64_to_cpu(om->group_nr));
	for (i = 0; grp && i < SCOUTFS_OPEN_MAP_WORDS; i++)
		om->bits[i] |= cpu_to_le64(grp->bits[i]);
	mutex_unlock(&omap->mutex);
}

int scoutfs_omap_answer(struct scoutfs_omap *omap, struct scoutfs_net_conn *conn, u8 cmd,
			u64 id, const void *data, u32 data_len)
{
	const struct scoutfs_net_open_map_req *req = data;
	struct scoutfs_net_open_map om;

	if (data_len < sizeof(*req))
		return -EINVAL;
	memset(&om, 0, sizeof(om));
	om.group_nr = req->group_nr;
	scoutfs_omap_fill(omap, &om);
	return scoutfs_net_response(conn, cmd, id, SCOUTFS_NET_ERR_NONE, &om, sizeof(om));
}
