/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vectors.h - where the unit tests find the outside test vectors:
 * $SZKM_VECTORS when set, else the repository's tests/vectors (the build
 * passes its absolute path as SZKM_VECTORS_DEFAULT). See
 * tests/vectors/PROVENANCE for where each file comes from.
 */
#ifndef SZKM_TEST_VECTORS_H
#define SZKM_TEST_VECTORS_H

#include <stdlib.h>

#ifndef SZKM_VECTORS_DEFAULT
#error "build with -DSZKM_VECTORS_DEFAULT=\"<top>/tests/vectors\""
#endif

static inline const char *vectors_dir(void)
{
	const char *d = getenv("SZKM_VECTORS");

	return d && *d ? d : SZKM_VECTORS_DEFAULT;
}

#endif
