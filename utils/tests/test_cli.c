/*
 * Tests of the scoutfs command line: dispatch, help, version, exit
 * codes, and the config subcommands, by running the binary named in
 * $SCOUTFS_BIN (the sanitizer build under 'make check').
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "testutil.h"
#include "version.h"

#define RUN(res, input, ...)                                             \
	do {                                                              \
		const char *const run_args_[] = { __VA_ARGS__, NULL };        \
		run_scoutfs(res, input, run_args_);                       \
	} while (0)

static char *example;

static bool one_line(const char *s)
{
	return s && count_lines(s) == 1 && s[strlen(s) - 1] == '\n';
}

static void test_help_and_version(void)
{
	struct run_result r;
	struct run_result r2;
	char *version;

	RUN(&r, NULL, "--help");
	tap_is_int(r.status, 0, "--help exits 0");
	tap_contains(r.out, "usage: scoutfs", "--help prints the usage");
	tap_contains(r.out, "\n  config ", "--help lists config");
	tap_contains(r.out, "\n  help ", "--help lists help");
	tap_contains(r.out, "\n  version ", "--help lists version");
	tap_is_str(r.err, "", "--help writes nothing to stderr");

	RUN(&r2, NULL, "help");
	tap_is_int(r2.status, 0, "help exits 0");
	tap_is_str(r2.out, r.out, "help prints the same as --help");
	run_result_free(&r2);

	RUN(&r2, NULL, "-h");
	tap_is_str(r2.out, r.out, "-h prints the same as --help");
	run_result_free(&r2);
	run_result_free(&r);

	if (asprintf(&version, "scoutfs %s\n", SCOUTFS_VERSION) < 0)
		tap_bail("out of memory");
	RUN(&r, NULL, "--version");
	tap_is_int(r.status, 0, "--version exits 0");
	tap_is_str(r.out, version, "--version prints 'scoutfs VERSION'");
	run_result_free(&r);
	RUN(&r, NULL, "-V");
	tap_is_str(r.out, version, "-V prints the version");
	run_result_free(&r);
	RUN(&r, NULL, "version");
	tap_is_int(r.status, 0, "version exits 0");
	tap_is_str(r.out, version, "version prints 'scoutfs VERSION'");
	run_result_free(&r);
	free(version);

	RUN(&r, NULL, "version", "extra");
	tap_is_int(r.status, 2, "version with an argument is a usage error");
	run_result_free(&r);
}

static void test_usage_errors(void)
{
	struct run_result r;

	RUN(&r, NULL, "frobnicate");
	tap_is_int(r.status, 2, "unknown command exits 2");
	tap_is_str(r.out, "", "unknown command prints nothing to stdout");
	tap_ok(one_line(r.err), "unknown command: one line on stderr");
	tap_contains(r.err, "unknown command 'frobnicate'", "unknown command is named");
	run_result_free(&r);

	RUN(&r, NULL, "--frobnicate");
	tap_is_int(r.status, 2, "unknown global option exits 2");
	tap_ok(one_line(r.err), "unknown option: one line on stderr");
	tap_contains(r.err, "'--frobnicate'", "unknown option is named");
	run_result_free(&r);

	RUN(&r, NULL, "-q");
	tap_is_int(r.status, 2, "unknown short option exits 2");
	tap_contains(r.err, "'-q'", "unknown short option is named");
	run_result_free(&r);

	{
		static const char *const none[] = { NULL };

		run_scoutfs(&r, NULL, none);
	}
	tap_is_int(r.status, 2, "no command exits 2");
	tap_contains(r.err, "usage: scoutfs", "no command prints the usage on stderr");
	tap_is_str(r.out, "", "no command prints nothing to stdout");
	run_result_free(&r);

	RUN(&r, NULL, "help", "frobnicate");
	tap_is_int(r.status, 2, "help for an unknown command exits 2");
	tap_ok(one_line(r.err), "help for an unknown command: one line on stderr");
	run_result_free(&r);

	RUN(&r, NULL, "config");
	tap_is_int(r.status, 2, "config without a subcommand exits 2");
	tap_contains(r.err, "missing subcommand", "config says the subcommand is missing");
	run_result_free(&r);

	RUN(&r, NULL, "config", "frobnicate");
	tap_is_int(r.status, 2, "unknown config subcommand exits 2");
	tap_contains(r.err, "scoutfs config: unknown subcommand 'frobnicate'",
		     "unknown config subcommand is named");
	run_result_free(&r);

	RUN(&r, NULL, "config", "validate");
	tap_is_int(r.status, 2, "validate without a file exits 2");
	tap_contains(r.err, "scoutfs config validate: missing FILE", "validate wants a FILE");
	run_result_free(&r);

	RUN(&r, NULL, "config", "validate", "--frobnicate", example);
	tap_is_int(r.status, 2, "validate with an unknown option exits 2");
	tap_ok(one_line(r.err), "validate unknown option: one line on stderr");
	run_result_free(&r);

	RUN(&r, NULL, "config", "show", example, "--node");
	tap_is_int(r.status, 2, "--node without an argument exits 2");
	tap_contains(r.err, "option '--node' requires an argument", "missing argument is named");
	run_result_free(&r);

	RUN(&r, NULL, "config", "show", example, "-n");
	tap_is_int(r.status, 2, "-n without an argument exits 2");
	tap_contains(r.err, "option '-n' requires an argument", "missing short argument is named");
	run_result_free(&r);
}

/* every command listed by --help answers --help and 'help NAME' */
static void test_every_command_help(void)
{
	struct run_result r;
	struct run_result r2;
	const char *list;
	size_t nr = 0;
	char *names;
	char *line;
	char *save = NULL;

	RUN(&r, NULL, "--help");
	list = strstr(r.out, "Commands:\n");
	if (!tap_ok(list != NULL, "--help has a command list")) {
		run_result_free(&r);
		return;
	}
	names = strdup(list + strlen("Commands:\n"));
	if (!names)
		tap_bail("out of memory");

	for (line = strtok_r(names, "\n", &save); line && !strncmp(line, "  ", 2);
	     line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		char *want;

		if (sscanf(line, " %63s", name) != 1)
			continue;
		nr++;
		{
			const char *const args[] = { name, "--help", NULL };

			run_scoutfs(&r2, NULL, args);
		}
		if (asprintf(&want, "usage: scoutfs %s", name) < 0)
			tap_bail("out of memory");
		tap_is_int(r2.status, 0, "%s --help exits 0", name);
		tap_ok(!strncmp(r2.out, want, strlen(want)), "%s --help starts with '%s'", name, want);
		tap_is_str(r2.err, "", "%s --help writes nothing to stderr", name);
		{
			const char *const args[] = { "help", name, NULL };
			struct run_result r3;

			run_scoutfs(&r3, NULL, args);
			tap_is_str(r3.out, r2.out, "help %s prints the same as %s --help", name, name);
			run_result_free(&r3);
		}
		free(want);
		run_result_free(&r2);
	}
	tap_ok(nr >= 3, "found %zu commands in --help", nr);
	free(names);
	run_result_free(&r);

	RUN(&r, NULL, "config", "validate", "--help");
	tap_is_int(r.status, 0, "config validate --help exits 0");
	tap_contains(r.out, "scoutfs config validate FILE", "config validate --help");
	run_result_free(&r);
	RUN(&r, NULL, "config", "show", "-h");
	tap_is_int(r.status, 0, "config show -h exits 0");
	tap_contains(r.out, "scoutfs config show FILE", "config show -h");
	run_result_free(&r);
}

static void test_validate(void)
{
	static const char bad_yaml[] =
		"cluster:\n"
		"  name: c1\n"
		"  colour: blue\n"
		"nodes:\n"
		"  - { name: n1, address: 10.0.0.1, port: 0, quorum_slot: 0 }\n";
	struct run_result r;
	char *bad = write_temp(bad_yaml, sizeof(bad_yaml) - 1);
	char *want;

	{
		const char *const args[] = { "config", "validate", example, NULL };

		run_scoutfs(&r, NULL, args);
	}
	if (asprintf(&want, "%s: ok\n", example) < 0)
		tap_bail("out of memory");
	tap_is_int(r.status, 0, "validate of the example exits 0");
	tap_is_str(r.out, want, "validate of the example prints 'FILE: ok'");
	tap_is_str(r.err, "", "validate of the example writes nothing to stderr");
	free(want);
	run_result_free(&r);

	{
		const char *const args[] = { "config", "validate", bad, NULL };

		run_scoutfs(&r, NULL, args);
	}
	if (asprintf(&want,
		     "%s:3:3: unknown key 'colour' in cluster\n"
		     "%s:5:5: nodes[0]: no metadata device: set devices.metadata or nodes[0].devices.metadata\n"
		     "%s:5:5: nodes[0]: no data device: set devices.data or nodes[0].devices.data\n"
		     "%s:5:42: nodes[0].port: 0 is out of range 1..65535\n",
		     bad, bad, bad, bad) < 0)
		tap_bail("out of memory");
	tap_is_int(r.status, 1, "validate of a broken file exits 1");
	tap_is_str(r.out, want, "validate prints FILE:LINE:COLUMN: reason for each problem");
	free(want);
	run_result_free(&r);

	{
		const char *const args[] = { "config", "validate", example, bad, NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 1, "validate of a good and a bad file exits 1");
	tap_is_int((long long)count_lines(r.out), 5, "validate reports both files");
	run_result_free(&r);

	RUN(&r, NULL, "config", "validate", "/nonexistent/cluster.yaml");
	tap_is_int(r.status, 1, "validate of a missing file exits 1");
	tap_is_str(r.err,
		   "scoutfs config validate: /nonexistent/cluster.yaml: No such file or directory\n",
		   "validate of a missing file says why");
	run_result_free(&r);

	{
		char *input = read_file(example, NULL);

		if (!input)
			tap_bail("can't read %s", example);
		RUN(&r, input, "config", "validate", "-");
		free(input);
	}
	tap_is_int(r.status, 0, "validate of stdin exits 0");
	tap_is_str(r.out, "<stdin>: ok\n", "validate of stdin prints '<stdin>: ok'");
	run_result_free(&r);

	RUN(&r, "nodes: [\n", "config", "validate", "-");
	tap_is_int(r.status, 1, "validate of broken stdin exits 1");
	tap_contains(r.out, "<stdin>:2:1: invalid YAML:", "broken stdin is reported with a position");
	run_result_free(&r);

	remove_temp(bad);
}

static void test_show(void)
{
	static const char node3[] =
		"cluster.name=archive1\n"
		"cluster.fsid=0123456789abcdef\n"
		"node.name=node3\n"
		"node.address=fd00::3\n"
		"node.port=11111\n"
		"node.role=quorum\n"
		"node.quorum_slot=2\n"
		"devices.metadata=/dev/vdb\n"
		"devices.data=/dev/vdc\n"
		"mount.path=/mnt/scoutfs\n"
		"mount.options=metadev_path=/dev/vdb,quorum_slot_nr=2,orphan_scan_delay_ms=1000\n"
		"fencing.method=command\n"
		"fencing.command=/usr/libexec/scoutfs-fenced/fence-ipmi\n"
		"fencing.timeout_s=60\n";
	struct run_result r;
	char *single;
	char *yaml;
	char host[256];

	{
		const char *const args[] = { "config", "show", example, "--node", "node3", NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 0, "show --node exits 0");
	tap_is_str(r.out, node3, "show --node prints the node's effective configuration");
	run_result_free(&r);

	{
		const char *const args[] = { "config", "show", example, NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 0, "show of all nodes exits 0");
	tap_is_int((long long)count_lines(r.out), 5 * 14 - 2 + 4,
		   "show of all nodes: five blocks separated by empty lines");
	tap_contains(r.out, "\n\n" "cluster.name=archive1\n" "cluster.fsid=0123456789abcdef\n"
		     "node.name=client2\n", "show of all nodes includes client2");
	tap_contains(r.out, "node.name=client1\nnode.address=10.0.1.1\nnode.port=11111\n"
		     "node.role=client\ndevices.metadata=", "clients have no quorum_slot line");
	run_result_free(&r);

	{
		const char *const args[] = { "config", "show", example, "-n", "node1", "-g",
					     "mount.options", NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 0, "show --get exits 0");
	tap_is_str(r.out,
		   "metadev_path=/dev/disk/by-id/wwn-0x5000c500a1b2c3d4,quorum_slot_nr=0,"
		   "orphan_scan_delay_ms=1000\n", "show --get mount.options prints the value");
	run_result_free(&r);

	{
		const char *const args[] = { "config", "show", "--get", "node.quorum_slot",
					     "--node", "client1", example, NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 1, "show --get of an unset key exits 1");
	tap_is_str(r.out, "", "show --get of an unset key prints no value");
	tap_contains(r.err, "node.quorum_slot is not set for node 'client1'",
		     "show --get of an unset key says so");
	run_result_free(&r);

	{
		const char *const args[] = { "config", "show", example, "--node", "node1", "--get",
					     "bogus.key", NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 2, "show --get of an unknown key exits 2");
	run_result_free(&r);

	{
		const char *const args[] = { "config", "show", example, "--node", "nosuch", NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 1, "show --node of an unknown node exits 1");
	tap_contains(r.err, "no node named 'nosuch'", "show --node of an unknown node says so");
	run_result_free(&r);

	{
		const char *const args[] = { "config", "show", example, "--get", "node.name", NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 2, "show --get without a node among several exits 2");
	run_result_free(&r);

	{
		const char *const args[] = { "config", "show", example, "--node", "a", "--local",
					     NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 2, "show --node with --local exits 2");
	run_result_free(&r);

	{
		const char *const args[] = { "config", "show", example, example, NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 2, "show of two files exits 2");
	run_result_free(&r);

	/* an invalid file: the problems go to stderr, nothing to stdout */
	single = write_temp("cluster: {}\n", 12);
	{
		const char *const args[] = { "config", "show", single, NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_int(r.status, 1, "show of an invalid file exits 1");
	tap_is_str(r.out, "", "show of an invalid file prints nothing to stdout");
	tap_contains(r.err, ":1:10: missing required key 'name' in cluster",
		     "show of an invalid file reports the problems");
	run_result_free(&r);
	remove_temp(single);

	/* a single node needs no --node for --get; --local finds this host */
	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	if (!host[0] || strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "0123456789._-") != strlen(host))
		strcpy(host, "not-this-host");
	if (asprintf(&yaml,
		     "cluster: { name: c1 }\n"
		     "devices: { metadata: /dev/m, data: /dev/d }\n"
		     "nodes: [ { name: '%s', address: 10.0.0.1, quorum_slot: 3 } ]\n", host) < 0)
		tap_bail("out of memory");
	single = write_temp(yaml, strlen(yaml));
	free(yaml);
	{
		const char *const args[] = { "config", "show", single, "--get", "node.quorum_slot",
					     NULL };

		run_scoutfs(&r, NULL, args);
	}
	tap_is_str(r.out, "3\n", "show --get with a single node needs no --node");
	run_result_free(&r);
	{
		const char *const args[] = { "config", "show", single, "--local", "--get",
					     "node.name", NULL };
		char *want;

		run_scoutfs(&r, NULL, args);
		if (asprintf(&want, "%s\n", host) < 0)
			tap_bail("out of memory");
		if (strcmp(host, "not-this-host"))
			tap_is_str(r.out, want, "show --local finds this host");
		else
			tap_is_int(r.status, 1, "show --local without this host exits 1");
		free(want);
	}
	run_result_free(&r);
	remove_temp(single);
}

int main(void)
{
	example = utils_path("examples/cluster.yaml");

	test_help_and_version();
	test_usage_errors();
	test_every_command_help();
	test_validate();
	test_show();

	free(example);
	return tap_done();
}
