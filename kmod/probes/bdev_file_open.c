// SPDX-License-Identifier: GPL-2.0
/*
 * KC_BDEV_FILE_OPEN: block devices are opened as files with
 * bdev_file_open_by_path() and released with bdev_fput() (6.10+).  Older
 * kernels have blkdev_get_by_path() and blkdev_put().
 */
#include <linux/blkdev.h>
#include <linux/fs.h>

struct block_device *probe_open(const char *path, void *holder)
{
	struct file *file;

	file = bdev_file_open_by_path(path, BLK_OPEN_READ | BLK_OPEN_WRITE,
				      holder, NULL);
	if (IS_ERR(file))
		return ERR_CAST(file);
	bdev_fput(file);
	return file_bdev(file);
}
