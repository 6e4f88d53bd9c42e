// SPDX-License-Identifier: GPL-2.0
/*
 * Directories: lookup by name through DIRENT items (keyed by the name's
 * hash) and readdir through READDIR items (keyed by a position that is
 * stable while other entries come and go).  Each entry is three items
 * with the same value (docs/format.md section 11): DIRENT, READDIR and
 * the target's LINK_BACKREF.  A directory's i_size is the total length
 * of its entries' names, so it is empty when its size is 0.
 *
 * Every operation that changes the namespace runs in one transaction
 * hold, so its items (entries, inodes, orphans) commit together.
 *
 * Dentries and other mounts: a dentry remembers (d_time) the refresh
 * generation of its parent's lock grant under which its name was last
 * looked up or changed here.  Another mount can only change the
 * directory after this mount gave the lock up, and using it again
 * needs a new grant with a new generation, so a dentry whose
 * generation is still the lock's current one is right.  Otherwise it is
 * looked up again under the lock.  Creating a name checks under the
 * WRITE lock that no other mount created it meanwhile (-ESTALE: the
 * VFS looks the path up again).
 */
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/slab.h>

#include "cluster/lock.h"
#include "format/key.h"
#include "items/item.h"
#include "items/trans.h"
#include "vfs/acl.h"
#include "vfs/dir.h"
#include "vfs/flags.h"
#include "vfs/op_locks.h"
#include "vfs/orphan.h"
#include "vfs/inode.h"
#include "vfs/mount.h"
#include "vfs/xattr.h"

#define DIRENT_MAX_LEN (sizeof(struct scoutfs_dirent) + SCOUTFS_NAME_LEN)

static unsigned int dirent_name_len(unsigned int val_len)
{
	return val_len > sizeof(struct scoutfs_dirent) ?
	       val_len - sizeof(struct scoutfs_dirent) : 0;
}

/* an entry found by name */
struct entry {
	u64 ino;
	u64 hash;
	u64 pos;
	u8 type;
};

/* find name in dir: 0 and *ent, -ENOENT, or an error */
static int find_entry(struct scoutfs_mount *mnt, struct inode *dir, const struct qstr *name,
		      struct entry *ent, const struct scoutfs_op_locks *ol)
{
	struct scoutfs_dirent *dent;
	struct scoutfs_key key, last;
	unsigned int len;
	u64 hash;
	int ret;

	if (name->len > SCOUTFS_NAME_LEN)
		return -ENAMETOOLONG;
	dent = kmalloc(DIRENT_MAX_LEN, GFP_NOFS);
	if (!dent)
		return -ENOMEM;

	/* every entry whose name has this hash, in position order */
	hash = scoutfs_name_hash(name->name, name->len);
	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, dir->i_ino, SCOUTFS_DIRENT_TYPE, hash, 0, 0);
	scoutfs_key_set(&last, SCOUTFS_FS_ZONE, dir->i_ino, SCOUTFS_DIRENT_TYPE, hash,
			U64_MAX, U8_MAX);
	for (;;) {
		len = DIRENT_MAX_LEN;
		ret = scoutfs_item_next(mnt->items, &key, &last, dent, &len,
					scoutfs_op_lock_for(ol, &key));
		if (ret)
			break;
		if (dirent_name_len(len) == name->len &&
		    memcmp(dent->name, name->name, name->len) == 0) {
			ent->ino = le64_to_cpu(dent->ino);
			ent->hash = hash;
			ent->pos = le64_to_cpu(key.sk_third);
			ent->type = dent->type;
			break;
		}
		if (!scoutfs_key_inc(&key)) {
			ret = -ENOENT;
			break;
		}
	}
	kfree(dent);
	return ret;
}

/* the generation of dir's lock held in ol, for dentries of its names */
static unsigned long dir_gen(const struct scoutfs_op_locks *ol, struct inode *dir)
{
	return scoutfs_op_lock_inode(ol, dir->i_ino)->refresh_gen;
}

/* name must not exist in dir, under its WRITE lock */
static int check_absent(struct scoutfs_mount *mnt, struct inode *dir, const struct qstr *name,
			const struct scoutfs_op_locks *ol)
{
	struct entry ent;
	int ret;

	ret = find_entry(mnt, dir, name, &ent, ol);
	if (ret == 0)
		return -ESTALE;	/* another mount's: our dentry was negative */
	return ret == -ENOENT ? 0 : ret;
}

static struct dentry *scoutfs_lookup(struct inode *dir, struct dentry *dentry,
				     unsigned int flags)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(dir->i_sb);
	struct inode *inode = NULL;
	struct scoutfs_op_locks ol;
	struct dentry *alias;
	struct entry ent;
	unsigned long gen;
	int ret;

	scoutfs_op_locks_init(&ol);
	scoutfs_op_locks_add_inode(&ol, dir->i_ino, SCOUTFS_LOCK_READ);
	ret = scoutfs_op_locks_take(dir->i_sb, &ol);
	if (ret)
		return ERR_PTR(ret);
	ret = find_entry(mnt, dir, &dentry->d_name, &ent, &ol);
	gen = dir_gen(&ol, dir);
	/* the inode's own lock is taken by iget, in order, without the dir's */
	scoutfs_op_locks_drop(&ol);
	if (ret == 0) {
		inode = scoutfs_iget(dir->i_sb, ent.ino);
		/* removed by another mount meanwhile: no such name */
		if (inode == ERR_PTR(-ENOENT))
			inode = NULL;
	} else if (ret != -ENOENT) {
		return ERR_PTR(ret);
	}
	dentry->d_time = gen;
	alias = d_splice_alias(inode, dentry);
	if (!IS_ERR_OR_NULL(alias))
		alias->d_time = gen;
	return alias;
}

/*
 * Whether dentry's name still means what it did (see the top).  In an
 * RCU walk only the lock's cached generation can say yes.  Otherwise the
 * name is looked up again under the parent's READ lock: the same inode,
 * or still none, is valid from this grant on.
 */
static int scoutfs_d_revalidate(struct dentry *dentry, unsigned int flags)
{
	struct inode *inode = d_inode_rcu(dentry);
	struct scoutfs_op_locks ol;
	struct scoutfs_mount *mnt;
	struct dentry *parent;
	struct inode *dir;
	struct entry ent;
	u64 gen;
	int ret;

	if (IS_ROOT(dentry))
		return 1;
	if (flags & LOOKUP_RCU) {
		parent = READ_ONCE(dentry->d_parent);
		dir = d_inode_rcu(parent);
		if (!dir)
			return -ECHILD;
		if (!(flags & LOOKUP_REVAL) &&
		    scoutfs_op_lock_inode_cached(dir->i_sb, dir->i_ino, SCOUTFS_LOCK_READ, &gen) &&
		    gen == READ_ONCE(dentry->d_time))
			return 1;
		return -ECHILD;
	}

	parent = dget_parent(dentry);
	dir = d_inode(parent);
	mnt = SCOUTFS_MNT(dir->i_sb);
	if (!(flags & LOOKUP_REVAL) &&
	    scoutfs_op_lock_inode_cached(dir->i_sb, dir->i_ino, SCOUTFS_LOCK_READ, &gen) &&
	    gen == READ_ONCE(dentry->d_time)) {
		ret = 1;
		goto out;
	}

	scoutfs_op_locks_init(&ol);
	scoutfs_op_locks_add_inode(&ol, dir->i_ino, SCOUTFS_LOCK_READ);
	ret = scoutfs_op_locks_take(dir->i_sb, &ol);
	if (ret)
		goto out;
	ret = find_entry(mnt, dir, &dentry->d_name, &ent, &ol);
	if (ret == 0)
		ret = inode && ent.ino == inode->i_ino;
	else if (ret == -ENOENT)
		ret = !inode;
	if (ret == 1)
		WRITE_ONCE(dentry->d_time, dir_gen(&ol, dir));
	scoutfs_op_locks_drop(&ol);
out:
	dput(parent);
	return ret;
}

/*
 * The last reference to a dentry is going (under its d_lock): it stays
 * cached only while its parent's grant says it's right, so a name that
 * another mount removed doesn't keep its inode, perhaps ours to delete
 * now, in the cache.
 */
static int scoutfs_d_delete(const struct dentry *dentry)
{
	struct inode *dir;
	u64 gen;

	if (IS_ROOT(dentry))
		return 0;
	dir = d_inode(dentry->d_parent);
	return !(dir && scoutfs_op_lock_inode_cached(dir->i_sb, dir->i_ino, SCOUTFS_LOCK_READ,
						     &gen) &&
		 gen == READ_ONCE(dentry->d_time));
}

const struct dentry_operations scoutfs_dentry_ops = {
	.d_revalidate = scoutfs_d_revalidate,
	.d_delete = scoutfs_d_delete,
};

static int scoutfs_readdir(struct file *file, struct dir_context *ctx)
{
	struct inode *dir = file_inode(file);
	struct scoutfs_mount *mnt = SCOUTFS_MNT(dir->i_sb);
	struct scoutfs_dirent *dent;
	struct scoutfs_key key, last;
	struct scoutfs_op_locks ol;
	unsigned int len;
	u64 pos;
	int ret;

	if (!dir_emit_dots(file, ctx))
		return 0;

	dent = kmalloc(DIRENT_MAX_LEN, GFP_NOFS);
	if (!dent)
		return -ENOMEM;
	scoutfs_op_locks_init(&ol);
	scoutfs_op_locks_add_inode(&ol, dir->i_ino, SCOUTFS_LOCK_READ);
	ret = scoutfs_op_locks_take(dir->i_sb, &ol);
	if (ret) {
		kfree(dent);
		return ret;
	}

	scoutfs_key_set(&key, SCOUTFS_FS_ZONE, dir->i_ino, SCOUTFS_READDIR_TYPE, ctx->pos, 0, 0);
	scoutfs_key_set(&last, SCOUTFS_FS_ZONE, dir->i_ino, SCOUTFS_READDIR_TYPE,
			U64_MAX, U64_MAX, U8_MAX);
	for (;;) {
		len = DIRENT_MAX_LEN;
		ret = scoutfs_item_next(mnt->items, &key, &last, dent, &len,
					scoutfs_op_lock_for(&ol, &key));
		if (ret == -ENOENT) {
			ret = 0;
			break;
		}
		if (ret)
			break;
		pos = le64_to_cpu(key.sk_second);
		if (!dir_emit(ctx, dent->name, dirent_name_len(len), le64_to_cpu(dent->ino),
			      dent->type))
			break;
		ctx->pos = pos + 1;
		if (!scoutfs_key_inc(&key))
			break;
	}
	scoutfs_op_locks_drop(&ol);
	kfree(dent);
	return ret;
}

static u8 dentry_type(umode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO: return SCOUTFS_DT_FIFO;
	case S_IFCHR: return SCOUTFS_DT_CHR;
	case S_IFDIR: return SCOUTFS_DT_DIR;
	case S_IFBLK: return SCOUTFS_DT_BLK;
	case S_IFLNK: return SCOUTFS_DT_LNK;
	case S_IFSOCK: return SCOUTFS_DT_SOCK;
	default: return SCOUTFS_DT_REG;
	}
}

/* the three items of an entry: DIRENT, READDIR, LINK_BACKREF */
static void entry_keys(struct scoutfs_key keys[3], u64 dir, u64 hash, u64 pos, u64 ino)
{
	scoutfs_key_set(&keys[0], SCOUTFS_FS_ZONE, dir, SCOUTFS_DIRENT_TYPE, hash, pos, 0);
	scoutfs_key_set(&keys[1], SCOUTFS_FS_ZONE, dir, SCOUTFS_READDIR_TYPE, pos, 0, 0);
	scoutfs_key_set(&keys[2], SCOUTFS_FS_ZONE, ino, SCOUTFS_LINK_BACKREF_TYPE, dir, pos, 0);
}

/* add an entry for inode at dir's next position, updating dir's size and times */
static int add_entry(struct scoutfs_mount *mnt, struct inode *dir, const struct qstr *name,
		     struct inode *inode, const struct scoutfs_op_locks *ol)
{
	struct scoutfs_inode_info *sdir = SCOUTFS_I(dir);
	struct scoutfs_dirent *dent;
	struct scoutfs_key keys[3];
	u64 hash = scoutfs_name_hash(name->name, name->len);
	u64 pos = sdir->next_readdir_pos++;
	unsigned int len = sizeof(*dent) + name->len;
	int ret = 0;
	int i;

	dent = kzalloc(len, GFP_NOFS);
	if (!dent)
		return -ENOMEM;
	dent->ino = cpu_to_le64(inode->i_ino);
	dent->hash = cpu_to_le64(hash);
	dent->pos = cpu_to_le64(pos);
	dent->type = dentry_type(inode->i_mode);
	memcpy(dent->name, name->name, name->len);

	entry_keys(keys, dir->i_ino, hash, pos, inode->i_ino);
	for (i = 0; i < 3 && ret == 0; i++)
		ret = scoutfs_item_create(mnt->items, &keys[i], dent, len,
					  scoutfs_op_lock_for(ol, &keys[i]));
	kfree(dent);
	if (ret)
		return ret;

	i_size_write(dir, i_size_read(dir) + name->len);
	inode_set_mtime_to_ts(dir, inode_set_ctime_current(dir));
	return 0;
}

static int del_entry(struct scoutfs_mount *mnt, struct inode *dir, const struct qstr *name,
		     const struct entry *ent, const struct scoutfs_op_locks *ol)
{
	struct scoutfs_key keys[3];
	int ret = 0;
	int i;

	entry_keys(keys, dir->i_ino, ent->hash, ent->pos, ent->ino);
	for (i = 0; i < 3 && ret == 0; i++)
		ret = scoutfs_item_delete(mnt->items, &keys[i], scoutfs_op_lock_for(ol, &keys[i]));
	if (ret == -ENOENT) {
		pr_err_ratelimited("scoutfs %016llx: directory %lu: entry for inode %llu at pos %llu is missing items\n",
				   le64_to_cpu(mnt->super->hdr.fsid), dir->i_ino, ent->ino,
				   ent->pos);
		ret = -EIO;
	}
	if (ret)
		return ret;
	i_size_write(dir, i_size_read(dir) - name->len);
	inode_set_mtime_to_ts(dir, inode_set_ctime_current(dir));
	return 0;
}

/* an inode without links lives on until evicted; the orphan item says so */
static int drop_link(struct scoutfs_mount *mnt, struct inode *inode,
		     const struct scoutfs_op_locks *ol)
{
	struct scoutfs_key key;
	int ret = 0;

	if (S_ISDIR(inode->i_mode))
		clear_nlink(inode);
	else
		drop_nlink(inode);
	inode_set_ctime_current(inode);
	if (inode->i_nlink == 0) {
		scoutfs_orphan_key(&key, inode->i_ino);
		ret = scoutfs_item_force(mnt->items, &key, NULL, 0, scoutfs_op_lock_for(ol, &key));
	}
	return ret ?: scoutfs_inode_write(inode, ol);
}

static int check_name(const struct dentry *dentry)
{
	return dentry->d_name.len > SCOUTFS_NAME_LEN ? -ENAMETOOLONG : 0;
}

/* create, mkdir, mknod and symlink: a new inode linked at dentry */
static int make_node_acl(KC_VFS_IDMAP *idmap, struct inode *dir, struct dentry *dentry,
			 umode_t mode, dev_t rdev, const char *symname,
			 const struct scoutfs_acl_new *acls)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(dir->i_sb);
	unsigned int symlen = symname ? strlen(symname) : 0;
	struct scoutfs_op_locks ol;
	struct scoutfs_key key;
	struct inode *inode;
	u64 ino;
	int ret;

	ret = check_name(dentry);
	if (ret)
		return ret;
	if (symname && symlen >= SCOUTFS_SYMLINK_MAX_SIZE)
		return -ENAMETOOLONG;
	ret = scoutfs_alloc_ino(dir->i_sb, &ino);
	if (ret)
		return ret;

	scoutfs_op_locks_init(&ol);
	scoutfs_op_locks_add_inode(&ol, dir->i_ino, SCOUTFS_LOCK_WRITE);
	scoutfs_op_locks_add_inode(&ol, ino, SCOUTFS_LOCK_WRITE);
	ret = scoutfs_inode_op_take(dir->i_sb, &ol) ?:
	      scoutfs_inode_op_refresh(NULL, dir, &ol);
	if (ret)
		return ret;
	ret = check_absent(mnt, dir, &dentry->d_name, &ol);
	if (ret)
		goto out;
	inode = scoutfs_new_inode(idmap, dir, mode, rdev, ino, &ol);
	if (IS_ERR(inode)) {
		ret = PTR_ERR(inode);
		goto out;
	}
	if (symname) {
		scoutfs_key_set(&key, SCOUTFS_FS_ZONE, inode->i_ino, SCOUTFS_SYMLINK_TYPE, 0, 0, 0);
		ret = scoutfs_item_create(mnt->items, &key, symname, symlen,
					  scoutfs_op_lock_for(&ol, &key));
		i_size_write(inode, symlen);
		if (ret == 0)
			ret = scoutfs_inode_write(inode, &ol);
	}
	if (ret == 0)
		ret = scoutfs_acl_new_store(inode, acls, &ol);
	if (ret == 0)
		ret = add_entry(mnt, dir, &dentry->d_name, inode, &ol);
	if (ret == 0 && S_ISDIR(mode))
		inc_nlink(dir);
	if (ret == 0)
		ret = scoutfs_inode_write(dir, &ol);
	if (ret) {
		/* the items of a half made inode go with it when it's evicted */
		clear_nlink(inode);
		unlock_new_inode(inode);
		scoutfs_inode_op_end(dir, &ol);
		iput(inode);
		return ret;
	}
	dentry->d_time = dir_gen(&ol, dir);
	d_instantiate_new(dentry, inode);
out:
	scoutfs_inode_op_end(dir, &ol);
	return ret;
}

/* the ACLs dir passes on are read before make_node_acl() takes the locks */
static int make_node(KC_VFS_IDMAP *idmap, struct inode *dir, struct dentry *dentry,
		     umode_t mode, dev_t rdev, const char *symname)
{
	struct scoutfs_acl_new acls;
	int ret;

	ret = scoutfs_acl_new_prepare(dir, &mode, &acls);
	if (ret == 0)
		ret = make_node_acl(idmap, dir, dentry, mode, rdev, symname, &acls);
	scoutfs_acl_new_release(&acls);
	return ret;
}

static int scoutfs_create(KC_VFS_IDMAP *idmap, struct inode *dir, struct dentry *dentry,
			  umode_t mode, bool excl)
{
	return make_node(idmap, dir, dentry, mode | S_IFREG, 0, NULL);
}

static int scoutfs_mkdir(KC_VFS_IDMAP *idmap, struct inode *dir, struct dentry *dentry,
			 umode_t mode)
{
	return make_node(idmap, dir, dentry, mode | S_IFDIR, 0, NULL);
}

static int scoutfs_mknod(KC_VFS_IDMAP *idmap, struct inode *dir, struct dentry *dentry,
			 umode_t mode, dev_t rdev)
{
	return make_node(idmap, dir, dentry, mode, rdev, NULL);
}

static int scoutfs_symlink(KC_VFS_IDMAP *idmap, struct inode *dir, struct dentry *dentry,
			   const char *symname)
{
	return make_node(idmap, dir, dentry, S_IFLNK | 0777, 0, symname);
}

static int tmpfile_acl(KC_VFS_IDMAP *idmap, struct inode *dir, struct file *file,
		       umode_t mode, const struct scoutfs_acl_new *acls)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(dir->i_sb);
	struct scoutfs_op_locks ol;
	struct scoutfs_key key;
	struct inode *inode;
	u64 ino;
	int ret;

	ret = scoutfs_alloc_ino(dir->i_sb, &ino);
	if (ret)
		return ret;
	scoutfs_op_locks_init(&ol);
	scoutfs_op_locks_add_inode(&ol, dir->i_ino, SCOUTFS_LOCK_WRITE);
	scoutfs_op_locks_add_inode(&ol, ino, SCOUTFS_LOCK_WRITE);
	ret = scoutfs_inode_op_take(dir->i_sb, &ol) ?:
	      scoutfs_inode_op_refresh(NULL, dir, &ol);
	if (ret)
		return ret;
	inode = scoutfs_new_inode(idmap, dir, mode, 0, ino, &ol);
	if (IS_ERR(inode)) {
		scoutfs_inode_op_end(dir, &ol);
		return PTR_ERR(inode);
	}
	/* stored without links; d_tmpfile() drops the VFS's count to match */
	clear_nlink(inode);
	scoutfs_orphan_key(&key, ino);
	ret = scoutfs_item_force(mnt->items, &key, NULL, 0, scoutfs_op_lock_for(&ol, &key)) ?:
	      scoutfs_acl_new_store(inode, acls, &ol) ?:
	      scoutfs_inode_write(inode, &ol);
	set_nlink(inode, 1);
	scoutfs_inode_op_end(dir, &ol);
	if (ret) {
		clear_nlink(inode);
		unlock_new_inode(inode);
		iput(inode);
		return ret;
	}
	/* marks the inode dirty: our locks must be dropped by now */
	d_tmpfile(file, inode);
	unlock_new_inode(inode);
	return finish_open_simple(file, 0);
}

/* O_TMPFILE: a new inode with no links, an orphan until it's linked or closed */
static int scoutfs_tmpfile(KC_VFS_IDMAP *idmap, struct inode *dir, struct file *file,
			   umode_t mode)
{
	struct scoutfs_acl_new acls;
	int ret;

	ret = scoutfs_acl_new_prepare(dir, &mode, &acls);
	if (ret == 0)
		ret = tmpfile_acl(idmap, dir, file, mode, &acls);
	scoutfs_acl_new_release(&acls);
	return ret;
}

static int scoutfs_link(struct dentry *old_dentry, struct inode *dir, struct dentry *dentry)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(dir->i_sb);
	struct inode *inode = d_inode(old_dentry);
	struct scoutfs_op_locks ol;
	struct scoutfs_key key;
	int ret;

	ret = check_name(dentry);
	if (ret)
		return ret;
	if (inode->i_nlink >= SCOUTFS_LINK_MAX)
		return -EMLINK;

	ret = scoutfs_inode_op_begin(inode, dir, &ol);
	if (ret)
		return ret;
	ret = check_absent(mnt, dir, &dentry->d_name, &ol) ?:
	      add_entry(mnt, dir, &dentry->d_name, inode, &ol);
	if (ret == 0 && inode->i_nlink == 0) {
		/* linking an O_TMPFILE inode: no longer an orphan */
		scoutfs_orphan_key(&key, inode->i_ino);
		ret = scoutfs_item_delete_force(mnt->items, &key, scoutfs_op_lock_for(&ol, &key));
	}
	if (ret == 0) {
		inc_nlink(inode);
		inode_set_ctime_current(inode);
		ret = scoutfs_inode_write(inode, &ol) ?: scoutfs_inode_write(dir, &ol);
	}
	if (ret == 0) {
		ihold(inode);
		dentry->d_time = dir_gen(&ol, dir);
		d_instantiate(dentry, inode);
	}
	scoutfs_inode_op_end(dir, &ol);
	return ret;
}

static int remove_entry(struct inode *dir, struct dentry *dentry, bool is_dir)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(dir->i_sb);
	struct inode *inode = d_inode(dentry);
	struct scoutfs_op_locks ol;
	struct entry ent;
	int ret;

	ret = scoutfs_inode_op_begin_freeing(inode, dir, &ol);
	if (ret)
		return ret;
	if (is_dir && i_size_read(inode) != 0) {
		ret = -ENOTEMPTY;
		goto out;
	}
	ret = find_entry(mnt, dir, &dentry->d_name, &ent, &ol);
	if (ret == 0 && ent.ino != inode->i_ino)
		ret = -ESTALE;
	if (ret == 0)
		ret = del_entry(mnt, dir, &dentry->d_name, &ent, &ol);
	if (ret == 0) {
		if (is_dir)
			drop_nlink(dir);
		ret = drop_link(mnt, inode, &ol) ?: scoutfs_inode_write(dir, &ol);
	}
	/* the VFS makes it negative: right as of this grant */
	if (ret == 0)
		dentry->d_time = dir_gen(&ol, dir);
out:
	scoutfs_inode_op_end(dir, &ol);
	return ret;
}

static int scoutfs_unlink(struct inode *dir, struct dentry *dentry)
{
	return remove_entry(dir, dentry, false);
}

static int scoutfs_rmdir(struct inode *dir, struct dentry *dentry)
{
	return remove_entry(dir, dentry, true);
}

/* RENAME_EXCHANGE: the two entries trade inodes */
static int exchange(struct scoutfs_mount *mnt, struct inode *old_dir, struct dentry *old_dentry,
		    struct inode *new_dir, struct dentry *new_dentry,
		    const struct entry *old_ent, const struct entry *new_ent,
		    const struct scoutfs_op_locks *ol)
{
	struct inode *inode = d_inode(old_dentry);
	struct inode *target = d_inode(new_dentry);
	int ret;

	ret = del_entry(mnt, old_dir, &old_dentry->d_name, old_ent, ol) ?:
	      del_entry(mnt, new_dir, &new_dentry->d_name, new_ent, ol) ?:
	      add_entry(mnt, old_dir, &old_dentry->d_name, target, ol) ?:
	      add_entry(mnt, new_dir, &new_dentry->d_name, inode, ol);
	if (ret)
		return ret;
	/* a directory's ".." moves with it */
	if (old_dir != new_dir && S_ISDIR(inode->i_mode) != S_ISDIR(target->i_mode)) {
		if (S_ISDIR(inode->i_mode)) {
			drop_nlink(old_dir);
			inc_nlink(new_dir);
		} else {
			drop_nlink(new_dir);
			inc_nlink(old_dir);
		}
	}
	inode_set_ctime_current(inode);
	inode_set_ctime_current(target);
	return scoutfs_inode_write(target, ol);
}

/* RENAME_WHITEOUT: a whiteout device takes the old name */
static int add_whiteout(KC_VFS_IDMAP *idmap, struct scoutfs_mount *mnt, struct inode *dir,
			struct dentry *dentry, u64 ino, const struct scoutfs_op_locks *ol)
{
	struct inode *wh;
	int ret;

	wh = scoutfs_new_inode(idmap, dir, S_IFCHR | WHITEOUT_MODE, WHITEOUT_DEV, ino, ol);
	if (IS_ERR(wh))
		return PTR_ERR(wh);
	ret = add_entry(mnt, dir, &dentry->d_name, wh, ol);
	if (ret)
		clear_nlink(wh);	/* its items go when it's evicted */
	unlock_new_inode(wh);
	iput(wh);
	return ret;
}

static int scoutfs_rename(KC_VFS_IDMAP *idmap, struct inode *old_dir,
			  struct dentry *old_dentry, struct inode *new_dir,
			  struct dentry *new_dentry, unsigned int flags)
{
	struct scoutfs_mount *mnt = SCOUTFS_MNT(old_dir->i_sb);
	struct inode *inode = d_inode(old_dentry);
	struct inode *target = d_inode(new_dentry);
	bool is_dir = S_ISDIR(inode->i_mode);
	struct scoutfs_op_locks ol;
	struct entry old_ent;
	struct entry new_ent;
	u64 wh_ino = 0;
	int ret;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	ret = check_name(new_dentry);
	if (ret)
		return ret;
	if (flags & RENAME_WHITEOUT) {
		ret = scoutfs_alloc_ino(old_dir->i_sb, &wh_ino);
		if (ret)
			return ret;
	}

	scoutfs_op_locks_init(&ol);
	scoutfs_op_locks_add_inode(&ol, old_dir->i_ino, SCOUTFS_LOCK_WRITE);
	scoutfs_op_locks_add_inode(&ol, new_dir->i_ino, SCOUTFS_LOCK_WRITE);
	scoutfs_op_locks_add_inode(&ol, inode->i_ino, SCOUTFS_LOCK_WRITE);
	if (target)
		scoutfs_op_locks_add_inode(&ol, target->i_ino, SCOUTFS_LOCK_WRITE);
	if (wh_ino)
		scoutfs_op_locks_add_inode(&ol, wh_ino, SCOUTFS_LOCK_WRITE);
	/* it may remove the target; a full filesystem still renames */
	ol.freeing = !wh_ino;
	ret = scoutfs_inode_op_take(old_dir->i_sb, &ol) ?:
	      scoutfs_inode_op_refresh(inode, old_dir, &ol);
	if (ret)
		return ret;
	ret = scoutfs_inode_refresh(new_dir, scoutfs_op_lock_inode(&ol, new_dir->i_ino));
	if (ret == 0 && target)
		ret = scoutfs_inode_refresh(target, scoutfs_op_lock_inode(&ol, target->i_ino));
	if (ret == 0 && target && S_ISDIR(target->i_mode) && i_size_read(target) != 0 &&
	    !(flags & RENAME_EXCHANGE))
		ret = -ENOTEMPTY;
	if (ret)
		goto out;
	ret = find_entry(mnt, old_dir, &old_dentry->d_name, &old_ent, &ol);
	if (ret == 0 && old_ent.ino != inode->i_ino)
		ret = -ESTALE;
	if (ret)
		goto out;

	if (!target) {
		ret = check_absent(mnt, new_dir, &new_dentry->d_name, &ol);
		if (ret)
			goto out;
	} else {
		ret = find_entry(mnt, new_dir, &new_dentry->d_name, &new_ent, &ol);
		if (ret == 0 && new_ent.ino != target->i_ino)
			ret = -ESTALE;
	}
	if (ret)
		goto out;

	if (flags & RENAME_EXCHANGE) {
		ret = exchange(mnt, old_dir, old_dentry, new_dir, new_dentry, &old_ent, &new_ent,
			       &ol);
		goto write;
	}

	if (target) {
		ret = del_entry(mnt, new_dir, &new_dentry->d_name, &new_ent, &ol);
		if (ret == 0 && S_ISDIR(target->i_mode))
			drop_nlink(new_dir);
		if (ret == 0)
			ret = drop_link(mnt, target, &ol);
		if (ret)
			goto out;
	}

	ret = del_entry(mnt, old_dir, &old_dentry->d_name, &old_ent, &ol) ?:
	      add_entry(mnt, new_dir, &new_dentry->d_name, inode, &ol);
	if (ret == 0 && wh_ino)
		ret = add_whiteout(idmap, mnt, old_dir, old_dentry, wh_ino, &ol);
	if (ret)
		goto out;
	if (is_dir && old_dir != new_dir) {
		drop_nlink(old_dir);
		inc_nlink(new_dir);
	}
	inode_set_ctime_current(inode);
write:
	if (ret == 0)
		ret = scoutfs_inode_write(inode, &ol) ?: scoutfs_inode_write(old_dir, &ol);
	if (ret == 0 && new_dir != old_dir)
		ret = scoutfs_inode_write(new_dir, &ol);
	/* the VFS moves old_dentry to the new name, and drops new_dentry */
	if (ret == 0) {
		old_dentry->d_time = dir_gen(&ol, new_dir);
		new_dentry->d_time = dir_gen(&ol, old_dir);
	}
out:
	scoutfs_inode_op_end(old_dir, &ol);
	return ret;
}

const struct inode_operations scoutfs_dir_iops = {
	.fileattr_get = scoutfs_fileattr_get,
	.fileattr_set = scoutfs_fileattr_set,
	.lookup = scoutfs_lookup,
	.create = scoutfs_create,
	.mkdir = scoutfs_mkdir,
	.mknod = scoutfs_mknod,
	.symlink = scoutfs_symlink,
	.link = scoutfs_link,
	.unlink = scoutfs_unlink,
	.rmdir = scoutfs_rmdir,
	.rename = scoutfs_rename,
	.tmpfile = scoutfs_tmpfile,
	.setattr = scoutfs_setattr,
	.getattr = scoutfs_getattr,
	.listxattr = scoutfs_listxattr,
	.KC_IOP_GET_INODE_ACL = scoutfs_get_acl,
	.set_acl = scoutfs_set_acl,
};

const struct file_operations scoutfs_dir_fops = {
	.llseek = generic_file_llseek,
	.read = generic_read_dir,
	.iterate_shared = scoutfs_readdir,
	.fsync = scoutfs_fsync,
};
