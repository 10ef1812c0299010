# userspace: libszkm and szkmctl.
NL_CFLAGS    := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS      := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null)
# szkmctl's `tpm` subcommands use tpm2-tss (ESAPI, MU); `device identity --pem` OpenSSL.
TSS_CFLAGS   := $(shell pkg-config --cflags tss2-esys tss2-mu tss2-tctildr tss2-rc libcrypto 2>/dev/null)
TSS_LIBS     := $(shell pkg-config --libs tss2-esys tss2-mu tss2-tctildr tss2-rc libcrypto 2>/dev/null)

LIBSZKM_SRCS := $(wildcard userspace/lib/*.c)
LIBSZKM      := $(BUILD)/libszkm.a
# What a program linking libszkm.a needs after it.
LIBSZKM_LIBS := $(NL_LIBS) -lkeyutils $(shell pkg-config --libs libcrypto 2>/dev/null)
LIBS         += $(LIBSZKM)

$(LIBSZKM_SRCS:%.c=$(BUILD)/%.o): CFLAGS += $(NL_CFLAGS) $(TSS_CFLAGS)
$(LIBSZKM): $(LIBSZKM_SRCS:%.c=$(BUILD)/%.o)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

SZKMCTL_SRCS := $(wildcard userspace/szkmctl/*.c)
BINS         += $(BUILD)/bin/szkmctl

# The listener's small ledger (listen_log.c) uses the ledger's tree and notes;
# verify (verify.c) also its entries, and reads a ledger over HTTP (libcurl,
# jansson: http_get.c).
SZKMCTL_LEDGER := $(BUILD)/ledgerd/merkle.o $(BUILD)/ledgerd/note.o $(BUILD)/ledgerd/node_key.o \
                  $(BUILD)/ledgerd/entry.o
CURL_CFLAGS    := $(shell pkg-config --cflags libcurl jansson 2>/dev/null)
CURL_LIBS      := $(shell pkg-config --libs libcurl jansson 2>/dev/null || echo -lcurl -ljansson)

$(SZKMCTL_SRCS:%.c=$(BUILD)/%.o): CFLAGS += -Iuserspace/lib -Iledgerd $(TSS_CFLAGS) $(CURL_CFLAGS)
$(BUILD)/bin/szkmctl: $(SZKMCTL_SRCS:%.c=$(BUILD)/%.o) $(SZKMCTL_LEDGER) $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBSZKM_LIBS) $(TSS_LIBS) $(CURL_LIBS)
