/*
 * libFuzzer entry point for the configuration parser, and the
 * invariant checks that the unit tests also run over the corpus.
 *
 *   make -C utils fuzz-run FUZZ_TIME=600
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "fuzz_config.h"

static const char *check_ok(const struct scoutfs_config *cfg)
{
	const struct scoutfs_config_node *found;
	size_t i;

	if (!cfg)
		return "success without a config";
	if (!cfg->cluster_name || !cfg->cluster_name[0])
		return "no cluster name";
	if (cfg->nr_nodes == 0 || !cfg->nodes)
		return "no nodes";
	if (cfg->nr_quorum == 0 || cfg->nr_quorum > SCOUTFS_CONFIG_MAX_QUORUM_SLOT + 1)
		return "bad number of quorum members";
	for (i = 0; i < cfg->nr_quorum; i++) {
		if (cfg->quorum[i]->quorum_slot < 0 ||
		    cfg->quorum[i]->quorum_slot > SCOUTFS_CONFIG_MAX_QUORUM_SLOT)
			return "quorum slot out of range";
		if (i && cfg->quorum[i - 1]->quorum_slot >= cfg->quorum[i]->quorum_slot)
			return "quorum not sorted by slot";
	}
	if (cfg->fence_method == SCOUTFS_FENCE_COMMAND && !cfg->fence_command)
		return "command fencing without a command";

	for (i = 0; i < cfg->nr_nodes; i++) {
		const struct scoutfs_config_node *n = &cfg->nodes[i];
		char *opts;

		if (!n->name || !n->address)
			return "node without name or address";
		if (n->port == 0)
			return "node port 0";
		if (!n->metadata_device || n->metadata_device[0] != '/' ||
		    !n->data_device || n->data_device[0] != '/')
			return "node without absolute devices";
		if (n->family != AF_INET && n->family != AF_INET6)
			return "bad address family";
		if (n->sockaddr.ss_family != n->family || n->sockaddr_len == 0)
			return "sockaddr not filled";
		if (n->line == 0 || n->column == 0)
			return "node without position";

		opts = scoutfs_config_mount_options(cfg, n);
		if (!opts)
			return "mount options allocation failed";
		if (strncmp(opts, "metadev_path=", 13) || strlen(opts) > 4095) {
			free(opts);
			return "bad mount options";
		}
		free(opts);

		if (scoutfs_config_find_node(cfg, n->name, &found) || found != n)
			return "find_node doesn't find a node by its name";
	}
	return NULL;
}

static const char *check_errors(const struct scoutfs_config_errors *errs, size_t size)
{
	size_t i;

	if (errs->nr == 0 && !errs->truncated)
		return "-EINVAL without errors";
	if (errs->nr > SCOUTFS_CONFIG_MAX_ERRORS)
		return "more errors than the limit";
	for (i = 0; i < errs->nr; i++) {
		const struct scoutfs_config_error *e = &errs->errors[i];

		if (!e->message || !e->message[0])
			return "empty error message";
		if (strchr(e->message, '\n') || strchr(e->message, '\r'))
			return "multi-line error message";
		if (e->line == 0 || e->column == 0)
			return "error without a position";
		if (e->line > size + 1 || e->column > size + 1)
			return "error position past the end of the input";
		if (i && (errs->errors[i - 1].line > e->line ||
			  (errs->errors[i - 1].line == e->line &&
			   errs->errors[i - 1].column > e->column)))
			return "errors not sorted by position";
	}
	return NULL;
}

int fuzz_config_check(const uint8_t *data, size_t size, const char **why)
{
	struct scoutfs_config_errors errs;
	struct scoutfs_config *cfg = NULL;
	int ret;

	ret = scoutfs_config_parse_buffer(data, size, &cfg, &errs);
	switch (ret) {
	case 0:
		*why = errs.nr ? "success with errors" : check_ok(cfg);
		break;
	case -EINVAL:
		*why = cfg ? "failure with a config" : check_errors(&errs, size);
		break;
	case -EFBIG:
		*why = size <= SCOUTFS_CONFIG_MAX_FILE_SIZE ? "-EFBIG for a small input" : NULL;
		break;
	default:
		*why = "unexpected return code";
		break;
	}

	scoutfs_config_errors_free(&errs);
	scoutfs_config_free(cfg);
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why;
	int ret;

	ret = fuzz_config_check(data, size, &why);
	if (why) {
		fprintf(stderr, "config invariant violated (ret %d): %s\n", ret, why);
		abort();
	}
	return 0;
}
