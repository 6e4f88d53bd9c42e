/*
 * Human-readable text for on-disk structures, for scoutfs print:
 * superblocks, quorum blocks, block headers, item values and lists of
 * block numbers.  Each function writes whole lines, every one starting
 * with the given indent.
 */
#ifndef SCOUTFS_UTILS_PRINT_FORMAT_H
#define SCOUTFS_UTILS_PRINT_FORMAT_H

#include <stdio.h>

#include "format/format.h"

/* "127.0.0.1:12345", "[::1]:80" or "family 7 ..." into buf of 80 bytes */
#define SCOUTFS_PRINT_ADDR_LEN 80
const char *scoutfs_print_addr(char *buf, const struct scoutfs_inet_addr *addr);

void scoutfs_print_block_header(FILE *f, const char *indent,
				const struct scoutfs_block_header *hdr);

/* every field of a superblock */
void scoutfs_print_super(FILE *f, const char *indent,
			 const struct scoutfs_super_block *super);

/* a quorum block's term and events */
void scoutfs_print_quorum_block(FILE *f, const char *indent,
				const struct scoutfs_quorum_block *qb);

/* a decoded leaf item value for the known types, hex for the others */
void scoutfs_print_item_value(FILE *f, const char *indent,
			      const struct scoutfs_key *key, const void *val,
			      unsigned int val_len);

/* bytes as hex, 16 to a line */
void scoutfs_print_hex(FILE *f, const char *indent, const void *buf,
		       unsigned int len);

/* block numbers with runs compacted, "20-1043 1050 1052-1060", wrapped */
void scoutfs_print_blknos(FILE *f, const char *indent, const __le64 *blknos,
			  unsigned int nr);

#endif
