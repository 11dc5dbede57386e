# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
"""Drive `sclogin pin change` on a pseudo-terminal, as a person would.

usage: tty-pin.py SCLOGIN CASE
  ok        current 123456, new 654321 twice: exit 0, no PIN echoed
  back      current 654321, new 123456 twice: exit 0
  mismatch  the two new PINs differ: exit 4, nothing sent to the card
  interrupt Ctrl-C at the first prompt: killed by SIGINT, echo restored
SCL_TEST_WRAPPER (words split on spaces), when set, goes in front of SCLOGIN.
"""
import os
import pty
import select
import signal
import sys
import termios
import time

exe, case = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    argv = os.environ.get("SCL_TEST_WRAPPER", "").split() + [exe]
    os.execvp(argv[0], argv + ["pin", "change"])

out = b""


def wait_for(text, timeout=30.0):
    global out
    end = time.monotonic() + timeout
    while text not in out:
        left = end - time.monotonic()
        if left <= 0:
            sys.exit(f"timed out waiting for {text!r}; got {out!r}")
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                data = os.read(fd, 1024)
            except OSError:
                data = b""
            if not data:
                sys.exit(f"EOF waiting for {text!r}; got {out!r}")
            out += data


def drain():
    global out
    while True:
        r, _, _ = select.select([fd], [], [], 30)
        if not r:
            break
        try:
            data = os.read(fd, 1024)
        except OSError:
            break
        if not data:
            break
        out += data


def echo_off_now():
    return not termios.tcgetattr(fd)[3] & termios.ECHO


pins = {"ok": (b"123456", b"654321", b"654321"),
        "back": (b"654321", b"123456", b"123456"),
        "mismatch": (b"123456", b"654321", b"654322")}

if case == "interrupt":
    wait_for(b"Current PIN: ")
    time.sleep(0.2)
    if not echo_off_now():
        sys.exit("echo is on at the PIN prompt")
    os.write(fd, b"12\x03")
    _, st = os.waitpid(pid, 0)
    if not (os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGINT):
        sys.exit(f"not killed by SIGINT: {st}")
    if echo_off_now():
        sys.exit("echo stayed off after Ctrl-C")
    print("interrupted; terminal restored")
    sys.exit(0)

cur, new, again = pins[case]
wait_for(b"Current PIN: ")
time.sleep(0.1)
if not echo_off_now():
    sys.exit("echo is on at the PIN prompt")
os.write(fd, cur + b"\n")
wait_for(b"New PIN: ")
os.write(fd, new + b"\n")
wait_for(b"New PIN again: ")
os.write(fd, again + b"\n")
drain()
_, st = os.waitpid(pid, 0)
code = os.WEXITSTATUS(st) if os.WIFEXITED(st) else 128
for p in set(pins[case]):
    if p in out:
        sys.exit(f"PIN {p!r} was echoed: {out!r}")
want = 4 if case == "mismatch" else 0
if code != want:
    sys.exit(f"exit {code}, wanted {want}: {out!r}")
print(out.decode(errors="replace").strip().splitlines()[-1])
