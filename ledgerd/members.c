// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * members.c - ledgerd member: proposing, approving and submitting a
 * membership entry (entry.h, type 3), the way the nodes' operators
 * change which node keys cosign and how many must.
 *
 * The entry travels between operators as a file of one line of hex: the
 * proposer writes its content with no approvals, each operator of a node
 * in the membership in force adds its node key's approval (offline: it
 * reads nothing but the file, the settings' origin and the node key), and
 * anyone submits it to a node, which appends it only when
 * ledger_may_change_members() (admit.c) says so.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "ledgerd.h"
#include "node_key.h"
#include "szkm.h"

/* An entry file of type 3 or 4 into @buf and @e (malloc'd), or dies. */
static struct ledger_entry *read_approved(const char *path, uint8_t *buf,
					  size_t cap, size_t *len)
{
	char line[2 * LEDGER_ENTRY_MAX_LEN + 2];
	struct ledger_entry *e;
	const char *why = "malformed";
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		die("cannot read %s: %s", path, strerror(errno));
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	n = strcspn(line, "\r\n");
	line[n] = 0;
	if (n % 2 || n / 2 > cap || szkm_hex_decode(buf, n / 2, line))
		die("%s: not one line of hex of at most %zu bytes", path, cap);
	*len = n / 2;
	e = malloc(sizeof(*e));
	if (!e)
		die("out of memory");
	if (ledger_entry_decode(buf, *len, e, &why))
		die("%s is not a valid entry (%s)", path, why);
	if (e->type != LEDGER_ENTRY_MEMBERS &&
	    e->type != LEDGER_ENTRY_ENROL_APPROVED)
		die("%s is neither a membership entry nor an approved enrolment",
		    path);
	return e;
}

void ledgerd_read_members(const char *path, uint8_t *buf, size_t cap,
			  size_t *len, struct ledger_members *m)
{
	struct ledger_entry *e = read_approved(path, buf, cap, len);

	if (e->type != LEDGER_ENTRY_MEMBERS)
		die("%s is not a membership entry", path);
	*m = e->members;
	free(e);
}

static void write_entry(const char *path, struct ledger_entry *e)
{
	uint8_t buf[LEDGER_ENTRY_MAX_LEN];
	char hex[2 * LEDGER_ENTRY_MAX_LEN + 1], tmp[PATH_MAX];
	size_t len;
	FILE *f;

	if (e->type == LEDGER_ENTRY_MEMBERS ?
	    ledger_entry_members(&e->members, buf, sizeof(buf), &len) :
	    ledger_entry_approved_enrolment(&e->enrol, buf, sizeof(buf), &len))
		die("the entry is not valid (k, n, names or keys)");
	szkm_hex_encode(hex, buf, len);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		die("%s: path too long", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%s\n", hex) < 0 || fclose(f) ||
	    rename(tmp, path))
		die("cannot write %s: %s", path, strerror(errno));
}

static void write_members(const char *path, const struct ledger_members *m)
{
	struct ledger_entry *e = calloc(1, sizeof(*e));

	if (!e)
		die("out of memory");
	e->type = LEDGER_ENTRY_MEMBERS;
	e->members = *m;
	write_entry(path, e);
	free(e);
}

/* A P-256 point from an EVP_PKEY; false when it holds none. */
static bool point_of(EVP_PKEY *pk, uint8_t pub[SZKM_P256_PUB_LEN])
{
	size_t len = 0;

	return pk && EVP_PKEY_get_octet_string_param(pk, "encoded-pub-key", pub,
						      SZKM_P256_PUB_LEN, &len) &&
	       len == SZKM_P256_PUB_LEN && pub[0] == 0x04;
}

/* "members <epoch> <k> <n> <hash>" from the node, for the next proposal. */
static void members_in_force(const struct ledgerd_config *c, uint64_t *epoch,
			     uint8_t hash[32])
{
	char reply[256], hh[65];
	unsigned int k, n;

	if (ledgerd_ctl_ask(c->control, "members", reply, sizeof(reply)))
		die("no answer from ledgerd at %s", c->control);
	if (!strcmp(reply, "members 0"))
		die("the log has no membership yet: propose --genesis first");
	if (sscanf(reply, "members %" SCNu64 " %u %u %64s", epoch, &k, &n,
		   hh) != 4 || strlen(hh) != 64 || szkm_hex_decode(hash, 32, hh))
		die("unexpected answer from ledgerd: %s", reply);
}

static int propose(const struct ledgerd_config *c, int argc, char **argv)
{
	struct ledger_members m = { 0 };
	bool genesis = false;
	long k = 0;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--genesis")) {
			genesis = true;
		} else if (!strcmp(argv[i], "--k") && i + 1 < argc) {
			char *end;

			k = strtol(argv[++i], &end, 10);
			if (*end || k < 1 || k > LEDGER_MEMBERS_MAX)
				die("--k %s: not 1..%d", argv[i], LEDGER_MEMBERS_MAX);
		} else if (!strcmp(argv[i], "--key") && i + 1 < argc) {
			struct ledger_note_key nk;
			const char *v = argv[++i];

			if (m.n == LEDGER_MEMBERS_MAX)
				die("at most %d members", LEDGER_MEMBERS_MAX);
			if (ledger_note_key_parse(&nk, v, strlen(v)))
				die("--key %s: not a verifier key", v);
			if (nk.type != LEDGER_NOTE_SIG_ECDSA ||
			    strlen(nk.name) > LEDGER_MEMBER_NAME_MAX ||
			    !point_of(nk.pkey, m.m[m.n].pub))
				die("--key %s: a member's key must be ECDSA "
				    "P-256 with a name of at most %d bytes "
				    "(the kernel verifies those)", v,
				    LEDGER_MEMBER_NAME_MAX);
			strcpy(m.m[m.n].name, nk.name);
			ledger_note_key_clear(&nk);
			m.n++;
		} else {
			return -1;
		}
	}
	if (!k || !m.n)
		return -1;
	if (k > m.n)
		die("--k %ld: more than the %u keys", k, m.n);
	m.k = (uint8_t)k;
	if (genesis)
		m.epoch = 1;
	else
		members_in_force(c, &m.epoch, m.prev), m.epoch++;
	write_members(argv[1], &m);
	printf("membership epoch %" PRIu64 ": %u of %u, in %s\n", m.epoch, m.k,
	       m.n, argv[1]);
	return 0;
}

/* ECDSA P-256 over @digest by @pk, as r || s. */
static int sign_digest(EVP_PKEY *pk, const uint8_t digest[32],
		       uint8_t sig[SZKM_EVENT_SIG_LEN])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
	unsigned char der[128];
	const unsigned char *p = der;
	size_t dlen = sizeof(der);
	ECDSA_SIG *s = NULL;
	const BIGNUM *r, *sv;
	int ret = -EIO;

	if (ctx && EVP_PKEY_sign_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0 &&
	    EVP_PKEY_sign(ctx, der, &dlen, digest, 32) > 0 &&
	    (s = d2i_ECDSA_SIG(NULL, &p, (long)dlen))) {
		ECDSA_SIG_get0(s, &r, &sv);
		if (BN_bn2binpad(r, sig, 32) == 32 &&
		    BN_bn2binpad(sv, sig + 32, 32) == 32)
			ret = 0;
	}
	ECDSA_SIG_free(s);
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

/* Does @sig over @digest verify under @pub? (A key that signs wrong, a
 * token's fault, must not put a bad approval into the file.) */
static bool holds(const uint8_t pub[SZKM_P256_PUB_LEN], const uint8_t digest[32],
		  const uint8_t sig[SZKM_EVENT_SIG_LEN])
{
	EVP_PKEY *pk = szkm_ec_pubkey(pub);
	bool ok = pk && !szkm_ec_verify_digest(pk, digest, sig);

	EVP_PKEY_free(pk);
	return ok;
}

static int approve(const struct ledgerd_config *c, int argc, char **argv)
{
	uint8_t buf[LEDGER_ENTRY_MAX_LEN], digest[32], pub[SZKM_P256_PUB_LEN];
	struct ledger_note_key k, kpub;
	struct ledger_approval *a;
	struct ledger_entry *e;
	uint8_t *n;
	size_t len, content;

	if (argc != 2)
		return -1;
	e = read_approved(argv[1], buf, sizeof(buf), &len);
	if (e->type == LEDGER_ENTRY_MEMBERS) {
		a = e->members.a;
		n = &e->members.napprovals;
		content = e->members.content_len;
	} else {
		a = e->enrol.a;
		n = &e->enrol.napprovals;
		content = e->enrol.content_len;
	}
	ledgerd_load_key(c, &k);
	/* The point through the public half: a key in a token (PKCS#11,
	 * TPM) gives it only that way. */
	if (k.type != LEDGER_NOTE_SIG_ECDSA || ledger_node_key_public(&k, &kpub) ||
	    !point_of(kpub.pkey, pub))
		die("the node key is not ECDSA P-256: it cannot approve");
	ledger_note_key_clear(&kpub);
	for (int i = 0; i < *n; i++)
		if (!memcmp(a[i].pub, pub, sizeof(pub)))
			die("%s already carries this node's approval", argv[1]);
	if (*n == LEDGER_MEMBERS_MAX)
		die("%s already carries %d approvals", argv[1], LEDGER_MEMBERS_MAX);
	memcpy(a[*n].pub, pub, sizeof(pub));
	if (ledger_members_digest(c->origin, buf, content, digest) ||
	    sign_digest(k.pkey, digest, a[*n].sig) ||
	    !holds(pub, digest, a[*n].sig))
		die("signing the approval failed");
	(*n)++;
	ledger_note_key_clear(&k);
	write_entry(argv[1], e);
	printf("approved %s as '%s' (%u approvals)\n", argv[1],
	       c->key_name[0] ? c->key_name : c->origin, *n);
	free(e);
	return 0;
}

/* member enrol FILE NAME KEY: an enrolment for the members to approve. */
static int propose_enrol(const struct ledgerd_config *c, int argc, char **argv)
{
	struct ledger_entry *e;
	uint64_t epoch;

	if (argc != 4)
		return -1;
	e = calloc(1, sizeof(*e));
	if (!e)
		die("out of memory");
	e->type = LEDGER_ENTRY_ENROL_APPROVED;
	if (strlen(argv[2]) > SZKM_NAME_MAX ||
	    !szkm_name_valid(argv[2], strlen(argv[2])))
		die("'%s': a device name is 1..%d of [A-Za-z0-9._-]", argv[2],
		    SZKM_NAME_MAX);
	strcpy(e->enrol.name, argv[2]);
	ledgerd_device_pubkey(argv[3], e->enrol.pubkey);
	e->enrol.time_ns = (uint64_t)time(NULL) * 1000000000ULL;
	members_in_force(c, &epoch, e->enrol.members);
	write_entry(argv[1], e);
	printf("enrolment of '%s' under membership epoch %" PRIu64 ", in %s\n",
	       argv[2], epoch, argv[1]);
	free(e);
	return 0;
}

static int submit(const struct ledgerd_config *c, int argc, char **argv)
{
	uint8_t buf[LEDGER_ENTRY_MAX_LEN];
	char line[2 * LEDGER_ENTRY_MAX_LEN + 16];
	size_t len;
	FILE *f;
	int ret;

	if (argc != 2)
		return -1;
	free(read_approved(argv[1], buf, sizeof(buf), &len));
	strcpy(line, "member ");
	szkm_hex_encode(line + 7, buf, len);
	strcat(line, "\n");
	f = fmemopen(line, strlen(line), "r");
	if (!f)
		die("out of memory");
	ret = ledgerd_ctl_session(c->control, f);
	fclose(f);
	return ret;
}

static int show(int argc, char **argv)
{
	uint8_t buf[LEDGER_ENTRY_MAX_LEN], hash[32];
	char hh[65];
	struct ledger_members m;
	size_t len;

	if (argc != 2)
		return -1;
	ledgerd_read_members(argv[1], buf, sizeof(buf), &len, &m);
	szkm_hex_encode(hh, m.prev, 32);
	printf("epoch %" PRIu64 "\nprev %s\nk %u\nn %u\n", m.epoch, hh, m.k, m.n);
	for (int i = 0; i < m.n; i++) {
		szkm_hex_encode(hh, m.m[i].pub, 32);
		printf("member %s %s...\n", m.m[i].name, hh);
	}
	for (int i = 0; i < m.napprovals; i++) {
		int who = ledger_members_find(&m, m.a[i].pub);

		szkm_hex_encode(hh, m.a[i].pub, 32);
		printf("approval %s...%s\n", hh,
		       who >= 0 ? " (a member of this entry)" : "");
	}
	if (ledger_merkle_leaf_hash(buf, len, hash) == 0) {
		szkm_hex_encode(hh, hash, 32);
		printf("leaf %s\n", hh);
	}
	return 0;
}

int ledgerd_member_main(struct ledgerd_config *c, int argc, char **argv)
{
	if (argc < 2)
		return -1;
	argc--, argv++;
	if (!strcmp(argv[0], "propose") && argc >= 2)
		return propose(c, argc, argv);
	if (!strcmp(argv[0], "enrol"))
		return propose_enrol(c, argc, argv);
	if (!strcmp(argv[0], "approve"))
		return approve(c, argc, argv);
	if (!strcmp(argv[0], "submit"))
		return submit(c, argc, argv);
	if (!strcmp(argv[0], "show"))
		return show(argc, argv);
	return -1;
}
