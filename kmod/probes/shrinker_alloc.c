// SPDX-License-Identifier: GPL-2.0
/*
 * KC_SHRINKER_ALLOC: shrinkers are allocated by the core with
 * shrinker_alloc(), carry a private_data pointer and are freed with
 * shrinker_free() (6.7+).  Older kernels embed struct shrinker in the
 * caller's structure and use register_shrinker()/unregister_shrinker().
 */
#include <linux/shrinker.h>

void probe_shrinker(void *priv)
{
	struct shrinker *shrink = shrinker_alloc(0, "probe-%s", "x");

	if (shrink) {
		shrink->private_data = priv;
		shrinker_register(shrink);
		shrinker_free(shrink);
	}
}
