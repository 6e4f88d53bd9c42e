/*
 * Opening the metadata and data devices (block devices or, for tests and
 * images, regular files) and whole-buffer IO on them.
 */
#ifndef SCOUTFS_UTILS_DEVICE_H
#define SCOUTFS_UTILS_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct scoutfs_dev {
	const char *path;
	int fd;
	uint64_t size;		/* bytes */
	bool is_blkdev;
	dev_t rdev;		/* block devices: the device number */
	dev_t st_dev;		/* regular files: where the file lives */
	ino_t ino;
};

/*
 * Open PATH for reading, or for writing with an exclusive open of block
 * devices so that a mounted device is refused.  Returns 0 or -errno with
 * *why describing the failure for messages ("PATH: why").
 */
int scoutfs_dev_open(struct scoutfs_dev *dev, const char *path, bool write,
		     const char **why);
void scoutfs_dev_close(struct scoutfs_dev *dev);

/* both name the same device or file (hard links and symlinks included) */
bool scoutfs_dev_same(const struct scoutfs_dev *a, const struct scoutfs_dev *b);

/* the whole range or -errno; reads past the end are -EIO */
int scoutfs_dev_read(const struct scoutfs_dev *dev, void *buf, size_t len,
		     uint64_t off);
int scoutfs_dev_write(const struct scoutfs_dev *dev, const void *buf,
		      size_t len, uint64_t off);
int scoutfs_dev_sync(const struct scoutfs_dev *dev);

#endif
