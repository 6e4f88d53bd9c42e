/*
 * Tests of the cluster configuration library: the shipped example,
 * defaults, lookups, every validation error with its position and
 * text, malformed YAML, limits, and a mutation fuzz of the example.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz/fuzz_config.h"
#include "tap.h"
#include "testutil.h"

/* a small valid configuration to build cases from: lines 1-9 */
#define CLUSTER "cluster:\n  name: c1\n"
#define DEVICES "devices:\n  metadata: /dev/m\n  data: /dev/d\n"
#define NODE1 "  - name: n1\n    address: 10.0.0.1\n    quorum_slot: 0\n"
#define BASE CLUSTER DEVICES "nodes:\n" NODE1

/* all errors as "LINE:COLUMN: message" lines */
static char *format_errors(const struct scoutfs_config_errors *errs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	size_t i;

	if (!f)
		tap_bail("open_memstream failed");
	for (i = 0; i < errs->nr; i++)
		fprintf(f, "%u:%u: %s\n", errs->errors[i].line, errs->errors[i].column,
			errs->errors[i].message);
	if (errs->truncated)
		fprintf(f, "truncated\n");
	fclose(f);
	return buf;
}

static int parse_str(const char *yaml, struct scoutfs_config **cfg, char **errors)
{
	struct scoutfs_config_errors errs;
	int ret;

	ret = scoutfs_config_parse_buffer(yaml, strlen(yaml), cfg, &errs);
	*errors = format_errors(&errs);
	scoutfs_config_errors_free(&errs);
	return ret;
}

static void test_example(void)
{
	char *path = utils_path("examples/cluster.yaml");
	const struct scoutfs_config_node *n;
	struct scoutfs_config_errors errs;
	struct scoutfs_config *cfg;
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;
	char *opts;
	int ret;

	ret = scoutfs_config_parse_file(path, &cfg, &errs);
	if (!tap_is_int(ret, 0, "the example parses") || !cfg) {
		char *e = format_errors(&errs);

		tap_diag("%s", e);
		free(e);
		scoutfs_config_errors_free(&errs);
		free(path);
		return;
	}
	tap_is_int((long long)errs.nr, 0, "example: no errors");
	scoutfs_config_errors_free(&errs);

	tap_is_str(cfg->cluster_name, "archive1", "example: cluster name");
	tap_ok(cfg->has_fsid && cfg->fsid == 0x0123456789abcdefULL, "example: fsid");
	tap_is_str(cfg->default_metadata_device, "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4",
		   "example: default metadata device");
	tap_is_str(cfg->default_data_device, "/dev/disk/by-id/wwn-0x5000c500a1b2c3e5",
		   "example: default data device");
	tap_is_str(cfg->mount_path, "/mnt/scoutfs", "example: mount path");
	tap_is_int((long long)cfg->nr_mount_options, 1, "example: one mount option");
	if (cfg->nr_mount_options == 1)
		tap_is_str(cfg->mount_options[0], "orphan_scan_delay_ms=1000",
			   "example: mount option");
	tap_is_int(cfg->fence_method, SCOUTFS_FENCE_COMMAND, "example: command fencing");
	tap_is_str(cfg->fence_command, "/usr/libexec/scoutfs-fenced/fence-ipmi",
		   "example: fence command");
	tap_is_int(cfg->fence_timeout_s, 60, "example: fence timeout");

	if (!tap_is_int((long long)cfg->nr_nodes, 5, "example: five nodes"))
		goto out;

	n = &cfg->nodes[0];
	tap_is_str(n->name, "node1", "node1: name");
	tap_is_str(n->address, "10.0.0.1", "node1: address");
	tap_is_int(n->port, SCOUTFS_CONFIG_DEFAULT_PORT, "node1: default port");
	tap_is_int(n->quorum_slot, 0, "node1: slot 0");
	tap_is_str(n->metadata_device, cfg->default_metadata_device, "node1: default metadata");
	tap_ok(!n->devices_overridden, "node1: devices not overridden");
	tap_ok(n->line == 29 && n->column == 5, "node1: position %u:%u", n->line, n->column);
	sin = (struct sockaddr_in *)&n->sockaddr;
	tap_ok(n->family == AF_INET && sin->sin_family == AF_INET &&
	       ntohs(sin->sin_port) == 11111 && ntohl(sin->sin_addr.s_addr) == 0x0a000001 &&
	       n->sockaddr_len == sizeof(*sin), "node1: IPv4 sockaddr");

	n = &cfg->nodes[1];
	tap_is_int(n->port, 11112, "node2: port");
	sin = (struct sockaddr_in *)&n->sockaddr;
	tap_is_int(ntohs(sin->sin_port), 11112, "node2: sockaddr port");

	n = &cfg->nodes[2];
	tap_is_str(n->name, "node3", "node3: name");
	tap_ok(n->devices_overridden, "node3: devices overridden");
	tap_is_str(n->metadata_device, "/dev/vdb", "node3: metadata override");
	tap_is_str(n->data_device, "/dev/vdc", "node3: data override");
	sin6 = (struct sockaddr_in6 *)&n->sockaddr;
	tap_ok(n->family == AF_INET6 && sin6->sin6_family == AF_INET6 &&
	       sin6->sin6_addr.s6_addr[0] == 0xfd && sin6->sin6_addr.s6_addr[15] == 3 &&
	       n->sockaddr_len == sizeof(*sin6), "node3: IPv6 sockaddr");

	n = &cfg->nodes[3];
	tap_is_str(n->name, "client1", "client1: name");
	tap_is_int(n->quorum_slot, -1, "client1: no quorum slot");

	tap_is_int((long long)cfg->nr_quorum, 3, "example: three quorum members");
	if (cfg->nr_quorum == 3)
		tap_ok(cfg->quorum[0] == &cfg->nodes[0] && cfg->quorum[1] == &cfg->nodes[1] &&
		       cfg->quorum[2] == &cfg->nodes[2], "example: quorum in slot order");

	opts = scoutfs_config_mount_options(cfg, &cfg->nodes[2]);
	tap_is_str(opts, "metadev_path=/dev/vdb,quorum_slot_nr=2,orphan_scan_delay_ms=1000",
		   "node3: mount options");
	free(opts);
	opts = scoutfs_config_mount_options(cfg, &cfg->nodes[4]);
	tap_is_str(opts,
		   "metadev_path=/dev/disk/by-id/wwn-0x5000c500a1b2c3d4,orphan_scan_delay_ms=1000",
		   "client2: mount options without a quorum slot");
	free(opts);

	tap_ok(scoutfs_config_find_node(cfg, "node2", &n) == 0 && n == &cfg->nodes[1],
	       "find_node by name");
	tap_ok(scoutfs_config_find_node(cfg, "node", &n) == -ENOENT && n == NULL,
	       "find_node of an unknown name is -ENOENT");
	tap_ok(scoutfs_config_find_node(cfg, "node2.example.com", &n) == -ENOENT,
	       "find_node only shortens the local host name");
out:
	scoutfs_config_free(cfg);
	free(path);
}

static void test_defaults_and_sorting(void)
{
	struct scoutfs_config *cfg;
	char *errors;
	char *opts;
	int ret;

	ret = parse_str(BASE, &cfg, &errors);
	tap_is_int(ret, 0, "minimal config parses");
	tap_is_str(errors, "", "minimal config: no errors");
	free(errors);
	if (cfg) {
		tap_ok(!cfg->has_fsid, "minimal: no fsid");
		tap_ok(cfg->mount_path == NULL && cfg->nr_mount_options == 0,
		       "minimal: no mount path or options");
		tap_is_int(cfg->fence_method, SCOUTFS_FENCE_NONE, "minimal: fencing none");
		tap_is_int(cfg->fence_timeout_s, SCOUTFS_CONFIG_DEFAULT_FENCE_TIMEOUT_S,
			   "minimal: default fence timeout");
		tap_is_str(scoutfs_config_fence_method_name(cfg->fence_method), "none",
			   "fence method name");
		opts = scoutfs_config_mount_options(cfg, &cfg->nodes[0]);
		tap_is_str(opts, "metadev_path=/dev/m,quorum_slot_nr=0", "minimal: mount options");
		free(opts);
	}
	scoutfs_config_free(cfg);

	ret = parse_str(CLUSTER DEVICES "nodes:\n"
			"  - { name: a, address: 10.0.0.1, quorum_slot: 12 }\n"
			"  - { name: b, address: 10.0.0.2 }\n"
			"  - { name: c, address: 10.0.0.3, quorum_slot: 3 }\n"
			"  - { name: d, address: 10.0.0.4, quorum_slot: 0 }\n"
			"  - { name: e, address: 10.0.0.1, port: 11112, quorum_slot: 14 }\n",
			&cfg, &errors);
	tap_is_int(ret, 0, "flow style nodes parse");
	tap_is_str(errors, "", "flow style nodes: no errors");
	free(errors);
	if (cfg && tap_is_int((long long)cfg->nr_quorum, 4, "four quorum members")) {
		tap_ok(!strcmp(cfg->quorum[0]->name, "d") && !strcmp(cfg->quorum[1]->name, "c") &&
		       !strcmp(cfg->quorum[2]->name, "a") && !strcmp(cfg->quorum[3]->name, "e"),
		       "quorum sorted by slot, not file order");
		opts = scoutfs_config_mount_options(cfg, &cfg->nodes[0]);
		tap_is_str(opts, "metadev_path=/dev/m,quorum_slot_nr=12",
			   "two digit quorum slot in mount options");
		free(opts);
	}
	scoutfs_config_free(cfg);

	/* anchors and aliases for shared values, partial device override */
	ret = parse_str("cluster: { name: c1 }\n"
			"devices: &devs\n"
			"  metadata: /dev/m\n"
			"  data: /dev/d\n"
			"nodes:\n"
			"  - &n1 { name: n1, address: 10.0.0.1, quorum_slot: 0, devices: *devs }\n"
			"  - name: n2\n"
			"    address: 10.0.0.2\n"
			"    devices: { metadata: /dev/other }\n",
			&cfg, &errors);
	tap_is_int(ret, 0, "anchors, aliases and a partial override parse");
	tap_is_str(errors, "", "anchors: no errors");
	free(errors);
	if (cfg) {
		tap_is_str(cfg->nodes[1].metadata_device, "/dev/other", "partial override: metadata");
		tap_is_str(cfg->nodes[1].data_device, "/dev/d", "partial override: default data");
	}
	scoutfs_config_free(cfg);

	/* explicit standard tags are fine */
	ret = parse_str("cluster: !!map { name: !!str c1 }\n"
			DEVICES
			"nodes: !!seq\n"
			"  - name: n1\n"
			"    address: 10.0.0.1\n"
			"    port: !!int 7000\n"
			"    quorum_slot: 0\n",
			&cfg, &errors);
	tap_is_int(ret, 0, "standard tags parse");
	tap_is_str(errors, "", "standard tags: no errors");
	free(errors);
	if (cfg)
		tap_is_int(cfg->nodes[0].port, 7000, "!!int port");
	scoutfs_config_free(cfg);
}

struct error_case {
	const char *name;
	const char *yaml;
	const char *errors;	/* "LINE:COL: message\n" for each, in order */
};

static const struct error_case error_cases[] = {
	/* structure */
	{ "unknown top level key", BASE "colour: blue\n",
	  "10:1: unknown key 'colour' at top level\n" },
	{ "unknown key in cluster", "cluster:\n  name: c1\n  size: 3\n" DEVICES "nodes:\n" NODE1,
	  "3:3: unknown key 'size' in cluster\n" },
	{ "unknown key in a node", BASE "    weight: 3\n",
	  "10:5: unknown key 'weight' in nodes[0]\n" },
	{ "unknown key in node devices", BASE "    devices: { metadata: /a, journal: /j }\n",
	  "10:30: unknown key 'journal' in nodes[0].devices\n" },
	{ "unknown key in devices", "devices:\n  meta: /x\n  metadata: /dev/m\n  data: /dev/d\n"
	  CLUSTER "nodes:\n" NODE1,
	  "2:3: unknown key 'meta' in devices\n" },
	{ "missing cluster", DEVICES "nodes:\n" NODE1,
	  "1:1: missing required key 'cluster' at top level\n" },
	{ "missing nodes", CLUSTER DEVICES,
	  "1:1: missing required key 'nodes' at top level\n" },
	{ "missing cluster.name", "cluster:\n  fsid: 0123456789abcdef\n" DEVICES "nodes:\n" NODE1,
	  "2:3: missing required key 'name' in cluster\n" },
	{ "missing node name and address", CLUSTER DEVICES "nodes:\n  - port: 1\n",
	  "7:3: nodes: no node has a quorum_slot; at least one quorum member is required\n"
	  "7:5: missing required key 'name' in nodes[0]\n"
	  "7:5: missing required key 'address' in nodes[0]\n" },
	{ "empty nodes", CLUSTER DEVICES "nodes: []\n",
	  "6:8: nodes: at least one node is required\n" },
	{ "null nodes", CLUSTER DEVICES "nodes:\n",
	  "6:7: nodes: expected a sequence, found null\n" },
	{ "nodes is a mapping", CLUSTER DEVICES "nodes: { n1: 10.0.0.1 }\n",
	  "6:8: nodes: expected a sequence, found a mapping\n" },
	{ "node is a string", CLUSTER DEVICES "nodes:\n  - n1\n",
	  "7:5: nodes[0]: expected a mapping, found a string\n" },
	{ "cluster is a string", "cluster: c1\n" DEVICES "nodes:\n" NODE1,
	  "1:10: cluster: expected a mapping, found a string\n" },
	{ "name is a sequence", "cluster:\n  name: [c1]\n" DEVICES "nodes:\n" NODE1,
	  "2:9: cluster.name: expected a string, found a sequence\n" },
	{ "name is null", "cluster:\n  name:\n" DEVICES "nodes:\n" NODE1,
	  "2:8: cluster.name: missing value\n" },
	{ "name is ~", "cluster:\n  name: ~\n" DEVICES "nodes:\n" NODE1,
	  "2:9: cluster.name: missing value\n" },
	{ "devices is a sequence", CLUSTER "devices: [/dev/m, /dev/d]\nnodes:\n" NODE1,
	  "3:10: devices: expected a mapping, found a sequence\n" },
	{ "mapping key", "? [a]\n: b\n" BASE,
	  "1:3: top level: mapping keys must be strings, found a sequence\n" },

	/* names */
	{ "cluster name with a space", "cluster:\n  name: \"c 1\"\n" DEVICES "nodes:\n" NODE1,
	  "2:9: cluster.name: invalid cluster name 'c 1': use 1 to 63 letters, digits, '_' or '-'\n" },
	{ "empty cluster name", "cluster:\n  name: ''\n" DEVICES "nodes:\n" NODE1,
	  "2:9: cluster.name: invalid cluster name '': use 1 to 63 letters, digits, '_' or '-'\n" },
	{ "cluster name of 64 characters",
	  "cluster:\n  name: a123456789b123456789c123456789d123456789e123456789f123456789abcd\n"
	  DEVICES "nodes:\n" NODE1,
	  "2:9: cluster.name: invalid cluster name 'a123456789b123456789c123456789d123456789e1234567...': use 1 to 63 letters, digits, '_' or '-'\n" },
	{ "cluster name with a dot", "cluster:\n  name: a.b\n" DEVICES "nodes:\n" NODE1,
	  "2:9: cluster.name: invalid cluster name 'a.b': use 1 to 63 letters, digits, '_' or '-'\n" },
	{ "cluster name with a NUL", "cluster:\n  name: \"a\\0b\"\n" DEVICES "nodes:\n" NODE1,
	  "2:9: cluster.name: contains a NUL character\n" },
	{ "node name with a slash", CLUSTER DEVICES "nodes:\n  - { name: a/b, address: 10.0.0.1, quorum_slot: 0 }\n",
	  "7:13: nodes[0].name: invalid node name 'a/b': use 1 to 253 letters, digits, '.', '_' or '-'\n" },
	{ "non-ASCII node name", CLUSTER DEVICES "nodes:\n  - { name: n\xc3\xb6, address: 10.0.0.1, quorum_slot: 0 }\n",
	  "7:13: nodes[0].name: invalid node name 'n\\xc3\\xb6': use 1 to 253 letters, digits, '.', '_' or '-'\n" },

	/* fsid */
	{ "fsid not hex", "cluster:\n  name: c1\n  fsid: 0123456789abcdeg\n" DEVICES "nodes:\n" NODE1,
	  "3:9: cluster.fsid: expected 16 hexadecimal digits, found '0123456789abcdeg'\n" },
	{ "fsid too short", "cluster:\n  name: c1\n  fsid: 1234\n" DEVICES "nodes:\n" NODE1,
	  "3:9: cluster.fsid: expected 16 hexadecimal digits, found '1234'\n" },
	{ "fsid too long", "cluster:\n  name: c1\n  fsid: 0123456789abcdef0\n" DEVICES "nodes:\n" NODE1,
	  "3:9: cluster.fsid: expected 16 hexadecimal digits, found '0123456789abcdef0'\n" },
	{ "fsid with 0x", "cluster:\n  name: c1\n  fsid: 0x23456789abcdef\n" DEVICES "nodes:\n" NODE1,
	  "3:9: cluster.fsid: expected 16 hexadecimal digits, found '0x23456789abcdef'\n" },

	/* duplicates */
	{ "duplicate node names", BASE "  - name: n1\n    address: 10.0.0.2\n",
	  "10:11: nodes[1].name: duplicate node name 'n1' (first used by nodes[0] at line 7)\n" },
	{ "three nodes with one name", BASE "  - { name: n1, address: 10.0.0.2 }\n  - { name: n1, address: 10.0.0.3 }\n",
	  "10:13: nodes[1].name: duplicate node name 'n1' (first used by nodes[0] at line 7)\n"
	  "11:13: nodes[2].name: duplicate node name 'n1' (first used by nodes[0] at line 7)\n" },
	{ "duplicate quorum slots", BASE "  - name: n2\n    address: 10.0.0.2\n    quorum_slot: 0\n",
	  "12:18: nodes[1].quorum_slot: quorum slot 0 is already used by node 'n1' (nodes[0])\n" },
	{ "duplicate address and port", BASE "  - name: n2\n    address: 10.0.0.1\n",
	  "11:14: nodes[1].address: address 10.0.0.1 port 11111 is already used by node 'n1' (nodes[0])\n" },
	{ "duplicate IPv6 address spelled differently",
	  CLUSTER DEVICES "nodes:\n  - { name: a, address: 'fd00::1', quorum_slot: 0 }\n"
	  "  - { name: b, address: 'fd00:0:0::0:1', port: 11111 }\n",
	  "8:25: nodes[1].address: address fd00:0:0::0:1 port 11111 is already used by node 'a' (nodes[0])\n" },
	{ "duplicate key in cluster", "cluster:\n  name: c1\n  name: c2\n" DEVICES "nodes:\n" NODE1,
	  "3:3: duplicate key 'name' (first at line 2, column 3)\n" },
	{ "duplicate top level key", BASE "cluster:\n  name: c2\n",
	  "10:1: duplicate key 'cluster' (first at line 1, column 1)\n" },
	{ "duplicate key in a flow mapping", CLUSTER DEVICES "nodes:\n  - { name: a, address: 10.0.0.1, quorum_slot: 0, name: b }\n",
	  "7:51: duplicate key 'name' (first at line 7, column 7)\n" },
	{ "duplicate key in unknown subtree", BASE "extra: { a: 1, a: 2 }\n",
	  "10:1: unknown key 'extra' at top level\n"
	  "10:16: duplicate key 'a' (first at line 10, column 10)\n" },

	/* quorum */
	{ "no quorum slot", CLUSTER DEVICES "nodes:\n  - name: n1\n    address: 10.0.0.1\n",
	  "7:3: nodes: no node has a quorum_slot; at least one quorum member is required\n" },
	{ "quorum slot 15", CLUSTER DEVICES "nodes:\n  - { name: n1, address: 10.0.0.1, quorum_slot: 15 }\n",
	  "7:49: nodes[0].quorum_slot: 15 is out of range 0..14\n" },
	{ "quorum slot -1", CLUSTER DEVICES "nodes:\n  - { name: n1, address: 10.0.0.1, quorum_slot: -1 }\n",
	  "7:49: nodes[0].quorum_slot: -1 is out of range 0..14\n" },
	{ "quorum slot string", CLUSTER DEVICES "nodes:\n  - { name: n1, address: 10.0.0.1, quorum_slot: one }\n",
	  "7:49: nodes[0].quorum_slot: expected an integer, found 'one'\n" },

	/* ports */
	{ "port 0", BASE "    port: 0\n", "10:11: nodes[0].port: 0 is out of range 1..65535\n" },
	{ "port 65536", BASE "    port: 65536\n", "10:11: nodes[0].port: 65536 is out of range 1..65535\n" },
	{ "negative port", BASE "    port: -80\n", "10:11: nodes[0].port: -80 is out of range 1..65535\n" },
	{ "overflowing port", BASE "    port: 18446744073709551617\n",
	  "10:11: nodes[0].port: 18446744073709551617 is out of range 1..65535\n" },
	{ "overflowing negative port", BASE "    port: -9223372036854775809\n",
	  "10:11: nodes[0].port: -9223372036854775809 is out of range 1..65535\n" },
	{ "quoted port", BASE "    port: \"80\"\n",
	  "10:11: nodes[0].port: expected an integer, found the quoted string '80'\n" },
	{ "float port", BASE "    port: 80.5\n", "10:11: nodes[0].port: expected an integer, found '80.5'\n" },
	{ "hex port", BASE "    port: 0x50\n", "10:11: nodes[0].port: expected an integer, found '0x50'\n" },
	{ "port with leading zero", BASE "    port: 080\n",
	  "10:11: nodes[0].port: integers must not have leading zeros, found '080'\n" },
	{ "port with plus", BASE "    port: +80\n", "10:11: nodes[0].port: expected an integer, found '+80'\n" },
	{ "port is a mapping", BASE "    port: { n: 80 }\n",
	  "10:11: nodes[0].port: expected an integer, found a mapping\n" },
	{ "port is null", BASE "    port: null\n", "10:11: nodes[0].port: missing value\n" },
	{ "port with a str tag", BASE "    port: !!str 80\n",
	  "10:11: nodes[0].port: tag doesn't match the expected type\n" },
	{ "custom tag", BASE "    port: !custom 80\n",
	  "10:11: nodes[0].port: unsupported tag '!custom'\n" },

	/* addresses */
	{ "host name address", CLUSTER DEVICES "nodes:\n  - { name: n1, address: node1.example.com, quorum_slot: 0 }\n",
	  "7:26: nodes[0].address: 'node1.example.com' is not an IPv4 or IPv6 address\n" },
	{ "bad IPv4", CLUSTER DEVICES "nodes:\n  - { name: n1, address: 10.0.0.256, quorum_slot: 0 }\n",
	  "7:26: nodes[0].address: '10.0.0.256' is not an IPv4 or IPv6 address\n" },
	{ "IPv6 with a zone", CLUSTER DEVICES "nodes:\n  - { name: n1, address: 'fe80::1%eth0', quorum_slot: 0 }\n",
	  "7:26: nodes[0].address: 'fe80::1%eth0' is not an IPv4 or IPv6 address\n" },
	{ "unspecified IPv4", CLUSTER DEVICES "nodes:\n  - { name: n1, address: 0.0.0.0, quorum_slot: 0 }\n",
	  "7:26: nodes[0].address: the unspecified address '0.0.0.0' can't be a node's address\n" },
	{ "unspecified IPv6", CLUSTER DEVICES "nodes:\n  - { name: n1, address: '::', quorum_slot: 0 }\n",
	  "7:26: nodes[0].address: the unspecified address '::' can't be a node's address\n" },

	/* devices */
	{ "relative metadata path", "cluster: { name: c1 }\ndevices:\n  metadata: dev/m\n  data: /dev/d\nnodes:\n" NODE1,
	  "3:13: devices.metadata: 'dev/m' is not an absolute path\n" },
	{ "relative override", BASE "    devices: { data: vdc }\n",
	  "10:22: nodes[0].devices.data: 'vdc' is not an absolute path\n" },
	{ "path with a newline", "cluster: { name: c1 }\ndevices:\n  metadata: \"/dev/m\\n\"\n  data: /dev/d\nnodes:\n" NODE1,
	  "3:13: devices.metadata: path contains control characters\n" },
	{ "no devices anywhere", CLUSTER "nodes:\n  - name: n1\n    address: 10.0.0.1\n    quorum_slot: 0\n",
	  "4:5: nodes[0]: no metadata device: set devices.metadata or nodes[0].devices.metadata\n"
	  "4:5: nodes[0]: no data device: set devices.data or nodes[0].devices.data\n" },
	{ "data device missing for one node",
	  CLUSTER "devices: { metadata: /dev/m }\nnodes:\n"
	  "  - { name: n1, address: 10.0.0.1, quorum_slot: 0, devices: { data: /dev/d } }\n"
	  "  - { name: n2, address: 10.0.0.2 }\n",
	  "6:5: nodes[1]: no data device: set devices.data or nodes[1].devices.data\n" },
	{ "same metadata and data device", CLUSTER "devices: { metadata: /dev/x, data: /dev/x }\nnodes:\n" NODE1,
	  "5:5: nodes[0]: the metadata and data devices are both '/dev/x'\n" },

	/* mount */
	{ "relative mount path", BASE "mount:\n  path: mnt\n", "11:9: mount.path: 'mnt' is not an absolute path\n" },
	{ "options not a sequence", BASE "mount:\n  options: a=1\n",
	  "11:12: mount.options: expected a sequence, found a string\n" },
	{ "option with a comma", BASE "mount:\n  options: [ 'a=1,b=2' ]\n",
	  "11:14: mount.options[0]: 'a=1,b=2' contains ','; give each option its own entry\n" },
	{ "metadev_path option", BASE "mount:\n  options: [ ok, metadev_path=/dev/x ]\n",
	  "11:18: mount.options[1]: metadev_path is set from the metadata device, not mount.options\n" },
	{ "quorum_slot_nr option", BASE "mount:\n  options:\n    - quorum_slot_nr=1\n",
	  "12:7: mount.options[0]: quorum_slot_nr is set from the node's quorum_slot, not mount.options\n" },
	{ "empty option", BASE "mount:\n  options: [ '' ]\n", "11:14: mount.options[0]: empty mount option name\n" },
	{ "option with a space", BASE "mount:\n  options: [ 'a b' ]\n",
	  "11:14: mount.options[0]: 'a b' contains white space or control characters\n" },
	{ "option is a mapping", BASE "mount:\n  options: [ { a: 1 } ]\n",
	  "11:14: mount.options[0]: expected a string, found a mapping\n" },
	{ "repeated option", BASE "mount:\n  options: [ a=1, b, a=2 ]\n",
	  "11:22: mount.options[2]: mount option 'a' is given more than once\n" },
	{ "unknown key in mount", BASE "mount:\n  opts: []\n", "11:3: unknown key 'opts' in mount\n" },

	/* fencing */
	{ "unknown fencing method", BASE "fencing:\n  method: ipmi\n",
	  "11:11: fencing.method: unknown fencing method 'ipmi' (use none, sysfs-ack or command)\n" },
	{ "fencing without a method", BASE "fencing:\n  timeout_s: 5\n",
	  "11:3: missing required key 'method' in fencing\n" },
	{ "command method without a command", BASE "fencing:\n  method: command\n",
	  "11:3: fencing: method 'command' requires a 'command' key\n" },
	{ "command with another method", BASE "fencing:\n  method: sysfs-ack\n  command: /bin/true\n",
	  "12:12: fencing.command: only used with method 'command'\n" },
	{ "relative fence command", BASE "fencing:\n  method: command\n  command: fence-ipmi\n",
	  "12:12: fencing.command: 'fence-ipmi' is not an absolute path\n" },
	{ "fence timeout 0", BASE "fencing:\n  method: none\n  timeout_s: 0\n",
	  "12:14: fencing.timeout_s: 0 is out of range 1..86400\n" },
	{ "fence timeout string", BASE "fencing:\n  method: none\n  timeout_s: 1m\n",
	  "12:14: fencing.timeout_s: expected an integer, found '1m'\n" },

	/* not a configuration */
	{ "empty input", "", "1:1: the configuration is empty\n" },
	{ "comments only", "# nothing\n# here\n", "3:1: the configuration is empty\n" },
	{ "empty document", "---\n", "2:1: the configuration is empty\n" },
	{ "null document", "~\n", "1:1: the configuration is empty\n" },
	{ "top level sequence", "- a\n- b\n", "1:1: top level: expected a mapping, found a sequence\n" },
	{ "top level string", "hello\n", "1:1: top level: expected a mapping, found a string\n" },
	{ "two documents", BASE "---\n" BASE, "10:1: multiple YAML documents are not supported\n" },
	{ "undefined alias", "cluster: *c\n", "1:10: alias '*c' doesn't refer to a complete anchored node\n" },
	{ "self referencing alias", "a: &x [ *x ]\n",
	  "1:9: alias '*x' doesn't refer to a complete anchored node\n" },

	/* malformed YAML */
	{ "tab indentation", "cluster:\n\tname: c1\n",
	  "2:1: invalid YAML: found character that cannot start any token (while scanning for the next token at line 2, column 1)\n" },
	{ "unclosed flow sequence", "nodes: [ a, b\n",
	  "2:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 8)\n" },
	{ "unclosed quote", "cluster:\n  name: \"c1\n",
	  "3:1: invalid YAML: found unexpected end of stream (while scanning a quoted scalar at line 2, column 9)\n" },
	{ "bad indentation", "cluster:\n  name: c1\n fsid: 1\n",
	  "3:2: invalid YAML: did not find expected key (while parsing a block mapping at line 1, column 1)\n" },
	{ "mapping value in a plain scalar", "cluster: name: c1\n",
	  "1:14: invalid YAML: mapping values are not allowed in this context\n" },
	{ "stray closing bracket", "cluster: ]\n",
	  "1:10: invalid YAML: did not find expected node content (while parsing a block node at line 1, column 10)\n" },
	{ "invalid UTF-8", "cluster:\n  name: c\xff\n",
	  "2:10: invalid YAML: invalid leading UTF-8 octet (#FF at byte offset 18)\n" },
	{ "control character", "cluster:\n  name: c\x01\n",
	  "2:10: invalid YAML: control characters are not allowed (#1 at byte offset 18)\n" },
	{ "undefined tag handle", "cluster: !x!y c\n",
	  "1:10: invalid YAML: found undefined tag handle (while parsing a node at line 1, column 10)\n" },
	{ "sequence then mapping", "- a\nb: c\n",
	  "2:1: invalid YAML: did not find expected '-' indicator (while parsing a block collection at line 1, column 1)\n" },

	/* several problems are all reported, in file order */
	{ "several problems",
	  "cluster:\n  name: c1\n  size: 3\n"
	  "nodes:\n"
	  "  - { name: n1, address: 10.0.0.1, port: 0, quorum_slot: 0 }\n"
	  "  - { name: n1, address: 10.0.0.2, quorum_slot: 0 }\n"
	  "colour: blue\n",
	  "3:3: unknown key 'size' in cluster\n"
	  "5:5: nodes[0]: no metadata device: set devices.metadata or nodes[0].devices.metadata\n"
	  "5:5: nodes[0]: no data device: set devices.data or nodes[0].devices.data\n"
	  "5:42: nodes[0].port: 0 is out of range 1..65535\n"
	  "6:5: nodes[1]: no metadata device: set devices.metadata or nodes[1].devices.metadata\n"
	  "6:5: nodes[1]: no data device: set devices.data or nodes[1].devices.data\n"
	  "6:13: nodes[1].name: duplicate node name 'n1' (first used by nodes[0] at line 5)\n"
	  "6:49: nodes[1].quorum_slot: quorum slot 0 is already used by node 'n1' (nodes[0])\n"
	  "7:1: unknown key 'colour' at top level\n" },
};

static void test_error_cases(void)
{
	struct scoutfs_config *cfg;
	char *errors;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *ec = &error_cases[i];

		ret = parse_str(ec->yaml, &cfg, &errors);
		tap_ok(ret == -EINVAL && cfg == NULL, "%s: rejected", ec->name);
		tap_is_str(errors, ec->errors, "%s: errors", ec->name);
		free(errors);
		scoutfs_config_free(cfg);
	}
}

static void test_limits(void)
{
	struct scoutfs_config_errors errs;
	struct scoutfs_config *cfg;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	char *big;
	char *path;
	int ret;
	int i;

	/* more problems than the limit */
	f = open_memstream(&buf, &len);
	fputs(BASE, f);
	for (i = 0; i < 200; i++)
		fprintf(f, "unknown%d: %d\n", i, i);
	fclose(f);
	ret = scoutfs_config_parse_buffer(buf, len, &cfg, &errs);
	tap_ok(ret == -EINVAL && errs.nr == SCOUTFS_CONFIG_MAX_ERRORS && errs.truncated,
	       "errors stop at the limit (%zu, truncated %d)", errs.nr, errs.truncated);
	if (errs.nr)
		tap_is_str(errs.errors[0].message, "unknown key 'unknown0' at top level",
			   "the first errors are kept");
	scoutfs_config_errors_free(&errs);
	free(buf);

	/* the errors argument is optional */
	ret = scoutfs_config_parse_buffer("x: 1\n", 5, &cfg, NULL);
	tap_ok(ret == -EINVAL && cfg == NULL, "parse without an errors list");

	/* inputs larger than the limit are refused without parsing */
	big = malloc(SCOUTFS_CONFIG_MAX_FILE_SIZE + 1);
	if (!big)
		tap_bail("out of memory");
	memset(big, ' ', SCOUTFS_CONFIG_MAX_FILE_SIZE + 1);
	ret = scoutfs_config_parse_buffer(big, SCOUTFS_CONFIG_MAX_FILE_SIZE + 1, &cfg, &errs);
	tap_ok(ret == -EFBIG && errs.nr == 0 && cfg == NULL, "too large buffer is -EFBIG");
	scoutfs_config_errors_free(&errs);
	path = write_temp(big, SCOUTFS_CONFIG_MAX_FILE_SIZE + 1);
	ret = scoutfs_config_parse_file(path, &cfg, &errs);
	tap_ok(ret == -EFBIG && errs.nr == 0, "too large file is -EFBIG");
	scoutfs_config_errors_free(&errs);
	remove_temp(path);
	free(big);

	ret = scoutfs_config_parse_file("/nonexistent/cluster.yaml", &cfg, &errs);
	tap_ok(ret == -ENOENT && errs.nr == 0 && cfg == NULL, "missing file is -ENOENT");
	scoutfs_config_errors_free(&errs);

	ret = scoutfs_config_parse_file("/", &cfg, &errs);
	tap_ok(ret == -EISDIR && errs.nr == 0, "directory is -EISDIR");
	scoutfs_config_errors_free(&errs);
}

static void test_find_local(void)
{
	char host[256];
	const struct scoutfs_config_node *n;
	struct scoutfs_config *cfg;
	char *yaml;
	char *errors;
	size_t dot;
	int ret;

	if (gethostname(host, sizeof(host)) < 0) {
		tap_ok(false, "gethostname");
		return;
	}
	host[sizeof(host) - 1] = '\0';
	if (strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
	    strlen(host) || !host[0]) {
		tap_ok(true, "skip: host name '%s' can't be a node name", host);
		return;
	}

	if (asprintf(&yaml, BASE "  - { name: '%s', address: 10.0.0.2 }\n", host) < 0)
		tap_bail("out of memory");
	ret = parse_str(yaml, &cfg, &errors);
	tap_is_int(ret, 0, "config with this host parses");
	free(errors);
	free(yaml);
	if (cfg) {
		ret = scoutfs_config_find_node(cfg, NULL, &n);
		tap_ok(ret == 0 && n == &cfg->nodes[1], "find_node(NULL) finds this host");
	}
	scoutfs_config_free(cfg);

	/* a node named by the first label of a fully qualified host name */
	dot = strcspn(host, ".");
	if (host[dot]) {
		host[dot] = '\0';
		if (asprintf(&yaml, BASE "  - { name: '%s', address: 10.0.0.2 }\n", host) < 0)
			tap_bail("out of memory");
		ret = parse_str(yaml, &cfg, &errors);
		free(errors);
		free(yaml);
		ret = cfg ? scoutfs_config_find_node(cfg, NULL, &n) : -1;
		tap_ok(ret == 0 && n == &cfg->nodes[1], "find_node(NULL) finds the short host name");
		scoutfs_config_free(cfg);
	}

	ret = parse_str(BASE, &cfg, &errors);
	free(errors);
	if (cfg && strcmp(host, "n1"))
		tap_is_int(scoutfs_config_find_node(cfg, NULL, &n), -ENOENT,
			   "find_node(NULL) without this host is -ENOENT");
	scoutfs_config_free(cfg);
}

/* a small deterministic PRNG so failures reproduce */
static unsigned long long rng_state = 0x5c0a7f5ULL;

static unsigned int rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned int)(rng_state >> 11);
}

static void test_mutations(void)
{
	static const char *const snippets[] = {
		":", " ", "\n", "- ", "[", "]", "{", "}", ",", "'", "\"", "&a ", "*a", "!!str ",
		"#", "\t", "---\n", "? ", "|", ">", "~", "0", "-1", "99999999999999999999",
		"\xef\xbb\xbf", "\xff", "\x00", "quorum_slot: 0", "port: 1", "name: x",
	};
	char *path = utils_path("examples/cluster.yaml");
	size_t len;
	char *orig = read_file(path, &len);
	const size_t iterations = 3000;
	size_t failures = 0;
	size_t oks = 0;
	unsigned char *buf;
	size_t blen;
	size_t i;
	int m;

	free(path);
	if (!orig) {
		tap_ok(false, "read the example for mutation");
		return;
	}
	buf = malloc(len * 2 + 64 * 32);
	if (!buf)
		tap_bail("out of memory");

	for (i = 0; i < iterations; i++) {
		const char *why;
		int nr = 1 + (int)(rng() % 8);
		int ret;

		memcpy(buf, orig, len);
		blen = len;
		for (m = 0; m < nr && blen > 0; m++) {
			size_t pos = rng() % blen;
			const char *s;
			size_t sl;

			switch (rng() % 4) {
			case 0: /* flip a byte */
				buf[pos] ^= (unsigned char)(1u << (rng() % 8));
				break;
			case 1: /* delete a run */
				sl = 1 + rng() % 16;
				if (sl > blen - pos)
					sl = blen - pos;
				memmove(buf + pos, buf + pos + sl, blen - pos - sl);
				blen -= sl;
				break;
			case 2: /* insert a snippet */
				s = snippets[rng() % (sizeof(snippets) / sizeof(snippets[0]))];
				sl = s[0] ? strlen(s) : 1;
				memmove(buf + pos + sl, buf + pos, blen - pos);
				memcpy(buf + pos, s, sl);
				blen += sl;
				break;
			case 3: /* duplicate a line-sized run */
				sl = 1 + rng() % 32;
				if (sl > blen - pos)
					sl = blen - pos;
				if (blen + sl < len * 2 + 64 * 32) {
					memmove(buf + pos + sl, buf + pos, blen - pos);
					blen += sl;
				}
				break;
			}
		}

		ret = fuzz_config_check(buf, blen, &why);
		if (ret == 0)
			oks++;
		if (why && failures++ == 0)
			tap_diag("mutation %zu (seed state %llx): %s", i, rng_state, why);
	}
	tap_is_int((long long)failures, 0, "%zu mutated examples uphold the invariants (%zu valid)",
		   iterations, oks);
	free(buf);
	free(orig);
}

int main(void)
{
	test_example();
	test_defaults_and_sorting();
	test_error_cases();
	test_limits();
	test_find_local();
	test_mutations();
	return tap_done();
}
