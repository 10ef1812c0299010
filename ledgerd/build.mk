# ledgerd: the ledger node.
#
# libledger holds the pure protocol core (Merkle tree, checkpoints, signed
# notes); the daemon's I/O parts join it as they land. Its unit tests and
# benchmark see ledgerd/ on the include path.
LIBLEDGER_SRCS := ledgerd/merkle.c ledgerd/note.c
LIBLEDGER      := $(BUILD)/libledger.a
LIBS           += $(LIBLEDGER)

$(LIBLEDGER): $(LIBLEDGER_SRCS:%.c=$(BUILD)/%.o)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

LEDGER_TEST_OBJS := $(BUILD)/tests/unit/test_merkle.o \
                    $(BUILD)/tests/unit/test_note.o \
                    $(BUILD)/tests/bench/ledger_core_bench.o
$(LEDGER_TEST_OBJS): CFLAGS += -I$(TOP)/ledgerd

UNIT_TESTS += $(BUILD)/unit/test_merkle $(BUILD)/unit/test_note

$(BUILD)/unit/test_merkle: $(BUILD)/tests/unit/test_merkle.o $(LIBLEDGER)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -ljansson -lcrypto

$(BUILD)/unit/test_note: $(BUILD)/tests/unit/test_note.o $(LIBLEDGER)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -ljansson -lcrypto

BENCHES += $(BUILD)/bench/ledger_core_bench

$(BUILD)/bench/ledger_core_bench: $(BUILD)/tests/bench/ledger_core_bench.o $(LIBLEDGER)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcrypto
