/*
 * scoutfs YAML cluster configuration.
 *
 * This is a library part: nothing here prints.  Parsing either returns
 * a fully validated configuration or a list of problems, each with the
 * 1-based line and column in the input where it was found.  The schema
 * is documented in docs/cluster-config.md.
 */
#ifndef SCOUTFS_UTILS_CONFIG_H
#define SCOUTFS_UTILS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SCOUTFS_CONFIG_DEFAULT_PORT 11111
#define SCOUTFS_CONFIG_MAX_QUORUM_SLOT 14	/* slots are 0..14 */
#define SCOUTFS_CONFIG_NAME_MAX 63		/* cluster.name */
#define SCOUTFS_CONFIG_NODE_NAME_MAX 253	/* nodes[].name, a host name */
#define SCOUTFS_CONFIG_DEFAULT_FENCE_TIMEOUT_S 60
#define SCOUTFS_CONFIG_MAX_FENCE_TIMEOUT_S 86400
#define SCOUTFS_CONFIG_MAX_FILE_SIZE (1024 * 1024)
#define SCOUTFS_CONFIG_MAX_DEPTH 64		/* YAML nesting levels */
#define SCOUTFS_CONFIG_MAX_ERRORS 50

enum scoutfs_fence_method {
	SCOUTFS_FENCE_NONE = 0,
	SCOUTFS_FENCE_SYSFS_ACK,
	SCOUTFS_FENCE_COMMAND,
};

struct scoutfs_config_node {
	const char *name;
	const char *address;		/* the literal from the file */
	int family;			/* AF_INET or AF_INET6 */
	uint16_t port;
	struct sockaddr_storage sockaddr; /* address and port, ready for connect() */
	socklen_t sockaddr_len;
	int quorum_slot;		/* 0..14, or -1 for a client */
	const char *metadata_device;	/* effective: per-node override or default */
	const char *data_device;
	bool devices_overridden;	/* a per-node devices: mapping was given */
	unsigned int line;		/* where the node's mapping starts */
	unsigned int column;
};

struct scoutfs_config_priv;

struct scoutfs_config {
	const char *cluster_name;
	bool has_fsid;
	uint64_t fsid;

	/* defaults from the top level devices: mapping, NULL when unset */
	const char *default_metadata_device;
	const char *default_data_device;

	const char *mount_path;		/* NULL when unset */
	const char **mount_options;	/* extra options, in file order */
	size_t nr_mount_options;

	enum scoutfs_fence_method fence_method;
	const char *fence_command;	/* only with SCOUTFS_FENCE_COMMAND */
	unsigned int fence_timeout_s;

	struct scoutfs_config_node *nodes;	/* in file order */
	size_t nr_nodes;
	struct scoutfs_config_node **quorum;	/* quorum members sorted by slot */
	size_t nr_quorum;

	struct scoutfs_config_priv *priv;
};

struct scoutfs_config_error {
	unsigned int line;	/* 1-based; 0 when the problem has no position */
	unsigned int column;	/* 1-based; 0 when the problem has no position */
	char *message;		/* one line, no trailing newline */
};

struct scoutfs_config_errors {
	struct scoutfs_config_error *errors;	/* sorted by position */
	size_t nr;
	bool truncated;		/* stopped after SCOUTFS_CONFIG_MAX_ERRORS */
};

/*
 * Parse and validate a configuration.
 *
 * Returns 0 and sets *cfg_ret on success.  Returns -EINVAL when the
 * input has problems: *cfg_ret is NULL and errs lists them.  Returns
 * -EFBIG for inputs larger than SCOUTFS_CONFIG_MAX_FILE_SIZE, -ENOMEM,
 * or (for files) the -errno of a failed open or read; errs is then
 * empty.  errs must be released with scoutfs_config_errors_free() in
 * every case; it may be NULL if the caller doesn't want the details.
 */
int scoutfs_config_parse_buffer(const void *buf, size_t len,
				struct scoutfs_config **cfg_ret,
				struct scoutfs_config_errors *errs);
/* path "-" reads standard input */
int scoutfs_config_parse_file(const char *path,
			      struct scoutfs_config **cfg_ret,
			      struct scoutfs_config_errors *errs);

void scoutfs_config_free(struct scoutfs_config *cfg);
void scoutfs_config_errors_free(struct scoutfs_config_errors *errs);

/*
 * Find a node by name.  With a NULL name the local host name from
 * gethostname() is used; when it doesn't match exactly, its first
 * label (before the first '.') is tried.  Returns 0 and sets
 * *node_ret, -ENOENT if there is no such node, or the -errno of a
 * failed gethostname().
 */
int scoutfs_config_find_node(const struct scoutfs_config *cfg, const char *name,
			     const struct scoutfs_config_node **node_ret);

/*
 * The mount option string a mount of this node uses:
 * "metadev_path=DEV[,quorum_slot_nr=N][,extra options...]".
 * Returns a malloc()ed string or NULL with errno ENOMEM.
 */
char *scoutfs_config_mount_options(const struct scoutfs_config *cfg,
				   const struct scoutfs_config_node *node);

const char *scoutfs_config_fence_method_name(enum scoutfs_fence_method method);

#endif
