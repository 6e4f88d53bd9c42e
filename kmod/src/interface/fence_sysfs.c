// SPDX-License-Identifier: GPL-2.0
/*
 * Fence requests in sysfs, where fence agents find them
 * (docs/fencing.md): /sys/fs/scoutfs/f.<fsid>.r.<rid>/fence/<rid>/ per
 * request of the leader's mount, named by the rid (16 hex digits) of the
 * mount to fence, with upstream scoutfs's files:
 *
 *   rid           the mount to fence
 *   reason        client_recovery, client_reconnect or quorum_block_leader
 *   ipv4_addr     where it was (0.0.0.0 for an IPv6 address)
 *   ipv6_addr     where it was, for IPv6 addresses (:: otherwise)
 *   elapsed_secs  since the request was made
 *   fenced        0; the agent writes 1 once the mount can't write any more
 *   error         0; the agent writes 1 if it could not fence it
 *
 * The directories come and go through the fence observer (cluster/fence.h)
 * that this file registers with the mount's fence requests.
 */
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "cluster/fence.h"
#include "interface/fence_sysfs.h"
#include "interface/sysfs.h"

struct fence_sysfs {
	struct scoutfs_sysfs_dir dir;
	struct scoutfs_fences *fences;
};

struct fence_sysfs_req {
	struct scoutfs_sysfs_dir dir;
	struct scoutfs_fence_req *req;
};

static struct scoutfs_fence_req *kobj_req(struct kobject *kobj)
{
	return container_of(scoutfs_sysfs_dir_from_kobj(kobj), struct fence_sysfs_req, dir)->req;
}

static ssize_t rid_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%016llx\n", scoutfs_fence_req_rid(kobj_req(kobj)));
}

static ssize_t reason_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", scoutfs_fence_req_reason(kobj_req(kobj)));
}

static ssize_t ipv4_addr_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	const struct scoutfs_inet_addr *addr = scoutfs_fence_req_addr(kobj_req(kobj));
	static const u8 none[4];

	return sysfs_emit(buf, "%pI4\n",
			  le16_to_cpu(addr->family) == SCOUTFS_AF_IPV4 ? addr->addr : none);
}

static ssize_t ipv6_addr_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	const struct scoutfs_inet_addr *addr = scoutfs_fence_req_addr(kobj_req(kobj));
	static const u8 none[16];

	return sysfs_emit(buf, "%pI6c\n",
			  le16_to_cpu(addr->family) == SCOUTFS_AF_IPV6 ? addr->addr : none);
}

static ssize_t elapsed_secs_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", scoutfs_fence_req_elapsed_secs(kobj_req(kobj)));
}

static ssize_t fenced_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  scoutfs_fence_req_state(kobj_req(kobj)) == SCOUTFS_FENCE_FENCED);
}

static ssize_t error_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  scoutfs_fence_req_state(kobj_req(kobj)) == SCOUTFS_FENCE_ERROR);
}

/* the agent's answer: only "1" means anything */
static int parse_one(const char *buf)
{
	unsigned int val;
	int ret;

	ret = kstrtouint(buf, 10, &val);
	if (ret)
		return ret;
	return val == 1 ? 0 : -EINVAL;
}

static ssize_t fenced_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	int ret = parse_one(buf);

	if (ret)
		return ret;
	scoutfs_fence_req_fenced(kobj_req(kobj));
	return count;
}

static ssize_t error_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	int ret = parse_one(buf);

	if (ret)
		return ret;
	scoutfs_fence_req_error(kobj_req(kobj));
	return count;
}

static struct kobj_attribute rid_attr = __ATTR_RO(rid);
static struct kobj_attribute reason_attr = __ATTR_RO(reason);
static struct kobj_attribute ipv4_addr_attr = __ATTR_RO(ipv4_addr);
static struct kobj_attribute ipv6_addr_attr = __ATTR_RO(ipv6_addr);
static struct kobj_attribute elapsed_secs_attr = __ATTR_RO(elapsed_secs);
static struct kobj_attribute fenced_attr = __ATTR_RW(fenced);
static struct kobj_attribute error_attr = __ATTR_RW(error);

static struct attribute *req_attrs[] = {
	&rid_attr.attr,
	&reason_attr.attr,
	&ipv4_addr_attr.attr,
	&ipv6_addr_attr.attr,
	&elapsed_secs_attr.attr,
	&fenced_attr.attr,
	&error_attr.attr,
	NULL,
};

static const struct attribute_group req_group = {
	.attrs = req_attrs,
};

static const struct attribute_group *req_groups[] = {
	&req_group,
	NULL,
};

static int fence_sysfs_added(void *arg, struct scoutfs_fence_req *req)
{
	struct fence_sysfs *fs = arg;
	struct fence_sysfs_req *fsr;
	int ret;

	fsr = kzalloc(sizeof(*fsr), GFP_NOFS);
	if (!fsr)
		return -ENOMEM;
	fsr->req = req;
	ret = scoutfs_sysfs_dir_add(&fsr->dir, &fs->dir, req_groups, "%016llx",
				    scoutfs_fence_req_rid(req));
	if (ret) {
		kfree(fsr);
		return ret;
	}
	scoutfs_fence_req_set_private(req, fsr);
	return 0;
}

/* waits for attribute calls in progress: none touches the request after */
static void fence_sysfs_removed(void *arg, struct scoutfs_fence_req *req)
{
	struct fence_sysfs_req *fsr = scoutfs_fence_req_private(req);

	if (!fsr)
		return;
	scoutfs_fence_req_set_private(req, NULL);
	scoutfs_sysfs_dir_del(&fsr->dir);
	kfree(fsr);
}

static const struct scoutfs_fence_observer fence_sysfs_observer = {
	.added = fence_sysfs_added,
	.removed = fence_sysfs_removed,
};

struct fence_sysfs *scoutfs_fence_sysfs_add(struct scoutfs_sysfs_dir *parent,
					    struct scoutfs_fences *fences)
{
	struct fence_sysfs *fs;
	int ret;

	fs = kzalloc(sizeof(*fs), GFP_KERNEL);
	if (!fs)
		return ERR_PTR(-ENOMEM);
	fs->fences = fences;
	ret = scoutfs_sysfs_dir_add(&fs->dir, parent, NULL, "fence");
	if (ret) {
		kfree(fs);
		return ERR_PTR(ret);
	}
	scoutfs_fences_observe(fences, &fence_sysfs_observer, fs);
	return fs;
}

void scoutfs_fence_sysfs_del(struct fence_sysfs *fs)
{
	if (!fs)
		return;
	scoutfs_fences_unobserve(fs->fences);
	scoutfs_sysfs_dir_del(&fs->dir);
	kfree(fs);
}
