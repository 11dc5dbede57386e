/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/*
 * Issue 6 in the greeter: SclCardWatch (greeter/scl-card-watch.h) re-emits
 * a reader unplugged with the login card in it as card-removed, then
 * reader-removed for both readers of the device, on its main context, and
 * the reader plugged back as reader-added and card-inserted.  No display
 * needed (the watch is GObject only).  Every wait is bounded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "rig.h"
#include "scl-card-watch.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK(%s) " \
    "failed\n", __FILE__, __LINE__, #c); goto out; } } while (0)

static struct rig *rig;
static GString *seen;
static guint64 S = 1;
static char k_added[] = "ADDED", k_removed[] = "REMOVED", k_in[] = "IN";
static char k_out[] = "OUT";

static void
on_reader(SclCardWatch *w, const char *reader, gpointer kind)
{
	(void)w;
	g_string_append_printf(seen, "%s %s|", (const char *)kind, reader);
}

/* Iterate the main context until seen holds want (bounded). */
static int
await(const char *want, int ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000 * (gint64)S;

	while (strstr(seen->str, want) == NULL) {
		if (g_get_monotonic_time() >= end) {
			fprintf(stderr, "want '%s', seen '%s'\n", want,
			    seen->str);
			return -1;
		}
		g_main_context_iteration(NULL, FALSE);
		g_usleep(5000);
	}
	return 0;
}

static int
vcard_init(const char *vcard, const char *state)
{
	const char *argv[] = { vcard, "init", "--state", state, "--seal-key",
	    rig_seal_key(rig), NULL };

	return rig_run(argv) == 0 ? 0 : -1;
}

int
main(void)
{
	SclCardWatch *w = NULL;
	GError *err = NULL;
	const char *vcard = rig_vcard_path();
	char state[512];
	int rc = 1, r;

	if (getenv("SCL_TEST_WRAPPER") != NULL &&
	    *getenv("SCL_TEST_WRAPPER") != '\0')
		S = 10;
	if ((r = rig_start(&rig)) != 0)
		return r;
	seen = g_string_new(NULL);
	CHECK(vcard != NULL);
	snprintf(state, sizeof(state), "%s/card.state", rig_dir(rig));
	CHECK(vcard_init(vcard, state) == 0);
	CHECK(rig_hotplug_enable(rig) == 0);
	CHECK(rig_card_insert(rig, 0, state) == 0);

	w = scl_card_watch_new();
	g_signal_connect(w, "reader-added", G_CALLBACK(on_reader), k_added);
	g_signal_connect(w, "reader-removed", G_CALLBACK(on_reader),
	    k_removed);
	g_signal_connect(w, "card-inserted", G_CALLBACK(on_reader), k_in);
	g_signal_connect(w, "card-removed", G_CALLBACK(on_reader), k_out);
	CHECK(scl_card_watch_start(w, &err));
	CHECK(strcmp(seen->str, "ADDED " RIG_READER_0 "|IN " RIG_READER_0
	    "|ADDED " RIG_READER_1 "|") == 0);
	g_string_truncate(seen, 0);

	CHECK(rig_reader_unplug(rig, 0) == 0);
	CHECK(await("REMOVED " RIG_READER_1 "|", 5000) == 0);
	CHECK(await("REMOVED " RIG_READER_0 "|", 1000) == 0);
	/* The card goes before its reader; nothing else is said. */
	CHECK(strstr(seen->str, "OUT " RIG_READER_0 "|") != NULL);
	CHECK(strstr(seen->str, "OUT " RIG_READER_0 "|") <
	    strstr(seen->str, "REMOVED " RIG_READER_0 "|"));
	CHECK(strlen(seen->str) == strlen("OUT " RIG_READER_0 "|REMOVED "
	    RIG_READER_0 "|REMOVED " RIG_READER_1 "|"));
	fprintf(stderr, "unplug: %s\n", seen->str);
	g_string_truncate(seen, 0);

	CHECK(rig_reader_replug(rig, 0) == 0);
	CHECK(await("IN " RIG_READER_0 "|", 8000) == 0);
	CHECK(await("ADDED " RIG_READER_1 "|", 1000) == 0);
	fprintf(stderr, "replug: %s\n", seen->str);
	/* Reader 0 before its card (reader 1 may come before or after). */
	CHECK(strstr(seen->str, "ADDED " RIG_READER_0 "|") <
	    strstr(seen->str, "IN " RIG_READER_0 "|"));
	CHECK(strlen(seen->str) == strlen("ADDED " RIG_READER_0 "|IN "
	    RIG_READER_0 "|ADDED " RIG_READER_1 "|"));
	rc = 0;
out:
	if (err != NULL) {
		fprintf(stderr, "card watch: %s\n", err->message);
		g_error_free(err);
	}
	if (w != NULL)
		g_object_unref(w);
	if (seen != NULL)
		g_string_free(seen, TRUE);
	rig_stop(&rig);
	return rc;
}
