// SPDX-License-Identifier: GPL-2.0
/*
 * KC_WRITE_BEGIN_FOLIO: ->write_begin() returns a folio and ->write_end()
 * takes one, as do block_write_begin() and block_write_end() (6.12).
 * Older kernels pass struct page.
 */
#include <linux/fs.h>
#include <linux/buffer_head.h>

static int probe_write_begin(struct file *file, struct address_space *mapping, loff_t pos,
			     unsigned int len, struct folio **foliop, void **fsdata)
{
	return block_write_begin(mapping, pos, len, foliop, NULL);
}

const struct address_space_operations probe_aops = {
	.write_begin = probe_write_begin,
};
