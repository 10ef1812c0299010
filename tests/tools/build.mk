# tests/tools: programs the guest tests and `make bench` run inside a VM
# (they need szkm.ko, so they are not host benches). Included by the top
# Makefile.

TOOLS_LIBS := -lkeyutils -lcrypto
BINS       += $(BUILD)/bin/vectors_keyctl $(BUILD)/bin/bench_keyctl $(BUILD)/bin/bench_krs \
              $(BUILD)/bin/genl_raw

$(BUILD)/bin/vectors_keyctl: $(BUILD)/tests/tools/vectors_keyctl.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(TOOLS_LIBS) -ljansson

$(BUILD)/bin/bench_keyctl: $(BUILD)/tests/tools/bench_keyctl.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(TOOLS_LIBS)

# The rotation bench subscribes to events through libszkm; genl_raw sends
# hand-made requests through it.
LIBSZKM_TOOLS := $(BUILD)/bin/bench_krs $(BUILD)/bin/genl_raw
$(LIBSZKM_TOOLS:$(BUILD)/bin/%=$(BUILD)/tests/tools/%.o): CFLAGS += -Iuserspace/lib
$(LIBSZKM_TOOLS): $(BUILD)/bin/%: $(BUILD)/tests/tools/%.o $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBSZKM_LIBS)
