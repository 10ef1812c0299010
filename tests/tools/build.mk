# tests/tools: programs the guest tests and `make bench` run inside a VM
# (they need szkm.ko, so they are not host benches). Included by the top
# Makefile.

TOOLS_LIBS := -lkeyutils -lcrypto
BINS       += $(BUILD)/bin/vectors_keyctl $(BUILD)/bin/bench_keyctl $(BUILD)/bin/bench_krs

$(BUILD)/bin/vectors_keyctl: $(BUILD)/tests/tools/vectors_keyctl.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(TOOLS_LIBS) -ljansson

$(BUILD)/bin/bench_keyctl: $(BUILD)/tests/tools/bench_keyctl.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(TOOLS_LIBS)

# The rotation bench subscribes to events through libszkm.
$(BUILD)/tests/tools/bench_krs.o: CFLAGS += -Iuserspace/lib
$(BUILD)/bin/bench_krs: $(BUILD)/tests/tools/bench_krs.o $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBSZKM_LIBS)
