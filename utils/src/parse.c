#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/*
 * The leading decimal digits of s; *end is left after them.  strtoull
 * alone would accept leading space and signs, which are never meant.
 */
static int leading_u64(const char *s, unsigned long long *v, char **end,
		       const char *not_a_number, const char **why)
{
	if (!s || !isdigit((unsigned char)s[0])) {
		*why = not_a_number;
		return -EINVAL;
	}
	errno = 0;
	*v = strtoull(s, end, 10);
	if (errno == ERANGE) {
		*why = "larger than 64 bits";
		return -ERANGE;
	}
	return 0;
}

int scoutfs_parse_u64(const char *s, uint64_t *ret, const char **why)
{
	static const char not_a_number[] = "not a decimal number";
	unsigned long long v = 0;
	char *end;
	int err;

	err = leading_u64(s, &v, &end, not_a_number, why);
	if (err)
		return err;
	if (*end != '\0') {
		*why = not_a_number;
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

int scoutfs_parse_size(const char *s, uint64_t *ret, const char **why)
{
	static const char not_a_size[] =
		"not a size (a number with an optional K, M, G, T or P)";
	static const char units[] = "KMGTP";
	unsigned int shift = 0;
	unsigned long long v = 0;
	const char *u;
	char *end;
	int err;

	err = leading_u64(s, &v, &end, not_a_size, why);
	if (err)
		return err;
	if (*end != '\0') {
		u = strchr(units, toupper((unsigned char)*end));
		if (!u || end[1] != '\0') {
			*why = not_a_size;
			return -EINVAL;
		}
		shift = 10 * (unsigned int)(u - units + 1);
	}
	if (shift && v > (UINT64_MAX >> shift)) {
		*why = "larger than 64 bits";
		return -ERANGE;
	}
	*ret = (uint64_t)v << shift;
	return 0;
}

int scoutfs_parse_port(const char *s, uint16_t *ret, const char **why)
{
	uint64_t v = 0;

	if (scoutfs_parse_u64(s, &v, why) < 0 || v == 0 || v > 65535) {
		*why = "port must be a number from 1 to 65535";
		return -EINVAL;
	}
	*ret = (uint16_t)v;
	return 0;
}

int scoutfs_parse_inet(const char *addr, struct scoutfs_addr *ret,
		       const char **why)
{
	char buf[INET6_ADDRSTRLEN + 2];
	size_t len = addr ? strlen(addr) : 0;
	struct in6_addr in6;
	struct in_addr in;

	if (len == 0 || len >= sizeof(buf)) {
		*why = "not a numeric IPv4 or IPv6 address";
		return -EINVAL;
	}
	memcpy(buf, addr, len + 1);
	if (buf[0] == '[' && buf[len - 1] == ']') {
		buf[len - 1] = '\0';
		memmove(buf, buf + 1, len - 1);
		if (inet_pton(AF_INET6, buf, &in6) != 1) {
			*why = "not a numeric IPv6 address";
			return -EINVAL;
		}
		goto v6;
	}

	if (inet_pton(AF_INET, buf, &in) == 1) {
		if (in.s_addr == htonl(INADDR_ANY) || IN_MULTICAST(ntohl(in.s_addr)) ||
		    in.s_addr == htonl(INADDR_BROADCAST)) {
			*why = "not a unicast address other nodes can reach";
			return -EINVAL;
		}
		memset(ret, 0, sizeof(*ret));
		ret->family = AF_INET;
		memcpy(ret->addr, &in, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &in6) != 1) {
		*why = "not a numeric IPv4 or IPv6 address";
		return -EINVAL;
	}
v6:
	if (IN6_IS_ADDR_UNSPECIFIED(&in6) || IN6_IS_ADDR_MULTICAST(&in6)) {
		*why = "not a unicast address other nodes can reach";
		return -EINVAL;
	}
	memset(ret, 0, sizeof(*ret));
	ret->family = AF_INET6;
	memcpy(ret->addr, &in6, 16);
	return 0;
}

int scoutfs_parse_quorum_slot(const char *arg,
			      struct scoutfs_quorum_slot_arg *ret,
			      const char **why)
{
	const char *first, *last;
	char nr_str[16], addr_str[INET6_ADDRSTRLEN + 2];
	uint64_t nr = 0;
	size_t len;

	/* IPv6 addresses have colons but never commas: split at the outer ones */
	first = arg ? strchr(arg, ',') : NULL;
	last = arg ? strrchr(arg, ',') : NULL;
	if (!first || first == last) {
		*why = "expected NR,ADDR,PORT";
		return -EINVAL;
	}

	len = (size_t)(first - arg);
	if (len == 0 || len >= sizeof(nr_str)) {
		*why = "slot number must be a number from 0 to 14";
		return -EINVAL;
	}
	memcpy(nr_str, arg, len);
	nr_str[len] = '\0';
	if (scoutfs_parse_u64(nr_str, &nr, why) < 0 ||
	    nr >= SCOUTFS_PARSE_MAX_QUORUM_SLOTS) {
		*why = "slot number must be a number from 0 to 14";
		return -EINVAL;
	}

	len = (size_t)(last - first - 1);
	if (len == 0 || len >= sizeof(addr_str)) {
		*why = "not a numeric IPv4 or IPv6 address";
		return -EINVAL;
	}
	memcpy(addr_str, first + 1, len);
	addr_str[len] = '\0';
	if (scoutfs_parse_inet(addr_str, &ret->inet, why) < 0)
		return -EINVAL;
	if (scoutfs_parse_port(last + 1, &ret->inet.port, why) < 0)
		return -EINVAL;

	ret->nr = (unsigned int)nr;
	return 0;
}

const char *scoutfs_inet_str(const struct scoutfs_addr *inet, char *buf)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(inet->family, inet->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (inet->family == AF_INET6)
		snprintf(buf, SCOUTFS_INET_STRLEN, "[%s]:%u", a, inet->port);
	else
		snprintf(buf, SCOUTFS_INET_STRLEN, "%s:%u", a, inet->port);
	return buf;
}
