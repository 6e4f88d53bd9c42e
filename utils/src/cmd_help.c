/* scoutfs help: the command list, or the usage of one command */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"

static int help_func(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct scoutfs_cmd *cmd;
	int c;

	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cmd = scoutfs_cmd_find("help");
			fputs(cmd->usage, stdout);
			return SCOUTFS_EXIT_OK;
		default:
			return scoutfs_getopt_error(argv[0], argv, c);
		}
	}

	if (optind == argc) {
		scoutfs_print_usage(stdout);
		return SCOUTFS_EXIT_OK;
	}
	if (argc - optind > 1)
		return scoutfs_usage_error(argv[0], "unexpected argument '%s'", argv[optind + 1]);

	cmd = scoutfs_cmd_find(argv[optind]);
	if (!cmd)
		return scoutfs_usage_error(argv[0], "unknown command '%s'", argv[optind]);
	fputs(cmd->usage, stdout);
	return SCOUTFS_EXIT_OK;
}

static const struct scoutfs_cmd help_cmd = {
	.name = "help",
	.summary = "show the command list or the usage of one command",
	.usage = "usage: scoutfs help [COMMAND]\n"
		 "\n"
		 "Without COMMAND, list the commands.  With one, show its usage, the\n"
		 "same as 'scoutfs COMMAND --help'.\n",
	.func = help_func,
};

SCOUTFS_CMD_REGISTER(help_cmd)
