/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "err.h"
#include "signin.h"
#include "tokenwatch.h"

struct scl_token_watch {
	const struct scl_backend_ops *be;
	void *b;
};

int
scl_token_watch_open(const struct scl_config *cfg,
    struct scl_token_watch **ret)
{
	struct scl_backend_params p;
	struct scl_token_watch *w;
	const struct scl_backend_ops *be;
	int changed = 0, r, wanted = 0;
	size_t i;

	*ret = NULL;
	for (i = 0; i < cfg->n_backends && i < SCL_CONFIG_LIST_MAX; i++)
		if (strcmp(cfg->backends[i], "pkcs11") == 0)
			wanted = 1;
	be = scl_backend_get(SCL_BACKEND_PKCS11);
	if (!wanted || be == NULL || be->poll_events == NULL)
		return 0;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return SCL_ERR_NOMEM;
	w->be = be;
	scl_signin_backend_params(cfg, 0, &p);
	if ((r = be->open(&p, &w->b)) < 0 ||
	    (r = be->poll_events(w->b, &changed)) < 0) {
		scl_token_watch_free(&w);
		return r;
	}
	*ret = w;
	return 0;
}

int
scl_token_watch_poll(struct scl_token_watch *w, int *ret_changed)
{
	*ret_changed = 0;
	if (w == NULL)
		return 0;
	return w->be->poll_events(w->b, ret_changed);
}

int
scl_token_watch_list(struct scl_token_watch *w, struct scl_token_info *ret,
    size_t cap, size_t *ret_n)
{
	size_t n = 0, i, k = 0;
	int r;

	*ret_n = 0;
	if (w == NULL)
		return 0;
	if ((r = w->be->list_tokens(w->b, ret, cap, &n)) < 0)
		return r;
	for (i = 0; i < n && i < cap; i++)
		if (ret[i].present)
			ret[k++] = ret[i];
	*ret_n = k;
	return 0;
}

void
scl_token_watch_free(struct scl_token_watch **wp)
{
	struct scl_token_watch *w = *wp;

	if (w == NULL)
		return;
	if (w->b != NULL)
		w->be->close(&w->b);
	free(w);
	*wp = NULL;
}
