# ledgerd: the ledger node.
#
# libledger: the protocol core (Merkle tree, checkpoints, signed notes,
# entries, the ledger over its store) and the I/O parts the daemon and the
# tests share. ledgerd: the daemon. Events are read and checked, and the
# kernel reached, through libszkm. The unit tests, test tool and benchmarks
# see ledgerd/ and userspace/lib/ on the include path.
LEDGERD_LIBS     := -lsqlite3 -ljansson -lcurl -lpthread $(LIBSZKM_LIBS)

LIBLEDGER_SRCS   := ledgerd/merkle.c ledgerd/note.c ledgerd/entry.c ledgerd/admit.c \
                    ledgerd/nodecache.c ledgerd/store_sqlite.c \
                    ledgerd/ledger.c ledgerd/node_key.c ledgerd/control.c \
                    ledgerd/http.c ledgerd/httpd.c ledgerd/json.c \
                    ledgerd/fetch.c ledgerd/etcd.c ledgerd/witness.c ledgerd/tiles.c
LIBLEDGER        := $(BUILD)/libledger.a
LIBS             += $(LIBLEDGER)

# The program: a table of subcommands (main.c) over the settings table
# (config.c), the daemon loop (daemon.c) and one file per subcommand.
LEDGERD_SRCS     := ledgerd/main.c ledgerd/config.c ledgerd/open.c \
                    ledgerd/daemon.c ledgerd/keys.c ledgerd/check.c \
                    ledgerd/client.c ledgerd/cluster.c ledgerd/cosign.c \
                    ledgerd/members.c

$(LIBLEDGER_SRCS:%.c=$(BUILD)/%.o) $(LEDGERD_SRCS:%.c=$(BUILD)/%.o): CFLAGS += -Iuserspace/lib

$(LIBLEDGER): $(LIBLEDGER_SRCS:%.c=$(BUILD)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

BINS += $(BUILD)/bin/ledgerd $(BUILD)/bin/ledger-testtool

$(BUILD)/bin/ledgerd: $(LEDGERD_SRCS:%.c=$(BUILD)/%.o) $(LIBLEDGER) $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LEDGERD_LIBS)

# The test tool signs events as a device would (tests/ledger/*.sh).
$(BUILD)/bin/ledger-testtool: $(BUILD)/tests/ledger/testtool.o $(LIBLEDGER) \
		$(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LEDGERD_LIBS)

# An application of libszkm.so for tests/ledger/80-libszkm.sh.
BINS += $(BUILD)/bin/libszkm-client
$(BUILD)/bin/libszkm-client: tests/ledger/libszkm_client.c $(SZKM_SO_DEPS)
	$(SZKM_SO_LINK)

LEDGER_TEST_OBJS := $(BUILD)/tests/unit/test_merkle.o $(BUILD)/tests/unit/test_admit.o \
                    $(BUILD)/tests/unit/test_members.o \
                    $(BUILD)/tests/unit/test_follow.o \
                    $(BUILD)/tests/unit/test_note.o \
                    $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/unit/test_ledger*.c)) \
                    $(BUILD)/tests/ledger/testtool.o \
                    $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/bench/ledger*.c))
$(LEDGER_TEST_OBJS): CFLAGS += -I$(TOP)/ledgerd -I$(TOP)/userspace/lib

UNIT_TESTS += $(BUILD)/unit/test_merkle $(BUILD)/unit/test_note $(BUILD)/unit/test_admit \
              $(BUILD)/unit/test_follow $(BUILD)/unit/test_members

$(BUILD)/unit/test_merkle: $(BUILD)/tests/unit/test_merkle.o $(LIBLEDGER)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -ljansson -lcrypto

$(BUILD)/unit/test_note: $(BUILD)/tests/unit/test_note.o $(LIBLEDGER)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -ljansson -lcrypto

# The append rules alone (events; membership entries): no store, no SQLite.
$(BUILD)/unit/test_admit $(BUILD)/unit/test_members: $(BUILD)/unit/test_%: \
		$(BUILD)/tests/unit/test_%.o $(BUILD)/ledgerd/admit.o \
		$(BUILD)/ledgerd/entry.o $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LIBSZKM_LIBS)

# libszkm's chain follower, which ledgerd shares with szkmctl's listener.
$(BUILD)/unit/test_follow: $(BUILD)/tests/unit/test_follow.o $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LIBSZKM_LIBS)

# tests/unit/test_ledger_*.c: one binary each.
LEDGER_UNIT := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_ledger_*.c))
UNIT_TESTS  += $(LEDGER_UNIT)

$(LEDGER_UNIT): $(BUILD)/unit/%: $(BUILD)/tests/unit/%.o $(LIBLEDGER) \
		$(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LEDGERD_LIBS)

BENCHES += $(BUILD)/bench/ledger_core_bench $(BUILD)/bench/ledger_bench
BENCHES += $(BUILD)/bench/ledger_tiles_bench

$(BUILD)/bench/ledger_core_bench: $(BUILD)/tests/bench/ledger_core_bench.o $(LIBLEDGER)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcrypto

$(BUILD)/bench/ledger_bench: $(BUILD)/tests/bench/ledger_bench.o $(LIBLEDGER) \
		$(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LEDGERD_LIBS)

$(BUILD)/bench/ledger_tiles_bench: $(BUILD)/tests/bench/ledger_tiles_bench.o \
		$(LIBLEDGER) $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LEDGERD_LIBS)
