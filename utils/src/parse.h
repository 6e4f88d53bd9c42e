/*
 * Parsing of command line values shared by subcommands: numbers, sizes
 * with units, network addresses and quorum slot arguments.
 *
 * Each parser takes the whole string (trailing garbage is an error) and
 * returns 0 or -EINVAL/-ERANGE with *why pointing at a constant phrase
 * that completes "invalid X: ..." in the caller's message.
 */
#ifndef SCOUTFS_UTILS_PARSE_H
#define SCOUTFS_UTILS_PARSE_H

#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

int scoutfs_parse_u64(const char *s, uint64_t *ret, const char **why);

/* bytes, with an optional binary unit suffix K, M, G, T or P (KiB...) */
int scoutfs_parse_size(const char *s, uint64_t *ret, const char **why);

struct scoutfs_addr {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];		/* network order; 4 bytes used for AF_INET */
	uint16_t port;			/* host order, 1..65535 */
};

/*
 * A numeric IPv4 or IPv6 address (IPv6 optionally in brackets); unspecified
 * (0.0.0.0, ::) and multicast addresses are refused since peers must be
 * able to reach the address.
 */
int scoutfs_parse_inet(const char *addr, struct scoutfs_addr *ret,
		       const char **why);
int scoutfs_parse_port(const char *s, uint16_t *ret, const char **why);

/* "NR,ADDR,PORT" as given to mkfs -Q */
struct scoutfs_quorum_slot_arg {
	unsigned int nr;		/* 0..SCOUTFS_QUORUM_MAX_SLOTS-1 */
	struct scoutfs_addr inet;
};

#define SCOUTFS_PARSE_MAX_QUORUM_SLOTS 15

int scoutfs_parse_quorum_slot(const char *arg,
			      struct scoutfs_quorum_slot_arg *ret,
			      const char **why);

/* "ADDR:PORT" or "[V6ADDR]:PORT" for printing, into buf of at least 64 */
#define SCOUTFS_INET_STRLEN 64
const char *scoutfs_inet_str(const struct scoutfs_addr *inet, char *buf);

#endif
