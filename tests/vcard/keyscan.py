#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# keyscan.py PID [--text TEXT]... [KEY.pem...]: look through every readable
# mapping of process PID (/proc/PID/maps and /proc/PID/mem, as root: a
# superset of what a core dump of it would hold) for the private parts of
# the keys: RSA d, p, q, dP, dQ, qInv, or the EC private scalar, each in
# both byte orders (as sent in an APDU and as an OpenSSL BIGNUM's limbs hold
# it), and any 16-byte window of them; and for each TEXT (a PIN) whole, in
# ASCII, UTF-16LE and UTF-16BE.  Prints one line per needle found and exits
# 1 when something was found, 0 when nothing was, 2 on a usage or read
# error.  Zero pages are skipped; "bytes" counts the rest.
import re
import subprocess
import sys

WINDOW = 16
MAPPING_MAX = 1 << 30   # skip sanitizer shadow and reserve regions
PIECE = 1 << 16


def components(pem):
    text = subprocess.run(["openssl", "pkey", "-in", pem, "-noout", "-text"],
                          check=True, capture_output=True, text=True).stdout
    out = {}
    name = None
    for line in text.splitlines():
        m = re.match(r"^(\w+):\s*$", line)
        if m:
            name = m.group(1)
            out[name] = ""
            continue
        if name is not None and re.match(r"^\s+[0-9a-f:]+$", line):
            out[name] += line.strip().replace(":", "")
        else:
            name = None
    keep = ("privateExponent", "prime1", "prime2", "exponent1",
            "exponent2", "coefficient", "priv")
    comps = {}
    for k in keep:
        if out.get(k):
            b = bytes.fromhex(out[k]).lstrip(b"\0")
            if len(b) >= WINDOW:
                comps[k] = b
    if not comps:
        raise SystemExit(f"keyscan: no private components in {pem}")
    return comps


def needles(comps):
    for name, b in comps.items():
        for order, v in (("big-endian", b), ("little-endian", b[::-1])):
            for off in range(0, len(v) - WINDOW + 1, WINDOW):
                yield f"{name} ({order}, bytes {off}..)", v[off:off + WINDOW]


def text_needles(text):
    for enc in ("ascii", "utf-16-le", "utf-16-be"):
        yield f"text {enc}", text.encode(enc)


def memory(pid, overlap=WINDOW - 1):
    with open(f"/proc/{pid}/maps") as maps, \
            open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            f = line.split()
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            if f[1][0] != "r" or hi - lo > MAPPING_MAX or \
                    (len(f) > 5 and f[5] in ("[vvar]", "[vsyscall]")):
                continue
            try:
                mem.seek(lo)
                data = mem.read(hi - lo)
            except OSError:
                continue
            # zero pages hold nothing: skip them (sanitizer builds map a
            # lot), keeping overlap bytes (longest needle - 1) between pieces
            for off in range(0, len(data), PIECE):
                piece = data[off:off + PIECE + overlap]
                if piece.count(0) != len(piece):
                    yield piece


def main():
    if len(sys.argv) < 3:
        print(__doc__ or "usage: keyscan.py PID KEY.pem...", file=sys.stderr)
        return 2
    pid = int(sys.argv[1])
    ns = []
    args = sys.argv[2:]
    while args:
        a = args.pop(0)
        if a == "--text" and args:
            ns += list(text_needles(args.pop(0)))
        else:
            ns += [(f"{a}: {d}", n) for d, n in needles(components(a))]
    found = set()
    total = 0
    for chunk in memory(pid, max(len(n) for _, n in ns) - 1):
        total += min(len(chunk), PIECE)
        for d, n in ns:
            if d not in found and n in chunk:
                found.add(d)
    if total == 0:
        print(f"keyscan: nothing readable in process {pid}", file=sys.stderr)
        return 2
    for d in sorted(found):
        print(f"found {d}")
    print(f"keyscan: {total} bytes of process {pid}, {len(found)} of "
          f"{len(ns)} needles found")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
