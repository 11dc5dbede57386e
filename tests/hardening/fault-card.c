/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (c) 2026 The sclogin authors */

/*
 * fault-card: a misbehaving card for the vpcd reader driver.  It sits
 * between pcscd's vpcd port and a real card program (sclogin-vcard run
 * --port LISTEN), relays the vpcd protocol (2-byte big-endian length +
 * payload; 1-byte payloads are control messages: 0 off, 1 on, 2 reset,
 * 4 ATR) and injects one fault.  It also logs every C-APDU (header,
 * lengths, SW, card time, and only the AID of a SELECT or the tag of a GET
 * DATA: never other data) so benchmarks can count APDUs on the wire, and
 * the CLOCK_MONOTONIC time of each insertion (its connect to the vpcd
 * port: `event=card-inserted mono_us=U`), of pcscd's first ATR request
 * (`event=atr-request`) and of the first C-APDU (`event=first-apdu`), so
 * they can time from them.  It
 * re-arms TCP_QUICKACK on both sockets, so the 40 ms
 * delayed-ACK stall of the vpcd transport does not apply behind it.
 *
 *   fault-card --listen PORT --connect PORT [--log FILE] [--fault KIND]
 *       [--at N | [--ins XX] [--match HEX] [--nth K]] [--arg N]
 *       [--trigger-file PATH]
 *       [--standalone] [--atr HEX] [--once] [--latency E,B,S]
 *
 * The trigger is the N-th C-APDU (1-based), or the K-th C-APDU with
 * instruction byte XX and/or whose bytes contain HEX (e.g. 5C035FC105: the
 * GET DATA of the 9A certificate).  The answer-mangling faults (truncate,
 * overlong, flip, garbage) fire on the first answer at or after the
 * trigger that they actually change, so an empty answer is never "hit".
 * --trigger-file is created when the fault fires.  Faults:
 *   pass        relay only (default; for APDU counting)
 *   drop        close both sides before relaying: the card is removed
 *   hang        never answer (keeps the connection open)
 *   delay       answer every APDU from the trigger on --arg ms late
 *   sw61        answer 61 10 to the trigger and every APDU after it
 *   sw6c        answer 6C 10 to the trigger and every APDU after it
 *   sw          answer SW --arg (hex, e.g. 6F00) to the trigger APDU
 *   truncate    keep --arg data bytes of the trigger's answer (+ its SW)
 *   overlong    set the first TLV length of the answer past the end
 *   flip        xor 0xFF into the answer byte at offset --arg
 *   garbage     replace the answer data by pseudo-random bytes + 9000
 * --standalone: no card behind; answer the ATR with --atr and every APDU
 * with 6A82 (a card without the PIV applet).  --once: exit when the card
 * side closes instead of waiting for the next card.
 *
 * --latency EXCHANGE_US,BYTE_US,SIGN_US: a real-card latency model for the
 * benchmark.  Every relayed APDU is answered no sooner than EXCHANGE_US
 * (reader, USB and card turnaround) + BYTE_US per byte on the card's wire
 * (command and response, T=1: plus 4 bytes of block framing per 254 data
 * bytes) + SIGN_US for the last block of a GENERAL AUTHENTICATE (on-card
 * private key operation) after it was sent.  bench/RESULTS.md gives the
 * figures' sources.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_MAX		65538

enum fault {
	F_PASS,
	F_DROP,
	F_HANG,
	F_DELAY,
	F_SW61,
	F_SW6C,
	F_SW,
	F_TRUNCATE,
	F_OVERLONG,
	F_FLIP,
	F_GARBAGE,
};

static const char *const fault_names[] = {
	"pass", "drop", "hang", "delay", "sw61", "sw6c", "sw", "truncate",
	"overlong", "flip", "garbage",
};

struct cfg {
	unsigned listen_port;
	unsigned connect_port;
	const char *log_path;
	enum fault fault;
	unsigned at;
	int ins;
	unsigned nth;
	uint8_t match[32];
	size_t match_len;
	unsigned long arg;
	const char *trigger_file;
	int standalone;
	uint8_t atr[33];
	size_t atr_len;
	int once;
	int latency;		/* --latency given */
	unsigned long lat_exchange_us, lat_byte_us, lat_sign_us;
};

struct state {
	FILE *log;
	unsigned n_apdu;
	unsigned n_ins;
	int triggered;
	uint32_t rng;
};

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
sleep_ms(unsigned long ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int
read_full(int fd, uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t k = read(fd, buf + off, len - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		off += (size_t)k;
	}
	return 0;
}

static int
write_full(int fd, const uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t k = send(fd, buf + off, len - off, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		off += (size_t)k;
	}
	return 0;
}

/*
 * pcscd's vpcd driver sends the length and the payload in two writes with
 * Nagle on; a receiver that delays its ACK (Linux: up to 40 ms) stalls
 * every APDU.  Re-arming TCP_QUICKACK around each read removes that rig
 * artefact (bench/RESULTS.md).
 */
static void
quickack(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

static int
recv_msg(int fd, uint8_t *buf, size_t *ret_len)
{
	uint8_t hdr[2];
	size_t len;

	quickack(fd);
	if (read_full(fd, hdr, 2) < 0)
		return -1;
	len = (size_t)hdr[0] << 8 | hdr[1];
	quickack(fd);
	if (read_full(fd, buf, len) < 0)
		return -1;
	quickack(fd);
	*ret_len = len;
	return 0;
}

static int
send_msg(int fd, const uint8_t *buf, size_t len)
{
	uint8_t hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	if (len > 0xFFFF)
		return -1;
	if (write_full(fd, hdr, 2) < 0)
		return -1;
	return write_full(fd, buf, len);
}

static int
listen_on(unsigned port)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
connect_to(unsigned port)
{
	struct sockaddr_in sa;
	unsigned i;
	int one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 100; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
			return fd;
		}
		close(fd);
		sleep_ms(50);
	}
	return -1;
}

static void
log_line(struct state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
log_line(struct state *st, const char *fmt, ...)
{
	va_list ap;

	if (st->log == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(st->log, fmt, ap);
	va_end(ap);
	fflush(st->log);
}

static int
contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	size_t i;

	for (i = 0; m <= n && i <= n - m; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

static int
is_mangle(enum fault f)
{
	return f == F_TRUNCATE || f == F_OVERLONG || f == F_FLIP ||
	    f == F_GARBAGE;
}

/*
 * Is this C-APDU at or past the trigger?  With --ins / --match the K-th
 * matching APDU and, for the answer-mangling faults, any later matching
 * one (they fire on the first answer they can change); else the N-th.
 */
static int
is_trigger(const struct cfg *c, struct state *st, const uint8_t *cmd,
    size_t len)
{
	if (c->fault == F_PASS)
		return 0;
	if (c->ins >= 0 || c->match_len > 0) {
		if ((c->ins >= 0 && cmd[1] != (uint8_t)c->ins) ||
		    (c->match_len > 0 &&
		    !contains(cmd, len, c->match, c->match_len)))
			return 0;
		st->n_ins++;
		return is_mangle(c->fault) ? st->n_ins >= c->nth :
		    st->n_ins == c->nth;
	}
	return is_mangle(c->fault) ? st->n_apdu >= c->at :
	    st->n_apdu == c->at;
}

static void
mark_triggered(const struct cfg *c, struct state *st)
{
	int fd;

	st->triggered = 1;
	if (c->trigger_file == NULL)
		return;
	fd = open(c->trigger_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	if (fd >= 0)
		close(fd);
}

/* Rewrite an answer (data + SW); 1 if it changed. */
static int
mangle(const struct cfg *c, struct state *st, uint8_t *r, size_t *len)
{
	size_t dlen = *len >= 2 ? *len - 2 : 0;
	uint8_t sw1 = *len >= 2 ? r[*len - 2] : 0x6F;
	uint8_t sw2 = *len >= 2 ? r[*len - 1] : 0x00;
	size_t i;

	switch (c->fault) {
	case F_TRUNCATE:
		if (c->arg >= dlen)
			return 0;
		dlen = c->arg;
		break;
	case F_OVERLONG:
		if (dlen < 2)
			return 0;
		{
			if (r[1] == 0x82 && dlen >= 4) {
				r[2] = 0xFF;
				r[3] = 0xF0;
			} else if (r[1] == 0x81 && dlen >= 3) {
				r[2] = 0xFF;
			} else {
				r[1] = 0x7F;
			}
		}
		break;
	case F_FLIP:
		if (c->arg >= dlen)
			return 0;
		r[c->arg] ^= 0xFF;
		break;
	case F_GARBAGE:
		if (dlen == 0)
			return 0;
		for (i = 0; i < dlen; i++) {
			st->rng = st->rng * 1103515245u + 12345u;
			r[i] = (uint8_t)(st->rng >> 16);
		}
		sw1 = 0x90;
		sw2 = 0x00;
		break;
	default:
		return 0;
	}
	r[dlen] = sw1;
	r[dlen + 1] = sw2;
	*len = dlen + 2;
	return 1;
}

/* Wait until the pcscd side closes (or forever): the "hang" fault. */
static void
hang(int up)
{
	uint8_t buf[256];

	for (;;) {
		ssize_t k = read(up, buf, sizeof(buf));

		if (k == 0 || (k < 0 && errno != EINTR))
			return;
	}
}

/*
 * The public part of a command worth naming in the log: the AID of a
 * SELECT, the tag list of a GET DATA.  Nothing else (never VERIFY, CHANGE
 * REFERENCE DATA or RESET RETRY COUNTER data) is ever printed.
 */
static void
describe(const uint8_t *cmd, size_t len, char *out, size_t cap)
{
	size_t i, lc, at = 5, o = 0;

	out[0] = '\0';
	if (len < 6 || (cmd[1] != 0xA4 && cmd[1] != 0xCB))
		return;
	lc = cmd[4];
	if (lc == 0 && len >= 8) {
		/* extended Lc: 00 Lc1 Lc2 (ISO/IEC 7816-4 §5.1) */
		lc = (size_t)cmd[5] << 8 | cmd[6];
		at = 7;
	}
	if (lc == 0 || at + lc > len)
		return;
	o = (size_t)snprintf(out, cap, cmd[1] == 0xA4 ? " aid=" : " obj=");
	for (i = cmd[1] == 0xCB ? 2 : 0; i < lc && o + 3 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%02X", cmd[at + i]);
}

/* The model's time for one exchange (--latency). */
static uint64_t
model_us(const struct cfg *c, const uint8_t *cmd, size_t len, size_t alen)
{
	size_t wire = len + alen;
	uint64_t us;

	wire += 4 * ((len + 253) / 254 + (alen + 253) / 254);
	us = c->lat_exchange_us + (uint64_t)c->lat_byte_us * wire;
	if (cmd[1] == 0x87 && (cmd[0] & 0x10) == 0)
		us += c->lat_sign_us;
	return us;
}

/*
 * One card session: relay until either side closes.  Returns 0 when the
 * card side closed (a new card may come), 1 to exit.
 */
static int
session(const struct cfg *c, struct state *st, int up, int card)
{
	static uint8_t msg[MSG_MAX], ans[MSG_MAX];
	int ret = 1, seen_atr = 0, seen_apdu = 0;

	for (;;) {
		struct pollfd p[2] = { { up, POLLIN, 0 }, { card, POLLIN, 0 } };
		size_t len = 0, alen = 0;
		uint64_t t0;
		uint8_t ins;
		int np = card >= 0 ? 2 : 1, fired = 0, armed = 0;
		char what[64];

		if (poll(p, (nfds_t)np, -1) < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (np == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			log_line(st, "event=card-closed\n");
			ret = 0;
			goto out;
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (recv_msg(up, msg, &len) < 0) {
			log_line(st, "event=pcscd-closed\n");
			goto out;
		}
		if (len == 1) {
			if (c->standalone) {
				if (msg[0] == 4 &&
				    send_msg(up, c->atr, c->atr_len) < 0)
					goto out;
				continue;
			}
			if (send_msg(card, msg, 1) < 0) {
				ret = 0;
				goto out;
			}
			if (msg[0] == 4 && !seen_atr) {
				seen_atr = 1;
				log_line(st, "event=atr-request mono_us=%llu\n",
				    (unsigned long long)now_us());
			}
			if (msg[0] == 4) {
				if (recv_msg(card, ans, &alen) < 0) {
					ret = 0;
					goto out;
				}
				if (send_msg(up, ans, alen) < 0)
					goto out;
			}
			continue;
		}
		if (len < 4)
			goto out;
		if (!seen_apdu) {
			seen_apdu = 1;
			log_line(st, "event=first-apdu mono_us=%llu\n",
			    (unsigned long long)now_us());
		}
		st->n_apdu++;
		ins = msg[1];
		if (!st->triggered && is_trigger(c, st, msg, len)) {
			if (is_mangle(c->fault)) {
				armed = 1;
			} else {
				mark_triggered(c, st);
				fired = 1;
			}
		}
		t0 = now_us();
		if (fired && c->fault == F_DROP) {
			log_line(st, "n=%u ins=%02X p1p2=%02X%02X body=%zu "
			    "fault=drop\n", st->n_apdu, ins, msg[2], msg[3],
			    len - 4);
			goto out;
		}
		if (fired && c->fault == F_HANG) {
			log_line(st, "n=%u ins=%02X p1p2=%02X%02X body=%zu "
			    "fault=hang\n", st->n_apdu, ins, msg[2], msg[3],
			    len - 4);
			hang(up);
			goto out;
		}
		if (st->triggered && c->fault == F_DELAY)
			sleep_ms(c->arg);
		if (st->triggered && (c->fault == F_SW61 ||
		    c->fault == F_SW6C)) {
			ans[0] = c->fault == F_SW61 ? 0x61 : 0x6C;
			ans[1] = 0x10;
			alen = 2;
		} else if (fired && c->fault == F_SW) {
			ans[0] = (uint8_t)(c->arg >> 8);
			ans[1] = (uint8_t)c->arg;
			alen = 2;
		} else if (c->standalone) {
			ans[0] = 0x6A;
			ans[1] = 0x82;
			alen = 2;
		} else {
			if (send_msg(card, msg, len) < 0 ||
			    recv_msg(card, ans, &alen) < 0) {
				log_line(st, "n=%u ins=%02X event=card-closed\n",
				    st->n_apdu, ins);
				ret = 0;
				goto out;
			}
			if (armed && alen >= 2 && mangle(c, st, ans, &alen)) {
				mark_triggered(c, st);
				fired = 1;
			}
		}
		if (c->latency) {
			uint64_t want = model_us(c, msg, len, alen);
			uint64_t spent = now_us() - t0;

			if (spent < want)
				sleep_ms((unsigned long)((want - spent + 999) /
				    1000));
		}
		describe(msg, len, what, sizeof(what));
		log_line(st, "n=%u ins=%02X p1p2=%02X%02X body=%zu rlen=%zu "
		    "sw=%02X%02X us=%llu fault=%s%s\n", st->n_apdu, ins, msg[2],
		    msg[3], len - 4, alen >= 2 ? alen - 2 : 0,
		    alen >= 2 ? ans[alen - 2] : 0, alen >= 2 ? ans[alen - 1] : 0,
		    (unsigned long long)(now_us() - t0),
		    st->triggered ? fault_names[c->fault] : "none", what);
		explicit_bzero(msg, len);
		if (send_msg(up, ans, alen) < 0)
			goto out;
	}
out:
	explicit_bzero(msg, sizeof(msg));
	return ret;
}

static int
parse_hex(const char *s, uint8_t *out, size_t cap, size_t *ret_len)
{
	size_t n = 0;

	while (s[0] != '\0') {
		unsigned v;

		if (s[0] == ' ' || s[0] == ':') {
			s++;
			continue;
		}
		if (s[1] == '\0' || n >= cap || sscanf(s, "%2x", &v) != 1)
			return -1;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	*ret_len = n;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: fault-card --listen PORT --connect PORT "
	    "[--log FILE] [--fault KIND]\n"
	    "       [--at N | [--ins XX] [--match HEX] [--nth K]]\n"
	    "       [--arg N] [--trigger-file PATH] [--standalone] "
	    "[--atr HEX] [--once]\n"
	    "       [--latency EXCHANGE_US,BYTE_US,SIGN_US]\n");
}

int
main(int argc, char **argv)
{
	static const uint8_t default_atr[] = {
		0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x09,
	};
	struct cfg c;
	struct state st;
	int i, lfd = -1, rc = 1;
	size_t k;

	memset(&c, 0, sizeof(c));
	memset(&st, 0, sizeof(st));
	c.ins = -1;
	c.nth = 1;
	memcpy(c.atr, default_atr, sizeof(default_atr));
	c.atr_len = sizeof(default_atr);
	st.rng = 0x5C106;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--standalone") == 0) {
			c.standalone = 1;
			continue;
		}
		if (strcmp(a, "--once") == 0) {
			c.once = 1;
			continue;
		}
		if (v == NULL)
			goto usage;
		i++;
		if (strcmp(a, "--listen") == 0) {
			c.listen_port = (unsigned)strtoul(v, NULL, 10);
		} else if (strcmp(a, "--connect") == 0) {
			c.connect_port = (unsigned)strtoul(v, NULL, 10);
		} else if (strcmp(a, "--log") == 0) {
			c.log_path = v;
		} else if (strcmp(a, "--at") == 0) {
			c.at = (unsigned)strtoul(v, NULL, 10);
		} else if (strcmp(a, "--ins") == 0) {
			c.ins = (int)strtol(v, NULL, 16);
		} else if (strcmp(a, "--match") == 0) {
			if (parse_hex(v, c.match, sizeof(c.match),
			    &c.match_len) < 0)
				goto usage;
		} else if (strcmp(a, "--nth") == 0) {
			c.nth = (unsigned)strtoul(v, NULL, 10);
		} else if (strcmp(a, "--arg") == 0) {
			c.arg = strtoul(v, NULL, 0);
		} else if (strcmp(a, "--latency") == 0) {
			if (sscanf(v, "%lu,%lu,%lu", &c.lat_exchange_us,
			    &c.lat_byte_us, &c.lat_sign_us) != 3)
				goto usage;
			c.latency = 1;
		} else if (strcmp(a, "--trigger-file") == 0) {
			c.trigger_file = v;
		} else if (strcmp(a, "--atr") == 0) {
			if (parse_hex(v, c.atr, sizeof(c.atr), &c.atr_len) < 0)
				goto usage;
		} else if (strcmp(a, "--fault") == 0) {
			for (k = 0; k < sizeof(fault_names) /
			    sizeof(fault_names[0]); k++)
				if (strcmp(v, fault_names[k]) == 0)
					break;
			if (k == sizeof(fault_names) / sizeof(fault_names[0]))
				goto usage;
			c.fault = (enum fault)k;
		} else {
			goto usage;
		}
	}
	if (c.connect_port == 0 || (!c.standalone && c.listen_port == 0))
		goto usage;
	if (c.fault == F_SW && c.arg == 0)
		c.arg = 0x6F00;
	if (c.fault != F_PASS && c.ins < 0 && c.match_len == 0 && c.at == 0)
		c.at = 1;
	signal(SIGPIPE, SIG_IGN);
	if (c.log_path != NULL) {
		st.log = fopen(c.log_path, "ae");
		if (st.log == NULL) {
			perror(c.log_path);
			goto out;
		}
	}
	if (!c.standalone) {
		lfd = listen_on(c.listen_port);
		if (lfd < 0) {
			perror("listen");
			goto out;
		}
	}
	for (;;) {
		int card = -1, up, again;

		if (!c.standalone) {
			card = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (card < 0) {
				if (errno == EINTR)
					continue;
				perror("accept");
				goto out;
			}
			setsockopt(card, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
			    sizeof(int));
		}
		up = connect_to(c.connect_port);
		if (up < 0) {
			fprintf(stderr, "fault-card: cannot reach vpcd port "
			    "%u\n", c.connect_port);
			if (card >= 0)
				close(card);
			goto out;
		}
		log_line(&st, "event=card-inserted mono_us=%llu\n",
		    (unsigned long long)now_us());
		again = session(&c, &st, up, card);
		close(up);
		if (card >= 0)
			close(card);
		log_line(&st, "event=card-removed apdus=%u\n", st.n_apdu);
		if (!again || c.once || c.standalone ||
		    (st.triggered && c.fault == F_DROP))
			break;
	}
	rc = 0;
	goto out;
usage:
	usage();
	rc = 2;
out:
	if (lfd >= 0)
		close(lfd);
	if (st.log != NULL)
		fclose(st.log);
	return rc;
}
