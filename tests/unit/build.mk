# Unit tests of libszkm (cmocka; run with TAP output by run-unit.sh).
LIBSZKM_UNIT := $(BUILD)/unit/test_hex $(BUILD)/unit/test_event_msg $(BUILD)/unit/test_devblob \
                $(BUILD)/unit/test_chain_batch $(BUILD)/unit/test_keys $(BUILD)/unit/test_bundle
UNIT_TESTS   += $(LIBSZKM_UNIT)

$(LIBSZKM_UNIT:$(BUILD)/unit/%=$(BUILD)/tests/unit/%.o): CFLAGS += -Iuserspace/lib $(NL_CFLAGS)
$(LIBSZKM_UNIT): $(BUILD)/unit/%: $(BUILD)/tests/unit/%.o $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LIBSZKM_LIBS)

# include/szkm.h's SRK template against tpm2-tss's marshalling (libtss2-mu).
MU_CFLAGS    := $(shell pkg-config --cflags tss2-mu 2>/dev/null)
MU_LIBS      := $(shell pkg-config --libs tss2-mu 2>/dev/null)
UNIT_TESTS   += $(BUILD)/unit/test_srk_template

$(BUILD)/tests/unit/test_srk_template.o: CFLAGS += $(MU_CFLAGS)
$(BUILD)/unit/test_srk_template: $(BUILD)/tests/unit/test_srk_template.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(MU_LIBS)

# The manifest of szkmctl state save/restore (userspace/szkmctl/state.c).
UNIT_TESTS   += $(BUILD)/unit/test_state
$(BUILD)/tests/unit/test_state.o: CFLAGS += -Iuserspace/szkmctl -Iuserspace/lib
$(BUILD)/unit/test_state: $(BUILD)/tests/unit/test_state.o $(BUILD)/userspace/szkmctl/state.o \
		$(BUILD)/userspace/szkmctl/util.o $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LIBSZKM_LIBS)

# The listener's entry file (userspace/szkmctl/listen_log.c) over the ledger's tree.
UNIT_TESTS   += $(BUILD)/unit/test_listen_log
$(BUILD)/tests/unit/test_listen_log.o: CFLAGS += -Iuserspace/szkmctl -Iledgerd -Iuserspace/lib
$(BUILD)/unit/test_listen_log: $(BUILD)/tests/unit/test_listen_log.o \
		$(BUILD)/userspace/szkmctl/listen_log.o $(SZKMCTL_LEDGER) $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LIBSZKM_LIBS)

# libszkm's verifier: its core over a ledger in memory (with the ledger's
# proof code), and the agreement of a verified key with the kernel's.
UNIT_TESTS   += $(BUILD)/unit/test_verify_core $(BUILD)/unit/test_verify_agree
$(BUILD)/tests/unit/test_verify_core.o $(BUILD)/tests/unit/test_verify_agree.o: \
	CFLAGS += -Iuserspace/lib -Iledgerd
$(BUILD)/unit/test_verify_core $(BUILD)/unit/test_verify_agree: $(BUILD)/unit/%: \
		$(BUILD)/tests/unit/%.o $(SZKM_LEDGER_OBJS) $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LIBSZKM_LIBS)
