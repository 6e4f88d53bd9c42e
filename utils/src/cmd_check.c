/*
 * scoutfs check: the offline checker's command line.  The checking is
 * done by check.c; this prints its problem lines and a summary, and
 * maps the result to fsck-style exit codes.
 */
#include <getopt.h>
#include <stdio.h>

#include "check.h"
#include "cmd.h"

#define CHECK_USAGE								\
	"usage: scoutfs check META-DEVICE DATA-DEVICE\n"			\
	"\n"									\
	"Check a scoutfs filesystem that is not mounted, without changing\n"	\
	"anything: the superblocks and that the devices belong together, the\n" \
	"quorum configuration and blocks, every block reachable from the\n"	\
	"superblock (checksum, magic, fsid, block number, seq, btree\n"		\
	"structure), the items in each tree, the allocators, and that every\n"	\
	"metadata and data block is used exactly once or free.\n"		\
	"\n"									\
	"Each problem is printed as one line, then a summary:\n"		\
	"'META DATA: clean' or 'META DATA: N problems found'.\n"		\
	"\n"									\
	"Exit status, as fsck's (bits that can be combined):\n"			\
	"   0  no problems found\n"						\
	"   4  problems found and left uncorrected\n"				\
	"   8  operational error: a device couldn't be opened or read\n"	\
	"  16  usage error\n"

static void print_line(void *arg, const char *line)
{
	printf("%s: %s\n", (const char *)arg, line);
}

static int check_func(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct scoutfs_check_opts opts = { .report = print_line, .arg = argv[0] };
	struct scoutfs_check_result res;
	int status;
	int c;

	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(CHECK_USAGE, stdout);
			return SCOUTFS_CHECK_CLEAN;
		default:
			scoutfs_getopt_error(argv[0], argv, c);
			return SCOUTFS_CHECK_USAGE;
		}
	}
	if (argc - optind != 2) {
		scoutfs_usage_error(argv[0], argc - optind < 2 ?
				    "needs META-DEVICE and DATA-DEVICE" :
				    "too many arguments");
		return SCOUTFS_CHECK_USAGE;
	}
	opts.meta_path = argv[optind];
	opts.data_path = argv[optind + 1];

	status = scoutfs_check(&opts, &res);
	if (res.operational[0]) {
		fflush(stdout);
		fprintf(stderr, "%s: %s\n", argv[0], res.operational);
	}
	if (res.problems)
		printf("%s %s: %lu problem%s found\n", opts.meta_path, opts.data_path,
		       res.problems, res.problems == 1 ? "" : "s");
	else if (!res.operational[0])
		printf("%s %s: clean\n", opts.meta_path, opts.data_path);
	else
		printf("%s %s: not checked completely\n", opts.meta_path, opts.data_path);
	return status;
}

static const struct scoutfs_cmd check_cmd = {
	.name = "check",
	.summary = "check a filesystem offline (fsck)",
	.usage = CHECK_USAGE,
	.func = check_func,
};

SCOUTFS_CMD_REGISTER(check_cmd);
