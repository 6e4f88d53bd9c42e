// SPDX-License-Identifier: GPL-2.0
/*
 * The scoutfs filesystem type and mounting.
 *
 * Mounts are set up through the fs_context API: options are parsed into a
 * struct scoutfs_fs_context as they arrive and ->get_tree() builds the
 * super block from them.  The storage engine that a super block needs
 * does not exist yet, so ->get_tree() checks the options and then refuses
 * the mount.
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "kcompat.h"
#include "vfs/options.h"
#include "vfs/super.h"

struct scoutfs_fs_context {
	struct scoutfs_mount_options opts;
};

static int scoutfs_fc_parse_param(struct fs_context *fc,
				  struct fs_parameter *param)
{
	struct scoutfs_fs_context *ctx = fc->fs_private;

	return scoutfs_options_parse_param(fc, &ctx->opts, param);
}

static int scoutfs_fc_get_tree(struct fs_context *fc)
{
	struct scoutfs_fs_context *ctx = fc->fs_private;
	int ret;

	ret = scoutfs_options_validate(fc, &ctx->opts);
	if (ret)
		return ret;

	if (!fc->source)
		return invalfc(fc, "no data device was given to mount");

	errorfc(fc, "mounting is not implemented yet");
	return -EOPNOTSUPP;
}

static void scoutfs_fc_free(struct fs_context *fc)
{
	struct scoutfs_fs_context *ctx = fc->fs_private;

	if (ctx) {
		scoutfs_options_free(&ctx->opts);
		kfree(ctx);
	}
}

static const struct fs_context_operations scoutfs_context_ops = {
	.parse_param = scoutfs_fc_parse_param,
	.get_tree = scoutfs_fc_get_tree,
	.free = scoutfs_fc_free,
};

static int scoutfs_init_fs_context(struct fs_context *fc)
{
	struct scoutfs_fs_context *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;

	scoutfs_options_init(&ctx->opts);
	fc->fs_private = ctx;
	fc->ops = &scoutfs_context_ops;
	return 0;
}

static struct file_system_type scoutfs_fs_type = {
	.owner = THIS_MODULE,
	.name = "scoutfs",
	.init_fs_context = scoutfs_init_fs_context,
	.parameters = scoutfs_mount_param_spec,
	.kill_sb = kill_block_super,
	.fs_flags = FS_REQUIRES_DEV,
};
MODULE_ALIAS_FS("scoutfs");

int scoutfs_super_init(void)
{
	return register_filesystem(&scoutfs_fs_type);
}

void scoutfs_super_exit(void)
{
	unregister_filesystem(&scoutfs_fs_type);
}
