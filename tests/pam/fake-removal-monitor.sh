#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# Stands in for sclogin-removal-monitor in the test build of pam_sclogin
# (pam_sclogin_test.so): records the arguments it was started with next to
# itself, so e2e-pam can check what the session hook spawns, and what it
# inherited from the PAM host (removal-monitor.proc: fd 1500 open, blocked
# and ignored signals, working directory, environment).
out=$(dirname "$0")/removal-monitor.args
proc=$(dirname "$0")/removal-monitor.proc
# Builtins only until the status is read: dash blocks signals while it
# waits for a child.
{
	if [ -e /proc/$$/fd/1500 ]; then echo "fd1500=open"; else echo "fd1500=closed"; fi
	while read -r k v; do
		case $k in SigBlk:|SigIgn:) echo "$k $v" ;; esac
	done </proc/$$/status
	echo "cwd=$(pwd -P)"
	echo "env=$(env | grep -v -E '^(PWD|SHLVL|_|OLDPWD)=' | tr '\n' ' ')"
} >"$proc.tmp" && mv "$proc.tmp" "$proc"
printf '%s\n' "$@" >"$out.tmp" && mv "$out.tmp" "$out"
