// SPDX-License-Identifier: GPL-2.0
/*
 * Mount option parsing.
 *
 * Options arrive one at a time through the fs_context API.  Each value is
 * checked as it is parsed so that errors name the offending option; the
 * checks that need every option (required ones) run once all have been
 * seen.  Errors are logged through the fs_context, which prefixes them
 * with "scoutfs: " and hands them to the mounting process (fsopen()) or
 * the kernel log (mount(2)).
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/time.h>

#include "vfs/options.h"

enum {
	Opt_metadev_path,
	Opt_quorum_slot_nr,
	Opt_orphan_scan_delay_ms,
	Opt_data_prealloc_blocks,
	Opt_data_prealloc_contig_only,
	Opt_log_merge_wait_timeout_ms,
	Opt_tcp_keepalive_timeout_ms,
	Opt_quorum_heartbeat_timeout_ms,
	Opt_acl,
};

const struct fs_parameter_spec scoutfs_mount_param_spec[] = {
	fsparam_string("metadev_path", Opt_metadev_path),
	fsparam_u32("quorum_slot_nr", Opt_quorum_slot_nr),
	fsparam_u32("orphan_scan_delay_ms", Opt_orphan_scan_delay_ms),
	fsparam_u32("data_prealloc_blocks", Opt_data_prealloc_blocks),
	fsparam_bool("data_prealloc_contig_only",
		     Opt_data_prealloc_contig_only),
	fsparam_u32("log_merge_wait_timeout_ms",
		    Opt_log_merge_wait_timeout_ms),
	fsparam_u32("tcp_keepalive_timeout_ms", Opt_tcp_keepalive_timeout_ms),
	fsparam_u32("quorum_heartbeat_timeout_ms",
		    Opt_quorum_heartbeat_timeout_ms),
	fsparam_flag_no("acl", Opt_acl),
	{}
};

/*
 * The numeric options that are a plain u32 field with a default and an
 * inclusive range.
 */
struct scoutfs_u32_option {
	int opt;
	const char *name;
	size_t offset;
	u32 def;
	u32 min;
	u32 max;
};

#define SCOUTFS_U32_OPTION(_field, _def, _min, _max)			\
	{								\
		.opt = Opt_##_field,					\
		.name = #_field,					\
		.offset = offsetof(struct scoutfs_mount_options, _field), \
		.def = _def,						\
		.min = _min,						\
		.max = _max,						\
	}

static const struct scoutfs_u32_option scoutfs_u32_options[] = {
	/* how long to wait between scans for unreferenced inodes */
	SCOUTFS_U32_OPTION(orphan_scan_delay_ms,
			   10 * MSEC_PER_SEC, 100, 60 * 60 * MSEC_PER_SEC),
	/* data blocks allocated ahead of streaming writes */
	SCOUTFS_U32_OPTION(data_prealloc_blocks, 2048, 1, 1U << 24),
	/* how long a client waits for log merge work before checking again */
	SCOUTFS_U32_OPTION(log_merge_wait_timeout_ms,
			   500, 100, 60 * MSEC_PER_SEC),
	/* silence after which a network peer is considered gone */
	SCOUTFS_U32_OPTION(tcp_keepalive_timeout_ms,
			   60 * MSEC_PER_SEC, 3 * MSEC_PER_SEC,
			   60 * 60 * MSEC_PER_SEC),
	/* missed quorum heartbeats after which an election starts */
	SCOUTFS_U32_OPTION(quorum_heartbeat_timeout_ms,
			   10 * MSEC_PER_SEC, 2 * MSEC_PER_SEC,
			   60 * MSEC_PER_SEC),
};

static u32 *scoutfs_u32_field(struct scoutfs_mount_options *opts,
			      const struct scoutfs_u32_option *uo)
{
	return (u32 *)((char *)opts + uo->offset);
}

static u32 scoutfs_u32_value(const struct scoutfs_mount_options *opts,
			     const struct scoutfs_u32_option *uo)
{
	return *(const u32 *)((const char *)opts + uo->offset);
}

static const struct scoutfs_u32_option *scoutfs_find_u32_option(int opt)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(scoutfs_u32_options); i++) {
		if (scoutfs_u32_options[i].opt == opt)
			return &scoutfs_u32_options[i];
	}

	return NULL;
}

void scoutfs_options_init(struct scoutfs_mount_options *opts)
{
	const struct scoutfs_u32_option *uo;
	unsigned int i;

	memset(opts, 0, sizeof(*opts));
	opts->quorum_slot_nr = -1;
	opts->data_prealloc_contig_only = true;
	opts->acl = true;

	for (i = 0; i < ARRAY_SIZE(scoutfs_u32_options); i++) {
		uo = &scoutfs_u32_options[i];
		*scoutfs_u32_field(opts, uo) = uo->def;
	}
}

/*
 * Returns -ENOPARAM for parameters that aren't ours so that the VFS can
 * handle "source" and report unknown options.
 */
int scoutfs_options_parse_param(struct fs_context *fc,
				struct scoutfs_mount_options *opts,
				struct fs_parameter *param)
{
	const struct scoutfs_u32_option *uo;
	struct fs_parse_result result;
	int opt;

	opt = fs_parse(fc, scoutfs_mount_param_spec, param, &result);
	if (opt < 0)
		return opt;

	switch (opt) {
	case Opt_metadev_path:
		kfree(opts->metadev_path);
		opts->metadev_path = param->string;
		param->string = NULL;
		return 0;

	case Opt_quorum_slot_nr:
		if (result.uint_32 >= SCOUTFS_OPTS_QUORUM_SLOTS)
			return invalfc(fc, "quorum_slot_nr=%u is out of range, must be 0 to %u",
				       result.uint_32,
				       SCOUTFS_OPTS_QUORUM_SLOTS - 1);
		opts->quorum_slot_nr = result.uint_32;
		return 0;

	case Opt_data_prealloc_contig_only:
		opts->data_prealloc_contig_only = result.boolean;
		return 0;

	case Opt_acl:
		opts->acl = !result.negated;
		return 0;
	}

	uo = scoutfs_find_u32_option(opt);
	if (WARN_ON_ONCE(!uo))
		return -EINVAL;

	if (result.uint_32 < uo->min || result.uint_32 > uo->max)
		return invalfc(fc, "%s=%u is out of range, must be %u to %u",
			       uo->name, result.uint_32, uo->min, uo->max);

	*scoutfs_u32_field(opts, uo) = result.uint_32;
	return 0;
}

/*
 * Checks that need all the options, made once they have all been parsed.
 */
int scoutfs_options_validate(struct fs_context *fc,
			     const struct scoutfs_mount_options *opts)
{
	if (!opts->metadev_path)
		return invalfc(fc, "the metadev_path=<metadata device> option is required");

	return 0;
}

/*
 * Print the options as they appear in /proc/mounts.
 */
void scoutfs_options_show(struct seq_file *seq,
			  const struct scoutfs_mount_options *opts)
{
	const struct scoutfs_u32_option *uo;
	unsigned int i;

	if (opts->metadev_path)
		seq_show_option(seq, "metadev_path", opts->metadev_path);
	if (opts->quorum_slot_nr >= 0)
		seq_printf(seq, ",quorum_slot_nr=%d", opts->quorum_slot_nr);

	for (i = 0; i < ARRAY_SIZE(scoutfs_u32_options); i++) {
		uo = &scoutfs_u32_options[i];
		seq_printf(seq, ",%s=%u", uo->name,
			   scoutfs_u32_value(opts, uo));
	}

	seq_printf(seq, ",data_prealloc_contig_only=%u",
		   opts->data_prealloc_contig_only ? 1 : 0);
	seq_puts(seq, opts->acl ? ",acl" : ",noacl");
}

void scoutfs_options_free(struct scoutfs_mount_options *opts)
{
	kfree(opts->metadev_path);
	opts->metadev_path = NULL;
}
