/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ledgerd.h - what the parts of the ledgerd program share: its settings
 * (config.c), its voice (say, die), opening the node key and the ledger
 * from the settings (open.c), and the subcommands main.c dispatches to
 * (daemon.c, keys.c, check.c, client.c). ledgerd(8) is the manual.
 */
#ifndef LEDGERD_H
#define LEDGERD_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "ledger.h"
#include "note.h"

#define LEDGERD_DEFAULT_CONFIG	"/etc/ledgerd/ledgerd.conf"

/* The settings: config.c's table names each field once. */
struct ledgerd_config {
	char db[PATH_MAX];
	char origin[LEDGER_NOTE_MAX_NAME + 1];
	char key_name[LEDGER_NOTE_MAX_NAME + 1];
	char key[PATH_MAX];
	char pkcs11_module[PATH_MAX];
	char pkcs11_pin[256];
	char http_address[64];
	unsigned int http_port;
	unsigned int http_threads;
	char control[108];
	char netlink[8];		/* auto, yes, no */
	unsigned int checkpoint_ms;
	unsigned int batch_max;
	bool verify_all;
	char durability[8];		/* full, none */
	unsigned int verify_threads;
	unsigned int netlink_rcvbuf;	/* bytes; 0: libszkm's default */
	/* Multi-node: the etcd that orders the entries (empty: one node),
	 * the other nodes ("URL VKEY, ..."), how many must sign. */
	char etcd[512];
	char etcd_ca[PATH_MAX], etcd_cert[PATH_MAX], etcd_key[PATH_MAX];
	char peers[8192];
	unsigned int cosign_k;
	char genesis[PATH_MAX];		/* the genesis membership file */
	unsigned int etcd_timeout_ms;
	/* The witness's cosignature key (empty: none) and its name. */
	char witness_key[PATH_MAX];
	char witness_name[LEDGER_NOTE_MAX_NAME + 1];
};

/*
 * Reads the settings: defaults, then the file (-c FILE, or the default
 * one when it exists), then the flags, which override it. Returns the
 * index of the first argument that is not an option, or -1 after
 * printing the usage (-h: to stdout, *status 0; a bad flag: stderr, 2).
 */
int ledgerd_config_load(struct ledgerd_config *c, int argc, char **argv,
			int *status);
/* Prints the options part of the usage, from the table. */
void ledgerd_config_usage(FILE *f);

void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The node key of the settings (dies with the reason when it cannot). */
void ledgerd_load_key(const struct ledgerd_config *c, struct ledger_note_key *k);
/* The witness key of the settings, as a cosignature key (type 0x04);
 * false when none is set (dies when it cannot be loaded). */
bool ledgerd_load_witness_key(const struct ledgerd_config *c,
			      struct ledger_note_key *k);
/* Opens and checks the ledger; 0, or says why and returns nonzero. */
int ledgerd_open_ledger(const struct ledgerd_config *c,
			struct ledger_note_key *key,
			struct ledger_note_key *pub, struct ledger **l);

/*
 * The multi-node ledger (cluster.c): NULL in *@out when the settings name
 * no etcd. Follow reads and validates what etcd holds past this node's
 * size (0, or why not in ledgerd_cluster_error); publish hands the open
 * batch's entries to etcd (-EEXIST, -ESTALE, -EAGAIN: undo, follow and
 * judge again). Writer thread; dies on a store failure.
 */
struct ledgerd_cluster;
struct ledger_witness;
/* The node's witness (witness.h), before the HTTP API that serves it;
 * NULL for a single node. @wkey: the witness key or NULL. */
struct ledger_witness *ledgerd_witness_open(const struct ledgerd_config *c,
					    struct ledger *l,
					    const struct ledger_note_key *pub,
					    const struct ledger_note_key *wkey);
int ledgerd_cluster_open(struct ledgerd_cluster **out,
			 const struct ledgerd_config *c, struct ledger *l,
			 struct ledger_witness *w,
			 const struct ledger_note_key *pub);
void ledgerd_cluster_close(struct ledgerd_cluster *k);
int ledgerd_cluster_follow(struct ledgerd_cluster *k);
int ledgerd_cluster_publish(struct ledgerd_cluster *k);
const char *ledgerd_cluster_error(const struct ledgerd_cluster *k);

/* Sends each line of @in to the control socket at @path and prints each
 * reply; 1 when one was not a success, 0 when all were (client.c). */
int ledgerd_ctl_session(const char *path, FILE *in);
/* A device key argument (130 hex digits, or a PEM public or private key
 * file) as a P-256 point, or dies saying why. */
void ledgerd_device_pubkey(const char *arg, uint8_t pub[SZKM_P256_PUB_LEN]);
/* Sends one line, reads one reply line (no newline) into @reply. */
int ledgerd_ctl_ask(const char *path, const char *line, char *reply,
		    size_t cap);
/*
 * A membership entry file (one line of hex, members.c): reads and decodes
 * it into @buf and @m, or dies saying what is wrong with it.
 */
void ledgerd_read_members(const char *path, uint8_t *buf, size_t cap,
			  size_t *len, struct ledger_members *m);

/* Subcommands: argv[0] is the subcommand's name; the exit status. */
int ledgerd_daemon_main(struct ledgerd_config *c, int argc, char **argv);
int ledgerd_check_main(struct ledgerd_config *c, int argc, char **argv);
int ledgerd_vkey_main(struct ledgerd_config *c, int argc, char **argv);
int ledgerd_genkey_main(struct ledgerd_config *c, int argc, char **argv);
int ledgerd_enroll_main(struct ledgerd_config *c, int argc, char **argv);
int ledgerd_feed_main(struct ledgerd_config *c, int argc, char **argv);
int ledgerd_member_main(struct ledgerd_config *c, int argc, char **argv);

#endif /* LEDGERD_H */
