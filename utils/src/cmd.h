/*
 * scoutfs subcommands.
 *
 * Each subcommand lives in its own src/cmd_<name>.c which defines a
 * struct scoutfs_cmd and registers it with SCOUTFS_CMD_REGISTER().  The
 * Makefile builds every .c file in src/, so adding a command is adding
 * a file.
 */
#ifndef SCOUTFS_UTILS_CMD_H
#define SCOUTFS_UTILS_CMD_H

#include <stdio.h>

/* exit codes shared by all commands */
enum {
	SCOUTFS_EXIT_OK = 0,
	SCOUTFS_EXIT_FAIL = 1,	/* the command ran and found a problem */
	SCOUTFS_EXIT_USAGE = 2,	/* the command line was wrong */
};

struct scoutfs_cmd {
	const char *name;
	const char *summary;	/* one line for 'scoutfs --help' */
	const char *usage;	/* full help printed by 'scoutfs NAME --help' */
	/*
	 * argv[0] is "scoutfs NAME", suitable as a message prefix; the
	 * options and arguments follow.  Returns an exit code.
	 */
	int (*func)(int argc, char **argv);
};

#define SCOUTFS_CMD_REGISTER(cmd)						\
	static void __attribute__((constructor)) scoutfs_cmd_register_##cmd(void) \
	{									\
		scoutfs_cmd_register(&(cmd));					\
	}

void scoutfs_cmd_register(const struct scoutfs_cmd *cmd);
const struct scoutfs_cmd *scoutfs_cmd_find(const char *name);
/* the registered commands, sorted by name; NULL past the end */
const struct scoutfs_cmd *scoutfs_cmd_nth(size_t i);

/* top level usage with the list of commands */
void scoutfs_print_usage(FILE *f);

/* "scoutfs <version>" */
const char *scoutfs_version_string(void);

/*
 * Print "PROG: message (try 'PROG --help')" to stderr and return
 * SCOUTFS_EXIT_USAGE.
 */
int scoutfs_usage_error(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Report what getopt_long() complained about.  Call with its return
 * value ('?' or ':') when the option string starts with ':' and opterr
 * is 0.  Returns SCOUTFS_EXIT_USAGE.
 */
int scoutfs_getopt_error(const char *prog, char **argv, int ret);

/*
 * Run a subcommand from a table: argv[0] is the parent's "scoutfs
 * NAME", argv[1] the subcommand.  Used by commands with subcommands.
 */
int scoutfs_cmd_run_sub(const struct scoutfs_cmd *subs, size_t nr_subs, int argc,
			char **argv);

#endif
