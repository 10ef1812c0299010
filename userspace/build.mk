# userspace: libszkm and szkmctl.
NL_CFLAGS    := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS      := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null)
# szkmctl's `tpm` subcommands use tpm2-tss (ESAPI); `device identity --pem` OpenSSL.
TSS_CFLAGS   := $(shell pkg-config --cflags tss2-esys tss2-tctildr tss2-rc libcrypto 2>/dev/null)
TSS_LIBS     := $(shell pkg-config --libs tss2-esys tss2-tctildr tss2-rc libcrypto 2>/dev/null)

LIBSZKM_SRCS := userspace/lib/error.c userspace/lib/hex.c userspace/lib/genl.c
LIBSZKM      := $(BUILD)/libszkm.a
LIBS         += $(LIBSZKM)

$(LIBSZKM_SRCS:%.c=$(BUILD)/%.o): CFLAGS += $(NL_CFLAGS)
$(LIBSZKM): $(LIBSZKM_SRCS:%.c=$(BUILD)/%.o)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

SZKMCTL_SRCS := $(wildcard userspace/szkmctl/*.c)
BINS         += $(BUILD)/bin/szkmctl

$(SZKMCTL_SRCS:%.c=$(BUILD)/%.o): CFLAGS += -Iuserspace/lib $(TSS_CFLAGS)
$(BUILD)/bin/szkmctl: $(SZKMCTL_SRCS:%.c=$(BUILD)/%.o) $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(NL_LIBS) $(TSS_LIBS)
