#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# Stands in for sclogin-removal-monitor in the test build of pam_sclogin
# (pam_sclogin_test.so): records the arguments it was started with next to
# itself, so e2e-pam can check what the session hook spawns.
out=$(dirname "$0")/removal-monitor.args
printf '%s\n' "$@" >"$out.tmp" && mv "$out.tmp" "$out"
