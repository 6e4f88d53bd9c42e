/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API compatibility for scoutfs.
 *
 * The module is written against the newest supported kernel API.  Where an
 * older kernel differs, this header papers over the difference using the
 * results of the feature probes in kmod/probes/, which the build compiles
 * against the target kernel and records in kcompat_probed.h as KC_<NAME>
 * defines.  Kernel version numbers are never tested: distributions
 * backport APIs (Debian's 6.1 has the 6.6 inode ctime accessors, for
 * example), so only probing tells the truth.
 *
 * Two kinds of wrappers live here:
 *
 *  - helpers that newer kernels have and older ones lack are provided
 *    under their upstream names, so code reads like upstream and the
 *    fallback can simply be deleted once the old kernel is dropped;
 *
 *  - where a signature changed, a kc_ prefixed wrapper or a KC_ macro
 *    gives code one spelling that compiles on every kernel.
 */
#ifndef _SCOUTFS_KCOMPAT_H_
#define _SCOUTFS_KCOMPAT_H_

#include <linux/fs.h>
#include <linux/blkdev.h>
#include <linux/mnt_idmapping.h>
#include <linux/pagemap.h>
#include <linux/posix_acl.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>

#include "kcompat_probed.h"

/*
 * ID-mapped mounts: inode operations (getattr, setattr, permission,
 * create, ...), xattr handlers and the generic helpers they call take a
 * struct mnt_idmap * on newer kernels and a struct user_namespace * on
 * older ones.  Declare the argument as KC_VFS_IDMAP *, e.g.
 *
 *	static int scoutfs_getattr(KC_VFS_IDMAP *idmap,
 *				   const struct path *path,
 *				   struct kstat *stat, u32 request_mask,
 *				   unsigned int query_flags)
 *
 * and pass it straight on to generic_permission(), setattr_prepare(),
 * inode_init_owner() and friends, whose argument type changed with it.
 * KC_VFS_IDMAP_NOP is the identity mapping for internal callers.
 */
#ifdef KC_MNT_IDMAP
#define KC_VFS_IDMAP struct mnt_idmap
#define KC_VFS_IDMAP_NOP (&nop_mnt_idmap)

static inline KC_VFS_IDMAP *kc_file_mnt_idmap(struct file *file)
{
	return file_mnt_idmap(file);
}
#else
#define KC_VFS_IDMAP struct user_namespace
#define KC_VFS_IDMAP_NOP (&init_user_ns)

static inline KC_VFS_IDMAP *kc_file_mnt_idmap(struct file *file)
{
	return file_mnt_user_ns(file);
}
#endif

/*
 * generic_fillattr() gained the statx request mask as its second argument.
 */
static inline void kc_generic_fillattr(KC_VFS_IDMAP *idmap, u32 request_mask,
				       struct inode *inode, struct kstat *stat)
{
#ifdef KC_GENERIC_FILLATTR_REQUEST_MASK
	generic_fillattr(idmap, request_mask, inode, stat);
#else
	generic_fillattr(idmap, inode, stat);
#endif
}

/*
 * Inode timestamps.  Always use the accessors, never the struct inode
 * fields: on newer kernels the fields are private and split into seconds
 * and nanoseconds.
 */
#ifndef KC_INODE_CTIME_ACCESSORS
static inline struct timespec64 inode_get_ctime(const struct inode *inode)
{
	return inode->i_ctime;
}

static inline struct timespec64 inode_set_ctime_to_ts(struct inode *inode,
						      struct timespec64 ts)
{
	inode->i_ctime = ts;
	return ts;
}

static inline struct timespec64 inode_set_ctime(struct inode *inode,
						time64_t sec, long nsec)
{
	struct timespec64 ts = { .tv_sec = sec, .tv_nsec = nsec };

	return inode_set_ctime_to_ts(inode, ts);
}

static inline struct timespec64 inode_set_ctime_current(struct inode *inode)
{
	return inode_set_ctime_to_ts(inode, current_time(inode));
}
#endif

#ifndef KC_INODE_TIME_ACCESSORS
static inline time64_t inode_get_ctime_sec(const struct inode *inode)
{
	return inode_get_ctime(inode).tv_sec;
}

static inline long inode_get_ctime_nsec(const struct inode *inode)
{
	return inode_get_ctime(inode).tv_nsec;
}

/* The same five helpers for each of atime and mtime, under upstream's names. */
#define KC_INODE_TIME_HELPERS(field)					\
static inline struct timespec64 inode_get_##field(const struct inode *inode) \
{									\
	return inode->i_##field;					\
}									\
static inline time64_t inode_get_##field##_sec(const struct inode *inode) \
{									\
	return inode->i_##field.tv_sec;					\
}									\
static inline long inode_get_##field##_nsec(const struct inode *inode)	\
{									\
	return inode->i_##field.tv_nsec;				\
}									\
static inline struct timespec64						\
inode_set_##field##_to_ts(struct inode *inode, struct timespec64 ts)	\
{									\
	inode->i_##field = ts;						\
	return ts;							\
}									\
static inline struct timespec64						\
inode_set_##field(struct inode *inode, time64_t sec, long nsec)	\
{									\
	struct timespec64 ts = { .tv_sec = sec, .tv_nsec = nsec };	\
									\
	return inode_set_##field##_to_ts(inode, ts);			\
}

KC_INODE_TIME_HELPERS(atime)
KC_INODE_TIME_HELPERS(mtime)
#undef KC_INODE_TIME_HELPERS
#endif

/*
 * POSIX ACL inode operations.  The getter that permission checks call
 * with (inode, type, rcu) is ->get_inode_acl on newer kernels and ->get_acl
 * on older ones, and ->set_acl is handed a dentry instead of an inode.
 * Write
 *
 *	.KC_IOP_GET_INODE_ACL = scoutfs_get_acl,
 *	.set_acl = scoutfs_set_acl,
 *
 *	static int scoutfs_set_acl(KC_VFS_IDMAP *idmap,
 *				   KC_SET_ACL_TARGET *target,
 *				   struct posix_acl *acl, int type)
 *	{
 *		struct inode *inode = kc_set_acl_inode(target);
 */
#ifdef KC_GET_INODE_ACL
#define KC_IOP_GET_INODE_ACL get_inode_acl
#define KC_SET_ACL_TARGET struct dentry

static inline struct inode *kc_set_acl_inode(struct dentry *dentry)
{
	return d_inode(dentry);
}
#else
#define KC_IOP_GET_INODE_ACL get_acl
#define KC_SET_ACL_TARGET struct inode

static inline struct inode *kc_set_acl_inode(struct inode *inode)
{
	return inode;
}
#endif

/* posix_acl_chmod() is given the dentry on newer kernels, the inode on older ones */
static inline int kc_posix_acl_chmod(KC_VFS_IDMAP *idmap, struct dentry *dentry,
				     umode_t mode)
{
#ifdef KC_POSIX_ACL_CHMOD_DENTRY
	return posix_acl_chmod(idmap, dentry, mode);
#else
	return posix_acl_chmod(idmap, d_inode(dentry), mode);
#endif
}

/*
 * Older kernels reach the ACL inode operations for the system.posix_acl_*
 * xattrs through these handlers in sb->s_xattr; newer ones call them
 * directly.  List KC_POSIX_ACL_XATTR_HANDLERS in the handler array.
 */
#ifdef KC_POSIX_ACL_XATTR_HANDLER
#include <linux/posix_acl_xattr.h>
#define KC_POSIX_ACL_XATTR_HANDLERS \
	&posix_acl_access_xattr_handler, &posix_acl_default_xattr_handler,
#else
#define KC_POSIX_ACL_XATTR_HANDLERS
#endif

/*
 * Exclusively opened block devices (the metadata and data devices).  Newer
 * kernels open a block device as a struct file, older ones return the
 * struct block_device and need the open mode again to release it.  A
 * non-NULL holder makes the open exclusive on both.
 */
struct kc_bdev {
	struct block_device *bdev;
#ifdef KC_BDEV_FILE_OPEN
	struct file *file;
#else
	fmode_t mode;
#endif
};

static inline int kc_bdev_open_excl(struct kc_bdev *kb, const char *path,
				    bool write, void *holder)
{
#ifdef KC_BDEV_FILE_OPEN
	blk_mode_t mode = BLK_OPEN_READ | (write ? BLK_OPEN_WRITE : 0);
	struct file *file;

	file = bdev_file_open_by_path(path, mode, holder, NULL);
	if (IS_ERR(file))
		return PTR_ERR(file);
	kb->file = file;
	kb->bdev = file_bdev(file);
#else
	fmode_t mode = FMODE_READ | FMODE_EXCL | (write ? FMODE_WRITE : 0);
	struct block_device *bdev;

	bdev = blkdev_get_by_path(path, mode, holder);
	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	kb->mode = mode;
	kb->bdev = bdev;
#endif
	return 0;
}

static inline void kc_bdev_close(struct kc_bdev *kb)
{
	if (!kb->bdev)
		return;
#ifdef KC_BDEV_FILE_OPEN
	bdev_fput(kb->file);
	kb->file = NULL;
#else
	blkdev_put(kb->bdev, kb->mode);
#endif
	kb->bdev = NULL;
}

/*
 * Shrinkers.  Newer kernels allocate the shrinker and give it a
 * private_data pointer; older ones expect it embedded in the caller's
 * structure.  Both are hidden behind an allocated shrinker:
 *
 *	shrink = kc_shrinker_alloc(priv, count, scan, "scoutfs-%s", name);
 *	ret = kc_shrinker_register(shrink);
 *	...
 *	kc_shrinker_free(shrink);
 *
 * and the callbacks find their data with kc_shrinker_private(shrink).
 * kc_shrinker_free() unregisters a registered shrinker and accepts NULL.
 */
typedef unsigned long (*kc_shrink_fn_t)(struct shrinker *shrink,
					struct shrink_control *sc);

#ifdef KC_SHRINKER_ALLOC
static inline __printf(4, 5) struct shrinker *
kc_shrinker_alloc(void *priv, kc_shrink_fn_t count, kc_shrink_fn_t scan,
		  const char *fmt, ...)
{
	struct shrinker *shrink;
	va_list args;
	char *name;

	va_start(args, fmt);
	name = kvasprintf(GFP_KERNEL, fmt, args);
	va_end(args);
	if (!name)
		return NULL;

	shrink = shrinker_alloc(0, "%s", name);
	kfree(name);
	if (shrink) {
		shrink->private_data = priv;
		shrink->count_objects = count;
		shrink->scan_objects = scan;
	}
	return shrink;
}

static inline int kc_shrinker_register(struct shrinker *shrink)
{
	shrinker_register(shrink);
	return 0;
}

static inline void kc_shrinker_free(struct shrinker *shrink)
{
	shrinker_free(shrink);
}

static inline void *kc_shrinker_private(struct shrinker *shrink)
{
	return shrink->private_data;
}
#else
struct kc_shrinker {
	struct shrinker shrink;
	void *private_data;
	char *name;
	bool registered;
};

static inline __printf(4, 5) struct shrinker *
kc_shrinker_alloc(void *priv, kc_shrink_fn_t count, kc_shrink_fn_t scan,
		  const char *fmt, ...)
{
	struct kc_shrinker *ks;
	va_list args;

	ks = kzalloc(sizeof(*ks), GFP_KERNEL);
	if (!ks)
		return NULL;

	va_start(args, fmt);
	ks->name = kvasprintf(GFP_KERNEL, fmt, args);
	va_end(args);
	if (!ks->name) {
		kfree(ks);
		return NULL;
	}

	ks->private_data = priv;
	ks->shrink.count_objects = count;
	ks->shrink.scan_objects = scan;
	ks->shrink.seeks = DEFAULT_SEEKS;
	return &ks->shrink;
}

static inline int kc_shrinker_register(struct shrinker *shrink)
{
	struct kc_shrinker *ks = container_of(shrink, struct kc_shrinker,
					      shrink);
	int ret;

	ret = register_shrinker(shrink, "%s", ks->name);
	if (ret == 0)
		ks->registered = true;
	return ret;
}

static inline void kc_shrinker_free(struct shrinker *shrink)
{
	struct kc_shrinker *ks;

	if (!shrink)
		return;

	ks = container_of(shrink, struct kc_shrinker, shrink);
	if (ks->registered)
		unregister_shrinker(shrink);
	kfree(ks->name);
	kfree(ks);
}

static inline void *kc_shrinker_private(struct shrinker *shrink)
{
	return container_of(shrink, struct kc_shrinker, shrink)->private_data;
}
#endif

/*
 * Buffered writes: ->write_begin() hands back a folio and ->write_end()
 * takes one on newer kernels, a page on older ones; block_write_begin()
 * and block_write_end() follow.  Declare the argument KC_WRITE_PAGE and
 * get the folio with kc_write_folio().
 */
#ifdef KC_WRITE_BEGIN_FOLIO
#define KC_WRITE_PAGE struct folio

static inline struct folio *kc_write_folio(struct folio *folio)
{
	return folio;
}
#else
#define KC_WRITE_PAGE struct page

static inline struct folio *kc_write_folio(struct page *page)
{
	return page_folio(page);
}
#endif

/* splicing from a file through its ->read_iter(), which takes our locks */
#ifdef KC_COPY_SPLICE_READ
#define kc_splice_read copy_splice_read
#else
#define kc_splice_read generic_file_splice_read
#endif

#endif
