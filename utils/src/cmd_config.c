/*
 * scoutfs config: validate a YAML cluster configuration, or show the
 * effective configuration of its nodes.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"

#define CONFIG_USAGE								\
	"usage: scoutfs config validate FILE...\n"				\
	"       scoutfs config show FILE [--node NAME | --local] [--get KEY]\n"	\
	"\n"									\
	"Work with a YAML cluster configuration (see docs/cluster-config.md).\n"	\
	"FILE may be '-' for standard input.\n"				\
	"\n"									\
	"validate  Check each FILE.  Prints 'FILE: ok', or one line per problem\n" \
	"          as 'FILE:LINE:COLUMN: reason'.  Exits 1 if any FILE has a\n"	\
	"          problem or can't be read.\n"					\
	"\n"									\
	"show      Print the effective configuration of every node (or of one)\n" \
	"          as KEY=VALUE lines, one block per node separated by an empty\n" \
	"          line: per-node devices override the defaults and\n"		\
	"          mount.options is the option string a mount uses.\n"		\
	"\n"									\
	"Options for show:\n"							\
	"  -n, --node NAME  only show the node called NAME\n"			\
	"  -l, --local      only show the node named like this host\n"		\
	"                   (gethostname(), or its first label)\n"		\
	"  -g, --get KEY    print just the value of KEY for the selected node;\n" \
	"                   exits 1 if the node has no value for KEY\n"		\
	"\n"									\
	"Keys: cluster.name cluster.fsid node.name node.address node.port\n"	\
	"      node.role node.quorum_slot devices.metadata devices.data\n"	\
	"      mount.path mount.options fencing.method fencing.command\n"	\
	"      fencing.timeout_s\n"

#define VALUE_MAX 8192

static void print_errors(FILE *f, const char *file, const struct scoutfs_config_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->nr; i++) {
		const struct scoutfs_config_error *e = &errs->errors[i];

		if (e->line)
			fprintf(f, "%s:%u:%u: %s\n", file, e->line, e->column, e->message);
		else
			fprintf(f, "%s: %s\n", file, e->message);
	}
	if (errs->truncated)
		fprintf(f, "%s: too many problems, stopped after %d\n", file,
			SCOUTFS_CONFIG_MAX_ERRORS);
}

static const char *display_name(const char *file)
{
	return strcmp(file, "-") ? file : "<stdin>";
}

/*
 * Parse a file, reporting problems on f.  Returns the config or NULL
 * after reporting.
 */
static struct scoutfs_config *load(const char *prog, const char *file, FILE *f)
{
	struct scoutfs_config_errors errs;
	struct scoutfs_config *cfg;
	int ret;

	ret = scoutfs_config_parse_file(file, &cfg, &errs);
	if (ret == -EINVAL)
		print_errors(f, display_name(file), &errs);
	else if (ret < 0)
		fprintf(stderr, "%s: %s: %s\n", prog, display_name(file), strerror(-ret));
	scoutfs_config_errors_free(&errs);
	return cfg;
}

static int help_only(int argc, char **argv, const char *shortopts,
		     const struct option *longopts, bool *helped)
{
	int c;

	*helped = false;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(CONFIG_USAGE, stdout);
			*helped = true;
			return SCOUTFS_EXIT_OK;
		default:
			return scoutfs_getopt_error(argv[0], argv, c);
		}
	}
	return SCOUTFS_EXIT_OK;
}

static int validate_func(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct scoutfs_config *cfg;
	bool helped;
	int ret = SCOUTFS_EXIT_OK;
	int i;

	i = help_only(argc, argv, ":h", longopts, &helped);
	if (i || helped)
		return i;
	if (optind == argc)
		return scoutfs_usage_error(argv[0], "missing FILE");

	for (i = optind; i < argc; i++) {
		cfg = load(argv[0], argv[i], stdout);
		if (cfg)
			printf("%s: ok\n", display_name(argv[i]));
		else
			ret = SCOUTFS_EXIT_FAIL;
		scoutfs_config_free(cfg);
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* show */

/* write the value of a key for a node into buf; false when it has none */
typedef bool (*show_fn)(const struct scoutfs_config *cfg,
			const struct scoutfs_config_node *node, char *buf);

static bool show_cluster_name(const struct scoutfs_config *cfg,
			      const struct scoutfs_config_node *node, char *buf)
{
	(void)node;
	snprintf(buf, VALUE_MAX, "%s", cfg->cluster_name);
	return true;
}

static bool show_cluster_fsid(const struct scoutfs_config *cfg,
			      const struct scoutfs_config_node *node, char *buf)
{
	(void)node;
	snprintf(buf, VALUE_MAX, "%016" PRIx64, cfg->fsid);
	return cfg->has_fsid;
}

static bool show_node_name(const struct scoutfs_config *cfg,
			   const struct scoutfs_config_node *node, char *buf)
{
	(void)cfg;
	snprintf(buf, VALUE_MAX, "%s", node->name);
	return true;
}

static bool show_node_address(const struct scoutfs_config *cfg,
			      const struct scoutfs_config_node *node, char *buf)
{
	(void)cfg;
	snprintf(buf, VALUE_MAX, "%s", node->address);
	return true;
}

static bool show_node_port(const struct scoutfs_config *cfg,
			   const struct scoutfs_config_node *node, char *buf)
{
	(void)cfg;
	snprintf(buf, VALUE_MAX, "%u", (unsigned int)node->port);
	return true;
}

static bool show_node_role(const struct scoutfs_config *cfg,
			   const struct scoutfs_config_node *node, char *buf)
{
	(void)cfg;
	snprintf(buf, VALUE_MAX, "%s", node->quorum_slot >= 0 ? "quorum" : "client");
	return true;
}

static bool show_node_quorum_slot(const struct scoutfs_config *cfg,
				  const struct scoutfs_config_node *node, char *buf)
{
	(void)cfg;
	snprintf(buf, VALUE_MAX, "%d", node->quorum_slot);
	return node->quorum_slot >= 0;
}

static bool show_devices_metadata(const struct scoutfs_config *cfg,
				  const struct scoutfs_config_node *node, char *buf)
{
	(void)cfg;
	snprintf(buf, VALUE_MAX, "%s", node->metadata_device);
	return true;
}

static bool show_devices_data(const struct scoutfs_config *cfg,
			      const struct scoutfs_config_node *node, char *buf)
{
	(void)cfg;
	snprintf(buf, VALUE_MAX, "%s", node->data_device);
	return true;
}

static bool show_mount_path(const struct scoutfs_config *cfg,
			    const struct scoutfs_config_node *node, char *buf)
{
	(void)node;
	snprintf(buf, VALUE_MAX, "%s", cfg->mount_path ? cfg->mount_path : "");
	return cfg->mount_path != NULL;
}

static bool show_mount_options(const struct scoutfs_config *cfg,
			       const struct scoutfs_config_node *node, char *buf)
{
	char *opts = scoutfs_config_mount_options(cfg, node);

	if (!opts) {
		fprintf(stderr, "scoutfs config show: out of memory\n");
		exit(SCOUTFS_EXIT_FAIL);
	}
	snprintf(buf, VALUE_MAX, "%s", opts);
	free(opts);
	return true;
}

static bool show_fencing_method(const struct scoutfs_config *cfg,
				const struct scoutfs_config_node *node, char *buf)
{
	(void)node;
	snprintf(buf, VALUE_MAX, "%s", scoutfs_config_fence_method_name(cfg->fence_method));
	return true;
}

static bool show_fencing_command(const struct scoutfs_config *cfg,
				 const struct scoutfs_config_node *node, char *buf)
{
	(void)node;
	snprintf(buf, VALUE_MAX, "%s", cfg->fence_command ? cfg->fence_command : "");
	return cfg->fence_command != NULL;
}

static bool show_fencing_timeout(const struct scoutfs_config *cfg,
				 const struct scoutfs_config_node *node, char *buf)
{
	(void)node;
	snprintf(buf, VALUE_MAX, "%u", cfg->fence_timeout_s);
	return true;
}

static const struct {
	const char *key;
	show_fn fn;
} show_keys[] = {
	{ "cluster.name", show_cluster_name },
	{ "cluster.fsid", show_cluster_fsid },
	{ "node.name", show_node_name },
	{ "node.address", show_node_address },
	{ "node.port", show_node_port },
	{ "node.role", show_node_role },
	{ "node.quorum_slot", show_node_quorum_slot },
	{ "devices.metadata", show_devices_metadata },
	{ "devices.data", show_devices_data },
	{ "mount.path", show_mount_path },
	{ "mount.options", show_mount_options },
	{ "fencing.method", show_fencing_method },
	{ "fencing.command", show_fencing_command },
	{ "fencing.timeout_s", show_fencing_timeout },
};

#define NR_SHOW_KEYS (sizeof(show_keys) / sizeof(show_keys[0]))

static void show_node(const struct scoutfs_config *cfg, const struct scoutfs_config_node *node,
		      char *buf)
{
	size_t i;

	for (i = 0; i < NR_SHOW_KEYS; i++) {
		if (show_keys[i].fn(cfg, node, buf))
			printf("%s=%s\n", show_keys[i].key, buf);
	}
}

static int show_func(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "node", required_argument, NULL, 'n' },
		{ "local", no_argument, NULL, 'l' },
		{ "get", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	const struct scoutfs_config_node *node = NULL;
	struct scoutfs_config *cfg = NULL;
	const char *node_name = NULL;
	const char *get = NULL;
	const char *file;
	bool local = false;
	size_t key = 0;
	char *buf = NULL;
	size_t i;
	int ret;
	int c;

	while ((c = getopt_long(argc, argv, ":hn:lg:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(CONFIG_USAGE, stdout);
			return SCOUTFS_EXIT_OK;
		case 'n':
			node_name = optarg;
			break;
		case 'l':
			local = true;
			break;
		case 'g':
			get = optarg;
			break;
		default:
			return scoutfs_getopt_error(argv[0], argv, c);
		}
	}

	if (optind == argc)
		return scoutfs_usage_error(argv[0], "missing FILE");
	if (argc - optind > 1)
		return scoutfs_usage_error(argv[0], "unexpected argument '%s'", argv[optind + 1]);
	if (node_name && local)
		return scoutfs_usage_error(argv[0], "--node and --local can't be used together");
	if (get) {
		for (key = 0; key < NR_SHOW_KEYS; key++) {
			if (!strcmp(show_keys[key].key, get))
				break;
		}
		if (key == NR_SHOW_KEYS)
			return scoutfs_usage_error(argv[0], "unknown key '%s'", get);
	}
	file = argv[optind];

	cfg = load(argv[0], file, stderr);
	if (!cfg)
		return SCOUTFS_EXIT_FAIL;

	ret = SCOUTFS_EXIT_FAIL;
	if (node_name || local) {
		int err = scoutfs_config_find_node(cfg, node_name, &node);

		if (err == -ENOENT && local) {
			char host[HOST_NAME_MAX + 1] = "";

			if (gethostname(host, sizeof(host)) == 0)
				host[sizeof(host) - 1] = '\0';
			fprintf(stderr, "%s: this host '%s' is not a node in %s\n", argv[0], host,
				display_name(file));
			goto out;
		} else if (err == -ENOENT) {
			fprintf(stderr, "%s: no node named '%s' in %s\n", argv[0], node_name,
				display_name(file));
			goto out;
		} else if (err < 0) {
			fprintf(stderr, "%s: can't get the host name: %s\n", argv[0],
				strerror(-err));
			goto out;
		}
	} else if (get && cfg->nr_nodes == 1) {
		node = &cfg->nodes[0];
	} else if (get) {
		ret = scoutfs_usage_error(argv[0], "--get needs --node or --local when there are several nodes");
		goto out;
	}

	buf = malloc(VALUE_MAX);
	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		goto out;
	}

	if (get) {
		if (!show_keys[key].fn(cfg, node, buf)) {
			fprintf(stderr, "%s: %s is not set for node '%s'\n", argv[0], get,
				node->name);
			goto out;
		}
		printf("%s\n", buf);
	} else if (node) {
		show_node(cfg, node, buf);
	} else {
		for (i = 0; i < cfg->nr_nodes; i++) {
			if (i)
				printf("\n");
			show_node(cfg, &cfg->nodes[i], buf);
		}
	}
	ret = SCOUTFS_EXIT_OK;
out:
	free(buf);
	scoutfs_config_free(cfg);
	return ret;
}

/* ------------------------------------------------------------------ */

static const struct scoutfs_cmd config_subs[] = {
	{
		.name = "validate",
		.summary = "check cluster configuration files",
		.usage = CONFIG_USAGE,
		.func = validate_func,
	},
	{
		.name = "show",
		.summary = "print the effective configuration of nodes",
		.usage = CONFIG_USAGE,
		.func = show_func,
	},
};

static int config_func(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool helped;
	int ret;

	/* '+': options after the subcommand belong to it */
	ret = help_only(argc, argv, "+:h", longopts, &helped);
	if (ret || helped)
		return ret;

	/* the subcommand sees "scoutfs config" as its parent's name */
	argv[optind - 1] = argv[0];
	return scoutfs_cmd_run_sub(config_subs, sizeof(config_subs) / sizeof(config_subs[0]),
				   argc - optind + 1, argv + optind - 1);
}

static const struct scoutfs_cmd config_cmd = {
	.name = "config",
	.summary = "validate or show a YAML cluster configuration",
	.usage = CONFIG_USAGE,
	.func = config_func,
};

SCOUTFS_CMD_REGISTER(config_cmd)
