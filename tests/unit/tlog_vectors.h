/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tlog_vectors.h - the tests/vectors/tlog files for the ledger's unit
 * tests: loading them, and running each per-file test once per file, named
 * "<file>: <what>", after the tests that need no vectors. Included by one
 * test file each (the functions are static).
 */
#ifndef TLOG_VECTORS_H
#define TLOG_VECTORS_H

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "vectors.h"

struct vec_file {
	char *path;
	char *label;
	json_t *json;
};

struct vec_test {
	const char *what;
	CMUnitTestFunction fn;
};

static struct vec_file vecs[16];
static size_t nvecs;

static void load_vectors(void)
{
	char pattern[4096];
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s/tlog/*.json", vectors_dir());
	if (glob(pattern, 0, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc && nvecs < 16; i++) {
		json_error_t err;
		json_t *j = json_load_file(g.gl_pathv[i], 0, &err);
		const char *base = strrchr(g.gl_pathv[i], '/');

		if (!j) {
			fprintf(stderr, "# %s: %s\n", g.gl_pathv[i], err.text);
			continue;
		}
		vecs[nvecs].path = strdup(g.gl_pathv[i]);
		vecs[nvecs].label = strdup(base ? base + 1 : g.gl_pathv[i]);
		vecs[nvecs].json = j;
		nvecs++;
	}
	globfree(&g);
}

static int run_with_vectors(const char *group, const struct CMUnitTest *fixed, size_t nfixed,
			    const struct vec_test *vec_tests, size_t nvt)
{
	struct CMUnitTest *tests;
	size_t n = 0;
	int ret;

	load_vectors();
	tests = calloc(nfixed + nvecs * nvt, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < nfixed; i++)
		tests[n++] = fixed[i];
	for (size_t v = 0; v < nvecs; v++)
		for (size_t i = 0; i < nvt; i++) {
			char *name;

			if (asprintf(&name, "%s: %s", vecs[v].label, vec_tests[i].what) < 0)
				return 1;
			tests[n++] = (struct CMUnitTest){
				.name = name,
				.test_func = vec_tests[i].fn,
				.initial_state = &vecs[v],
			};
		}
	ret = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	for (size_t i = nfixed; i < n; i++)
		free((char *)tests[i].name);
	free(tests);
	for (size_t v = 0; v < nvecs; v++) {
		json_decref(vecs[v].json);
		free(vecs[v].path);
		free(vecs[v].label);
	}
	return ret;
}

#endif /* TLOG_VECTORS_H */
