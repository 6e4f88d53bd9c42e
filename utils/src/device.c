#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device.h"

int scoutfs_dev_open(struct scoutfs_dev *dev, const char *path, bool write,
		     const char **why)
{
	struct stat st;
	int flags;
	int ret;

	memset(dev, 0, sizeof(*dev));
	dev->path = path;
	dev->fd = -1;

	if (stat(path, &st) < 0) {
		ret = -errno;
		*why = strerror(errno);
		return ret;
	}
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)) {
		*why = "not a block device or regular file";
		return -ENODEV;
	}

	flags = (write ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	/* O_EXCL on a block device fails while it is mounted or in use */
	if (write && S_ISBLK(st.st_mode))
		flags |= O_EXCL;
	dev->fd = open(path, flags);
	if (dev->fd < 0) {
		ret = -errno;
		*why = errno == EBUSY ? "device is in use (mounted?)" : strerror(errno);
		return ret;
	}

	if (fstat(dev->fd, &st) < 0)
		goto errno_out;
	dev->is_blkdev = S_ISBLK(st.st_mode);
	dev->rdev = st.st_rdev;
	dev->st_dev = st.st_dev;
	dev->ino = st.st_ino;
	if (dev->is_blkdev) {
		if (ioctl(dev->fd, BLKGETSIZE64, &dev->size) < 0)
			goto errno_out;
	} else {
		dev->size = (uint64_t)st.st_size;
	}
	return 0;

errno_out:
	ret = -errno;
	*why = strerror(errno);
	scoutfs_dev_close(dev);
	return ret;
}

void scoutfs_dev_close(struct scoutfs_dev *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}

bool scoutfs_dev_same(const struct scoutfs_dev *a, const struct scoutfs_dev *b)
{
	if (a->is_blkdev != b->is_blkdev)
		return false;
	if (a->is_blkdev)
		return a->rdev == b->rdev;
	return a->st_dev == b->st_dev && a->ino == b->ino;
}

/* all of len bytes at off, or -errno; a short transfer is -EIO */
static int dev_io(const struct scoutfs_dev *dev, void *buf, size_t len,
		  uint64_t off, bool write)
{
	char *p = buf;
	ssize_t r;

	while (len) {
		r = write ? pwrite(dev->fd, p, len, (off_t)off) :
			    pread(dev->fd, p, len, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EIO;
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

int scoutfs_dev_read(const struct scoutfs_dev *dev, void *buf, size_t len,
		     uint64_t off)
{
	return dev_io(dev, buf, len, off, false);
}

int scoutfs_dev_write(const struct scoutfs_dev *dev, const void *buf,
		      size_t len, uint64_t off)
{
	/* dev_io() only reads from buf when writing */
	return dev_io(dev, (void *)buf, len, off, true);
}

int scoutfs_dev_sync(const struct scoutfs_dev *dev)
{
	return fsync(dev->fd) < 0 ? -errno : 0;
}
