/* invariants every configuration parse must uphold, whatever the input */
#ifndef SCOUTFS_TESTS_FUZZ_CONFIG_H
#define SCOUTFS_TESTS_FUZZ_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse data and check the result.  Returns the parse return code and
 * sets *why to NULL when the invariants hold, or to a static
 * description of the first violation.
 */
int fuzz_config_check(const uint8_t *data, size_t size, const char **why);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
