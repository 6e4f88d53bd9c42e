/*
 * scoutfs: the userspace command for the scoutfs clustered filesystem.
 *
 * main() parses the global options and dispatches to a subcommand from
 * the table that the cmd_*.c files fill at startup.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

#define PROG "scoutfs"
#define MAX_CMDS 64

static const struct scoutfs_cmd *cmds[MAX_CMDS];
static size_t nr_cmds;

/* called from constructors, before main() */
void scoutfs_cmd_register(const struct scoutfs_cmd *cmd)
{
	size_t i;

	if (nr_cmds == MAX_CMDS || !cmd->name || !cmd->summary || !cmd->usage ||
	    !cmd->func) {
		fprintf(stderr, PROG ": internal error: can't register command '%s'\n",
			cmd->name ? cmd->name : "(null)");
		abort();
	}

	/* keep the table sorted by name for the help listing */
	for (i = nr_cmds; i > 0 && strcmp(cmds[i - 1]->name, cmd->name) > 0; i--)
		cmds[i] = cmds[i - 1];
	cmds[i] = cmd;
	nr_cmds++;
}

const struct scoutfs_cmd *scoutfs_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < nr_cmds; i++) {
		if (!strcmp(cmds[i]->name, name))
			return cmds[i];
	}
	return NULL;
}

const struct scoutfs_cmd *scoutfs_cmd_nth(size_t i)
{
	return i < nr_cmds ? cmds[i] : NULL;
}

void scoutfs_print_usage(FILE *f)
{
	size_t width = 0;
	size_t i;

	for (i = 0; i < nr_cmds; i++) {
		if (strlen(cmds[i]->name) > width)
			width = strlen(cmds[i]->name);
	}

	fprintf(f,
		"usage: " PROG " [--help | --version] COMMAND [ARGS...]\n"
		"\n"
		"Userspace tools for the scoutfs clustered filesystem.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < nr_cmds; i++)
		fprintf(f, "  %-*s  %s\n", (int)width, cmds[i]->name, cmds[i]->summary);
	fprintf(f,
		"\n"
		"Run '" PROG " COMMAND --help' for the usage of one command.\n");
}

int scoutfs_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try '%s --help')\n", prog);
	return SCOUTFS_EXIT_USAGE;
}

int scoutfs_getopt_error(const char *prog, char **argv, int ret)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	/*
	 * For a short option in a cluster like -xq the offending
	 * character is in optopt; long options only leave the argument.
	 */
	if (ret == ':') {
		if (arg[0] == '-' && arg[1] == '-')
			return scoutfs_usage_error(prog, "option '%s' requires an argument", arg);
		return scoutfs_usage_error(prog, "option '-%c' requires an argument", optopt);
	}
	if (optopt)
		return scoutfs_usage_error(prog, "unknown option '-%c'", optopt);
	return scoutfs_usage_error(prog, "unknown option '%s'", arg);
}

/* run cmd with argv[0] replaced by "PREFIX NAME" */
static int run_cmd(const struct scoutfs_cmd *cmd, const char *prefix, int argc, char **argv)
{
	char **args;
	char *name;
	int ret;

	if (asprintf(&name, "%s %s", prefix, cmd->name) < 0) {
		fprintf(stderr, "%s: out of memory\n", prefix);
		return SCOUTFS_EXIT_FAIL;
	}
	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args) {
		free(name);
		fprintf(stderr, "%s: out of memory\n", prefix);
		return SCOUTFS_EXIT_FAIL;
	}
	memcpy(args, argv, (size_t)argc * sizeof(*args));
	args[0] = name;

	/* each command starts getopt afresh */
	optind = 0;
	opterr = 0;
	ret = cmd->func(argc, args);

	free(args);
	free(name);
	return ret;
}

int scoutfs_cmd_run_sub(const struct scoutfs_cmd *subs, size_t nr_subs, int argc,
			char **argv)
{
	size_t i;

	if (argc < 2)
		return scoutfs_usage_error(argv[0], "missing subcommand");

	for (i = 0; i < nr_subs; i++) {
		if (!strcmp(subs[i].name, argv[1]))
			return run_cmd(&subs[i], argv[0], argc - 1, argv + 1);
	}
	return scoutfs_usage_error(argv[0], "unknown subcommand '%s'", argv[1]);
}

static int dispatch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct scoutfs_cmd *cmd;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			scoutfs_print_usage(stdout);
			return SCOUTFS_EXIT_OK;
		case 'V':
			printf("%s\n", scoutfs_version_string());
			return SCOUTFS_EXIT_OK;
		default:
			return scoutfs_getopt_error(PROG, argv, c);
		}
	}

	if (optind >= argc) {
		scoutfs_print_usage(stderr);
		return SCOUTFS_EXIT_USAGE;
	}

	cmd = scoutfs_cmd_find(argv[optind]);
	if (!cmd) {
		fprintf(stderr, PROG ": unknown command '%s' (see '" PROG " --help')\n",
			argv[optind]);
		return SCOUTFS_EXIT_USAGE;
	}

	return run_cmd(cmd, PROG, argc - optind, argv + optind);
}

int main(int argc, char **argv)
{
	int ret = dispatch(argc, argv);

	/* output that didn't make it out is a failure, e.g. a full disk */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, PROG ": error writing output\n");
		if (ret == SCOUTFS_EXIT_OK)
			ret = SCOUTFS_EXIT_FAIL;
	}
	return ret;
}
