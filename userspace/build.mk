# userspace: libszkm (static, and the shared library applications link),
# szkmctl.
NL_CFLAGS    := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS      := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null)
# szkmctl's `tpm` subcommands use tpm2-tss (ESAPI, MU); `device identity --pem` OpenSSL.
TSS_CFLAGS   := $(shell pkg-config --cflags tss2-esys tss2-mu tss2-tctildr tss2-rc libcrypto 2>/dev/null)
TSS_LIBS     := $(shell pkg-config --libs tss2-esys tss2-mu tss2-tctildr tss2-rc libcrypto 2>/dev/null)
# The verifier reads a ledger node over HTTP (libcurl, jansson).
CURL_CFLAGS  := $(shell pkg-config --cflags libcurl jansson 2>/dev/null)
CURL_LIBS    := $(shell pkg-config --libs libcurl jansson 2>/dev/null || echo -lcurl -ljansson)

# The ledger's proof code the verifier runs (tree, signed notes, entries).
SZKM_LEDGER_SRCS := ledgerd/merkle.c ledgerd/note.c ledgerd/entry.c

LIBSZKM_SRCS := $(wildcard userspace/lib/*.c)
LIBSZKM      := $(BUILD)/libszkm.a
# What a program linking libszkm.a needs after it; one that verifies keys
# also links the ledger's objects before it and $(CURL_LIBS) after.
LIBSZKM_LIBS := $(NL_LIBS) -lkeyutils $(shell pkg-config --libs libcrypto 2>/dev/null)
SZKM_LEDGER_OBJS := $(SZKM_LEDGER_SRCS:%.c=$(BUILD)/%.o)
LIBS         += $(LIBSZKM)

$(LIBSZKM_SRCS:%.c=$(BUILD)/%.o): CFLAGS += -Iuserspace/lib -Iledgerd $(NL_CFLAGS) $(CURL_CFLAGS)
$(LIBSZKM): $(LIBSZKM_SRCS:%.c=$(BUILD)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# libszkm.so: the same sources and the ledger's proof code, position-
# independent, exporting only what libszkm.h declares (its visibility
# pragma; everything else is hidden, and the map gives the symbols a
# version). build/ is laid out as an installed prefix (lib/, include/szkm/,
# lib/pkgconfig/), so that programs here link it through szkm.pc.
LIBSZKM_SOVER  := $(strip $(file <$(TOP)/VERSION))
LIBSZKM_SONAME := libszkm.so.0
LIBSZKM_SO     := $(BUILD)/lib/libszkm.so.$(LIBSZKM_SOVER)
LIBSZKM_PIC    := $(patsubst %.c,$(BUILD)/pic/%.o,$(LIBSZKM_SRCS) $(SZKM_LEDGER_SRCS))
LIBSZKM_HDRS   := $(BUILD)/include/szkm/libszkm.h $(BUILD)/include/szkm/szkm.h
LIBSZKM_PC     := $(BUILD)/lib/pkgconfig/szkm.pc
PREFIX         ?= /usr/local
LIBS           += $(LIBSZKM_SO) $(LIBSZKM_HDRS) $(LIBSZKM_PC)

$(LIBSZKM_PIC): CFLAGS += -fPIC -fvisibility=hidden -Iuserspace/lib -Iledgerd $(NL_CFLAGS) $(CURL_CFLAGS)
$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIBSZKM_SO): $(LIBSZKM_PIC) userspace/lib/libszkm.map
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(LIBSZKM_SONAME) -Wl,-z,defs \
		-Wl,--version-script=userspace/lib/libszkm.map -o $@ $(LIBSZKM_PIC) \
		$(LIBSZKM_LIBS) $(CURL_LIBS)
	ln -sf libszkm.so.$(LIBSZKM_SOVER) $(BUILD)/lib/$(LIBSZKM_SONAME)
	ln -sf $(LIBSZKM_SONAME) $(BUILD)/lib/libszkm.so

$(BUILD)/include/szkm/libszkm.h: userspace/lib/libszkm.h
$(BUILD)/include/szkm/szkm.h: include/szkm.h
$(LIBSZKM_HDRS):
	@mkdir -p $(dir $@)
	cp $< $@

# For an install under PREFIX (headers in include/szkm); programs here
# link the build tree with --define-variable=prefix=$(TOP)/$(BUILD). Made
# on every run, rewritten only when PREFIX or the template changed.
.PHONY: szkm-pc-always
$(LIBSZKM_PC): userspace/lib/szkm.pc.in szkm-pc-always
	@mkdir -p $(dir $@)
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(LIBSZKM_SOVER)|' $< >$@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@ && echo "GEN $@ (PREFIX=$(PREFIX))"; fi

# A program of one source file linked with the shared library of this
# build tree the way a program outside it would be, through szkm.pc (the
# flags are asked for when the recipe runs); its rpath finds build/lib
# from build/bin. Prerequisites: the source, then $(SZKM_SO_DEPS).
SZKM_PKG := PKG_CONFIG_PATH=$(TOP)/$(BUILD)/lib/pkgconfig pkg-config \
            --define-variable=prefix=$(TOP)/$(BUILD)
SZKM_SO_DEPS := $(LIBSZKM_SO) $(LIBSZKM_HDRS) $(LIBSZKM_PC)
SZKM_SO_LINK = mkdir -p $(dir $@) && $(CC) $(CFLAGS) $$($(SZKM_PKG) --cflags szkm) -o $@ $< \
               $(LDFLAGS) -Wl,-rpath,'$$ORIGIN/../lib' $$($(SZKM_PKG) --libs szkm)

SZKMCTL_SRCS := $(wildcard userspace/szkmctl/*.c)
BINS         += $(BUILD)/bin/szkmctl

# The listener's small ledger (listen_log.c) uses the ledger's tree, notes
# and node key; verify, through libszkm, its entries too.
SZKMCTL_LEDGER := $(SZKM_LEDGER_OBJS) $(BUILD)/ledgerd/node_key.o

$(SZKMCTL_SRCS:%.c=$(BUILD)/%.o): CFLAGS += -Iuserspace/lib -Iledgerd $(TSS_CFLAGS) $(CURL_CFLAGS)
$(BUILD)/bin/szkmctl: $(SZKMCTL_SRCS:%.c=$(BUILD)/%.o) $(SZKMCTL_LEDGER) $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBSZKM_LIBS) $(TSS_LIBS) $(CURL_LIBS)

# The example application (userspace/examples), against libszkm.so.
BINS += $(BUILD)/bin/szkm-verified-sign
$(BUILD)/bin/szkm-verified-sign: userspace/examples/szkm-verified-sign.c $(SZKM_SO_DEPS)
	$(SZKM_SO_LINK) -lkeyutils -lcrypto

# What client-side verification costs (tests/bench.sh): libszkm's core
# over a ledger in memory.
BENCHES += $(BUILD)/bench/verify_bench
$(BUILD)/tests/bench/verify_bench.o: CFLAGS += -Iuserspace/lib -Iledgerd
$(BUILD)/bench/verify_bench: $(BUILD)/tests/bench/verify_bench.o $(SZKM_LEDGER_OBJS) $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBSZKM_LIBS)
