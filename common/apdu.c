/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */
/* XXX: not yet written */
typedef int scl_placeholder_apdu;
