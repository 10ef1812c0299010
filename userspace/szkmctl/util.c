// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * util.c - what several subcommands share: --help and bad input, saying
 * why the kernel refused, PCR options, the TPM session's name, reading a
 * PIN, the ledger keys file.
 */
#include "subcommands.h"
#include "libszkm.h"
#include "szkm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

const char *szkmctl_cmd = "";

int szkmctl_wants_help(int argc, char *argv[])
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

int szkmctl_bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", PROG_NAME, szkmctl_cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int szkmctl_unknown(const char *arg)
{
	if (arg[0] == '-')
		return szkmctl_bad("unknown option '%s'", arg);
	return szkmctl_bad("unexpected argument '%s'", arg);
}

int szkmctl_only_flag(int argc, char *argv[], const char *name, int *set)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], name))
			return szkmctl_unknown(argv[i]);
		*set = 1;
	}
	return 0;
}

const char *szkmctl_value(int argc, char *argv[], int *i)
{
	if (*i + 1 >= argc) {
		szkmctl_bad("%s needs a value", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

int szkmctl_parse_uint(const char *opt, const char *s, unsigned long lo, unsigned long hi,
		       unsigned long *out)
{
	unsigned long v = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9' && v <= hi; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (p == s || *p || v < lo || v > hi) {
		szkmctl_bad("%s: '%s' is not a number from %lu to %lu", opt, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

void szkmctl_key_report(const char *what, int err)
{
	const char *why;

	switch (err < 0 ? -err : err) {
	case EBUSY:
		why = "a change of the key waits for the ledger's proof, or the version is pending (one change at a time: --wait waits for it)";
		break;
	case EAGAIN:
		why = "the key registry waits for the ledger to prove the resume (start ledgerd or szkmctl events listen --ack)";
		break;
	case ENOKEY:
		why = "no ready device (szkmctl device unseal), or the key is gone";
		break;
	case EACCES:
		why = "permission denied (the key must be in one of your keyrings, with Write permission)";
		break;
	case EPERM:
		why = "not permitted (ledger=async is for test devices only)";
		break;
	case EDQUOT:
		why = "your uid holds as many szkm keys as the module allows (keys_per_uid)";
		break;
	case EINVAL:
		why = "the kernel refused the command (its log says why)";
		break;
	case EOPNOTSUPP:
		why = "not for this key (a key with only a public key cannot rotate)";
		break;
	default:
		why = strerror(err < 0 ? -err : err);
	}
	fprintf(stderr, "%s: %s\n", what, why);
}

void szkmctl_report(const char *what, int err)
{
	const char *why = szkm_last_message();

	if (why[0])
		fprintf(stderr, "%s: %s (%s)\n", what, why, strerror(err < 0 ? -err : err));
	else
		fprintf(stderr, "%s: %s\n", what, szkm_strerror(err));
}

void szkmctl_print_hex(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);

	if (!s)
		return;
	szkm_hex_encode(s, p, n);
	fputs(s, stdout);
	free(s);
}

int szkmctl_read_ledger_keys(char lines[][SZKM_LEDGER_VKEY_MAX + 2], const char **keys)
{
	FILE *f = fopen(SZKMCTL_LEDGER_KEYS, "r");
	char buf[SZKM_LEDGER_VKEY_MAX + 2];
	int n = 0;

	if (!f) {
		fprintf(stderr, "No ledger key: give --ledger-key (ledgerd vkey, or %s events listen --vkey) or list them in %s (%s)\n",
			PROG_NAME, SZKMCTL_LEDGER_KEYS, strerror(errno));
		return -1;
	}
	while (fgets(buf, sizeof(buf), f)) {
		size_t len = strcspn(buf, "\r\n");

		if (buf[len] == 0 && !feof(f)) {
			fprintf(stderr, "%s: a line is too long for a verifier key\n", SZKMCTL_LEDGER_KEYS);
			n = -1;
			break;
		}
		buf[len] = 0;
		if (!len || buf[0] == '#')
			continue;
		if (n == SZKM_LEDGER_KEYS_MAX) {
			fprintf(stderr, "%s: more than %d keys\n", SZKMCTL_LEDGER_KEYS, SZKM_LEDGER_KEYS_MAX);
			n = -1;
			break;
		}
		memcpy(lines[n], buf, len + 1);
		keys[n] = lines[n];
		n++;
	}
	fclose(f);
	return n;
}

int szkmctl_key_version_args(int argc, char *argv[], const char **spec, unsigned long *version)
{
	*spec = NULL;
	*version = 0;
	for (int i = 1; i < argc; i++) {
		const char *val;

		if (!strcmp(argv[i], "--version")) {
			val = szkmctl_value(argc, argv, &i);
			if (!val || szkmctl_parse_uint("--version", val, 1, UINT32_MAX, version))
				return -1;
		} else if (argv[i][0] == '-' || *spec) {
			szkmctl_unknown(argv[i]);
			return -1;
		} else {
			*spec = argv[i];
		}
	}
	if (!*spec) {
		szkmctl_bad("which key? (a name or serial)");
		return -1;
	}
	return 0;
}

struct szkm_key_info *szkmctl_key_load(const char *spec)
{
	struct szkm_key_info *k;
	int32_t serial = szkm_key_find(spec);
	int ret;

	if (serial < 0) {
		fprintf(stderr, "Unable to find key `%s': %s\n", spec, szkm_strerror(serial));
		return NULL;
	}
	k = malloc(sizeof(*k));
	if (!k) {
		perror("malloc");
		return NULL;
	}
	ret = szkm_key_info(serial, k);
	if (ret < 0) {
		szkmctl_report("Unable to read the key", ret);
		free(k);
		return NULL;
	}
	return k;
}

/* A decimal number from @lo to @hi, nothing else (no sign, no spaces). */
static int parse_num(const char *s, size_t n, unsigned int lo, unsigned int hi,
		     unsigned int *out)
{
	unsigned int v = 0;

	if (!n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned int)(s[i] - '0');
		if (v > hi)
			return -1;
	}
	if (v < lo)
		return -1;
	*out = v;
	return 0;
}

int szkmctl_parse_pcr(const char *opt, const char *s, unsigned int lo, unsigned int hi,
		      const char *range, uint8_t *pcr)
{
	unsigned int v;

	if (parse_num(s, strlen(s), lo, hi, &v)) {
		szkmctl_bad("%s: '%s' is not a PCR %s", opt, s, range);
		return -1;
	}
	*pcr = (uint8_t)v;
	return 0;
}

int szkmctl_parse_pcr_list(const char *opt, const char *s, unsigned int hi, uint32_t *bitmap)
{
	uint32_t map = 0;
	const char *p = s;

	if (!*s) {
		szkmctl_bad("%s: empty list (PCR numbers from 0 to %u, e.g. 7 or 0,2,7)", opt, hi);
		return -1;
	}
	for (;;) {
		size_t n = strcspn(p, ",");
		unsigned int v;

		if (!n) {
			szkmctl_bad("%s: empty item in '%s' (PCR numbers from 0 to %u, e.g. 7 or 0,2,7)",
				    opt, s, hi);
			return -1;
		}
		if (parse_num(p, n, 0, hi, &v)) {
			szkmctl_bad("%s: '%.*s' is not a PCR from 0 to %u", opt, (int)n, p, hi);
			return -1;
		}
		map |= 1u << v;
		if (!p[n])
			break;
		p += n + 1;
	}
	*bitmap = map;
	return 0;
}

void szkmctl_pcr_list(char *out, size_t outlen, uint32_t bitmap)
{
	size_t n = 0;

	if (!outlen)
		return;
	out[0] = 0;
	if (!bitmap) {
		snprintf(out, outlen, "none");
		return;
	}
	for (unsigned int i = 0; i < 32 && n < outlen; i++)
		if (bitmap & (1u << i))
			n += (size_t)snprintf(out + n, outlen - n, "%s%u", n ? "," : "", i);
}

const char *szkmctl_session_text(uint32_t session)
{
	switch (session) {
	case SZKM_TPM_SESSION_NONE:
		return "none yet";
	case SZKM_TPM_SESSION_ENCRYPTED:
		return "encrypted (salted HMAC session, AES-128-CFB both ways, response HMAC checked)";
	case SZKM_TPM_SESSION_CLEAR:
		return "CLEAR (test-only build)";
	default:
		return "unknown";
	}
}

const char *szkmctl_session_word(uint32_t session)
{
	switch (session) {
	case SZKM_TPM_SESSION_NONE: return "none";
	case SZKM_TPM_SESSION_ENCRYPTED: return "encrypted";
	case SZKM_TPM_SESSION_CLEAR: return "clear";
	default: return "unknown";
	}
}

/* The signal that interrupted a prompt (echo is restored before it acts). */
static volatile sig_atomic_t pin_signal;

static void pin_on_signal(int sig)
{
	pin_signal = sig;
}

/*
 * One line from @fd, a byte at a time (no stdio buffer keeps a copy, and
 * nothing after the line is taken): the number of bytes before the
 * newline or the end, SZKM_PIN_MAX + 1 when longer (the rest of the line
 * is read and dropped), -errno, or -EINTR when a signal came on the
 * terminal.
 */
static ssize_t pin_line(int fd, uint8_t *pin)
{
	size_t n = 0;
	int over = 0;
	uint8_t c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0) {
			if (errno == EINTR && !pin_signal)
				continue;
			explicit_bzero(&c, sizeof(c));
			return -errno;
		}
		if (r == 0 || c == '\n')
			break;
		if (n < SZKM_PIN_MAX)
			pin[n++] = c;
		else
			over = 1;
	}
	explicit_bzero(&c, sizeof(c));
	return over ? SZKM_PIN_MAX + 1 : (ssize_t)n;
}

/* Prompt on /dev/tty with echo off; echo and the signals are restored,
 * and a signal that came is then raised again. */
static ssize_t pin_prompt(const char *prompt, uint8_t *pin)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };
	struct sigaction sa = { .sa_handler = pin_on_signal }, old[5];
	struct termios t, quiet;
	ssize_t n;
	int fd, e;

	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (tcgetattr(fd, &t)) {
		e = errno;
		close(fd);
		return -e;
	}
	pin_signal = 0;
	sigemptyset(&sa.sa_mask);	/* no SA_RESTART: read() returns */
	for (int i = 0; i < 5; i++)
		sigaction(sigs[i], &sa, &old[i]);
	quiet = t;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	quiet.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &quiet)) {
		n = -errno;
		goto out;
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		n = -errno;
		goto restore;
	}
	n = pin_line(fd, pin);
restore:
	tcsetattr(fd, TCSAFLUSH, &t);
	if (write(fd, "\n", 1) < 0) {
		/* only cosmetic */
	}
out:
	for (int i = 0; i < 5; i++)
		sigaction(sigs[i], &old[i], NULL);
	close(fd);
	if (pin_signal) {
		explicit_bzero(pin, SZKM_PIN_MAX);
		raise(pin_signal);
		return -EINTR;	/* the signal was handled or ignored */
	}
	return n;
}

/* Empty or too long: say so (never the PIN itself). */
static int pin_refused(ssize_t n, uint8_t *pin)
{
	if (n < 0)
		fprintf(stderr, "--pin: unable to read the PIN: %s\n", strerror((int)-n));
	else if (n == 0)
		fprintf(stderr, "--pin: the PIN is empty\n");
	else if (n > SZKM_PIN_MAX)
		fprintf(stderr, "--pin: the PIN is longer than %d bytes\n", SZKM_PIN_MAX);
	else
		return 0;
	explicit_bzero(pin, SZKM_PIN_MAX);
	return -1;
}

int szkmctl_read_pin(const char *prompt, const char *again, uint8_t *pin, size_t *len)
{
	uint8_t check[SZKM_PIN_MAX];
	ssize_t n, m;

	if (!isatty(STDIN_FILENO)) {
		n = pin_line(STDIN_FILENO, pin);
		if (pin_refused(n, pin))
			return -1;
		*len = (size_t)n;
		return 0;
	}
	n = pin_prompt(prompt, pin);
	if (pin_refused(n, pin))
		return -1;
	if (again) {
		m = pin_prompt(again, check);
		if (pin_refused(m, check)) {
			explicit_bzero(pin, SZKM_PIN_MAX);
			return -1;
		}
		if (m != n || memcmp(pin, check, (size_t)n)) {
			explicit_bzero(pin, SZKM_PIN_MAX);
			explicit_bzero(check, sizeof(check));
			fprintf(stderr, "--pin: the two PINs differ; nothing was done\n");
			return -1;
		}
		explicit_bzero(check, sizeof(check));
	}
	*len = (size_t)n;
	return 0;
}
