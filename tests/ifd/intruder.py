# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (c) 2026 The sclogin authors
#
# intruder.py SOCKET: play a card on sclogin's reader socket, as any
# process would that is not root's sclogin-vcard.  Prints one word:
#   unreachable  connect() failed (e.g. EACCES: the folder is root-only)
#   refused      connected, and the reader closed the connection
#   served       the reader sent a frame: it took us for the card
#   ignored      nothing within 3 s
import socket
import sys

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("unreachable", e.strerror)
    sys.exit(0)
s.settimeout(3)
try:
    data = s.recv(16)
except socket.timeout:
    print("ignored")
    sys.exit(0)
except OSError:
    data = b""
print("served" if data else "refused")
