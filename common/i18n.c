/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
#include <libintl.h>
#include <pthread.h>

#include "i18n.h"
#include "scl-config.h"

static pthread_once_t bound = PTHREAD_ONCE_INIT;

static void
bind_domain(void)
{
	(void)bindtextdomain(SCL_TEXTDOMAIN, SCL_LOCALEDIR);
}

const char *
scl_tr(const char *msgid)
{
	(void)pthread_once(&bound, bind_domain);
	return dgettext(SCL_TEXTDOMAIN, msgid);
}

const char *
scl_trn(const char *one, const char *many, unsigned long n)
{
	(void)pthread_once(&bound, bind_domain);
	return dngettext(SCL_TEXTDOMAIN, one, many, n);
}

void
scl_tr_utf8(void)
{
	(void)pthread_once(&bound, bind_domain);
	(void)bind_textdomain_codeset(SCL_TEXTDOMAIN, "UTF-8");
}
