/*
 * scoutfs mkfs: make a new filesystem on a metadata and a data device,
 * from the command line or from the cluster configuration.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <uuid/uuid.h>

#include "cmd.h"
#include "config.h"
#include "format/format.h"
#include "mkfs.h"
#include "parse.h"

#define MKFS_USAGE								\
	"usage: scoutfs mkfs META-DEVICE DATA-DEVICE -Q NR,ADDR,PORT [-Q ...]\n" \
	"                    [-m SIZE] [-d SIZE] [-f] [-A] [-V VERS]\n"		\
	"       scoutfs mkfs --config FILE [--node NAME] [-m SIZE] [-d SIZE] [-f] [-A]\n" \
	"\n"									\
	"Make a new scoutfs filesystem: metadata on META-DEVICE, file data on\n"	\
	"DATA-DEVICE.  Nothing is written unless every check passes.\n"	\
	"\n"									\
	"  -Q, --quorum-slot NR,ADDR,PORT  configure quorum slot NR (0-14) to\n"	\
	"                      elect and serve on the IPv4 or IPv6 ADDR and PORT;\n" \
	"                      repeat for each slot.  A majority of the slots must\n" \
	"                      be mounted to elect a leader (one when fewer than 3).\n" \
	"  -m, --max-meta-size SIZE  use at most SIZE of the metadata device\n"	\
	"  -d, --max-data-size SIZE  use at most SIZE of the data device\n"	\
	"                      (SIZE in bytes, or with a K, M, G, T or P suffix)\n" \
	"  -f, --force         overwrite existing filesystems on the devices\n"	\
	"  -A, --allow-small-size  allow devices under the minimum sizes (16 GiB\n" \
	"                      metadata, 8 GiB data); for testing\n"		\
	"  -V, --format-version VERS  the format version to write (only 1)\n"	\
	"  -c, --config FILE   take devices, quorum slots and the fsid from a\n"	\
	"                      cluster configuration (docs/cluster-config.md)\n"	\
	"  -n, --node NAME     with --config: use NAME's devices (default: the\n" \
	"                      node named like this host, else the defaults)\n"

/* devices, slots and the fsid from the cluster configuration */
static int opts_from_config(const char *prog, const char *file, const char *node_name,
			    struct scoutfs_mkfs_opts *o, struct scoutfs_config **cfg_ret)
{
	const struct scoutfs_config_node *node = NULL;
	struct scoutfs_config_errors errs;
	struct scoutfs_config *cfg;
	const char *why;
	size_t i;
	int ret;

	ret = scoutfs_config_parse_file(file, &cfg, &errs);
	if (ret < 0) {
		if (errs.nr)
			fprintf(stderr, "%s: %s:%u:%u: %s\n", prog, file, errs.errors[0].line,
				errs.errors[0].column, errs.errors[0].message);
		else
			fprintf(stderr, "%s: %s: %s\n", prog, file, strerror(-ret));
		scoutfs_config_errors_free(&errs);
		return SCOUTFS_EXIT_FAIL;
	}
	scoutfs_config_errors_free(&errs);
	*cfg_ret = cfg;

	ret = scoutfs_config_find_node(cfg, node_name, &node);
	if (ret < 0 && node_name) {
		fprintf(stderr, "%s: %s: no node named '%s'\n", prog, file, node_name);
		return SCOUTFS_EXIT_FAIL;
	}
	if (node) {
		o->meta_path = node->metadata_device;
		o->data_path = node->data_device;
	} else {
		o->meta_path = cfg->default_metadata_device;
		o->data_path = cfg->default_data_device;
	}
	if (!o->meta_path || !o->data_path) {
		fprintf(stderr, "%s: %s: no devices for this host; give --node NAME\n",
			prog, file);
		return SCOUTFS_EXIT_FAIL;
	}

	for (i = 0; i < cfg->nr_quorum; i++) {
		struct scoutfs_quorum_slot_arg *slot = &o->slots[o->nr_slots++];

		slot->nr = (unsigned int)cfg->quorum[i]->quorum_slot;
		if (scoutfs_parse_inet(cfg->quorum[i]->address, &slot->inet, &why) < 0) {
			fprintf(stderr, "%s: %s: node %s: address %s: %s\n", prog, file,
				cfg->quorum[i]->name, cfg->quorum[i]->address, why);
			return SCOUTFS_EXIT_FAIL;
		}
		slot->inet.port = cfg->quorum[i]->port;
	}
	o->has_fsid = cfg->has_fsid;
	o->fsid = cfg->fsid;
	return SCOUTFS_EXIT_OK;
}

static void print_result(const struct scoutfs_mkfs_opts *o,
			 const struct scoutfs_mkfs_result *r)
{
	char uuid[37], addr[SCOUTFS_INET_STRLEN];
	unsigned int i;

	uuid_unparse(r->uuid, uuid);
	printf("Created scoutfs filesystem\n");
	printf("  fsid:            %016llx\n", (unsigned long long)r->fsid);
	printf("  uuid:            %s\n", uuid);
	printf("  format version:  %llu\n", (unsigned long long)SCOUTFS_FORMAT_VERSION);
	printf("  metadata device: %s, %llu blocks of 64 KiB (%llu MiB), %llu free\n",
	       o->meta_path, (unsigned long long)r->total_meta_blocks,
	       (unsigned long long)(r->total_meta_blocks >> 4),
	       (unsigned long long)r->free_meta_blocks);
	printf("  data device:     %s, %llu blocks of 4 KiB (%llu MiB), %llu free\n",
	       o->data_path, (unsigned long long)r->total_data_blocks,
	       (unsigned long long)(r->total_data_blocks >> 8),
	       (unsigned long long)r->free_data_blocks);
	for (i = 0; i < o->nr_slots; i++)
		printf("  quorum slot %-2u   %s\n", o->slots[i].nr,
		       scoutfs_inet_str(&o->slots[i].inet, addr));
	if (r->small)
		printf("  warning: devices are under the minimum sizes (-A); for testing only\n");
}

static int mkfs_func(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "quorum-slot", required_argument, NULL, 'Q' },
		{ "max-meta-size", required_argument, NULL, 'm' },
		{ "max-data-size", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "allow-small-size", no_argument, NULL, 'A' },
		{ "format-version", required_argument, NULL, 'V' },
		{ "config", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct scoutfs_mkfs_opts o = { 0 };
	struct scoutfs_mkfs_result res;
	struct scoutfs_config *cfg = NULL;
	const char *config = NULL, *node = NULL;
	char err[512];
	const char *why;
	uint64_t vers;
	int ret;
	int c;

	while ((c = getopt_long(argc, argv, ":hQ:m:d:fAV:c:n:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(MKFS_USAGE, stdout);
			return SCOUTFS_EXIT_OK;
		case 'Q':
			if (o.nr_slots == SCOUTFS_QUORUM_MAX_SLOTS)
				return scoutfs_usage_error(argv[0], "at most %u quorum slots",
							   SCOUTFS_QUORUM_MAX_SLOTS);
			if (scoutfs_parse_quorum_slot(optarg, &o.slots[o.nr_slots], &why) < 0)
				return scoutfs_usage_error(argv[0], "invalid -Q '%s': %s",
							   optarg, why);
			o.nr_slots++;
			break;
		case 'm':
			if (scoutfs_parse_size(optarg, &o.max_meta_size, &why) < 0)
				return scoutfs_usage_error(argv[0], "invalid -m '%s': %s", optarg, why);
			break;
		case 'd':
			if (scoutfs_parse_size(optarg, &o.max_data_size, &why) < 0)
				return scoutfs_usage_error(argv[0], "invalid -d '%s': %s", optarg, why);
			break;
		case 'f':
			o.force = true;
			break;
		case 'A':
			o.allow_small = true;
			break;
		case 'V':
			if (scoutfs_parse_u64(optarg, &vers, &why) < 0 ||
			    vers < SCOUTFS_FORMAT_VERSION_MIN || vers > SCOUTFS_FORMAT_VERSION_MAX)
				return scoutfs_usage_error(argv[0],
					"invalid -V '%s': supported format versions are %llu to %llu",
					optarg, (unsigned long long)SCOUTFS_FORMAT_VERSION_MIN,
					(unsigned long long)SCOUTFS_FORMAT_VERSION_MAX);
			break;
		case 'c':
			config = optarg;
			break;
		case 'n':
			node = optarg;
			break;
		default:
			return scoutfs_getopt_error(argv[0], argv, c);
		}
	}

	if (node && !config)
		return scoutfs_usage_error(argv[0], "--node needs --config");
	if (config) {
		if (optind != argc)
			return scoutfs_usage_error(argv[0],
				"give the devices either as arguments or with --config, not both");
		if (o.nr_slots)
			return scoutfs_usage_error(argv[0],
				"give quorum slots either with -Q or with --config, not both");
		ret = opts_from_config(argv[0], config, node, &o, &cfg);
		if (ret != SCOUTFS_EXIT_OK)
			goto out;
	} else {
		if (argc - optind < 2)
			return scoutfs_usage_error(argv[0], "needs META-DEVICE and DATA-DEVICE");
		if (argc - optind > 2)
			return scoutfs_usage_error(argv[0], "unexpected argument '%s'",
						   argv[optind + 2]);
		o.meta_path = argv[optind];
		o.data_path = argv[optind + 1];
	}

	if (scoutfs_mkfs(&o, &res, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		ret = SCOUTFS_EXIT_FAIL;
		goto out;
	}
	print_result(&o, &res);
	ret = SCOUTFS_EXIT_OK;
out:
	scoutfs_config_free(cfg);
	return ret;
}

static const struct scoutfs_cmd mkfs_cmd = {
	.name = "mkfs",
	.summary = "make a new filesystem on a metadata and a data device",
	.usage = MKFS_USAGE,
	.func = mkfs_func,
};

SCOUTFS_CMD_REGISTER(mkfs_cmd);
