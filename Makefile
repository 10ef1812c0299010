# szkm top-level build.
#
#   make            module (against KDIR) + all userspace
#   make check      unit tests + VM tests, ends with "N passed, N failed"
#   make demo       the story end to end (two boots of a QEMU guest with swtpm),
#                   also as build/demo/index.html
#   make bench      performance ratios
#   make fuzz       the parsers under libFuzzer, FUZZ_SECONDS (60) each
#   make deps       install Debian packages and the guest kernels
#
# KVER=6.1 (default) or KVER=6.12 chooses the kernel pair (headers + image);
# KDIR overrides the headers folder directly.

TOP        := $(CURDIR)
KVER       ?= 6.1
CACHE      ?= $(TOP)/.cache
BUILD      := build

# Resolve the kernel pair once: scripts/kernel.sh prints KDIR and the release.
ifeq ($(KDIR),)
KDIR       := $(shell $(TOP)/scripts/kernel.sh kdir $(KVER) 2>/dev/null)
endif

CC         ?= cc
CFLAGS     ?= -O2 -g
CFLAGS     += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I$(TOP)/include \
              -fstack-protector-strong -D_FORTIFY_SOURCE=2
LDFLAGS    ?=

BINS       :=
LIBS       :=
UNIT_TESTS :=
BENCHES    :=

.PHONY: all module userspace check unit vm-check demo bench benches deps clean fuzz
all: module userspace

# Each part adds its binaries, libraries and unit tests here.
include kmod/crypto/host.mk
include userspace/build.mk
include ledgerd/build.mk
include tests/unit/build.mk
include tests/fuzz/build.mk
include tests/tools/fscrypt.mk
include tests/tools/build.mk
include install.mk

userspace: $(LIBS) $(BINS)

benches: $(BENCHES)

module:
	@test -n "$(KDIR)" || { echo "szkm: no kernel headers for KVER=$(KVER); run 'make deps'" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) modules

# Tests read the outside vectors from the repository (tests/unit/vectors.h).
$(BUILD)/tests/%.o: CFLAGS += -DSZKM_VECTORS_DEFAULT='"$(TOP)/tests/vectors"'

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

deps:
	$(TOP)/scripts/deps.sh $(KVER)

unit: $(UNIT_TESTS)
	@$(TOP)/tests/run-unit.sh $(UNIT_TESTS)

# make check: deps when missing, build, unit + VM tests, one summary line.
check:
	@$(TOP)/scripts/deps.sh --if-missing $(KVER)
	@$(MAKE) --no-print-directory all KVER=$(KVER)
	@$(MAKE) --no-print-directory $(UNIT_TESTS) KVER=$(KVER)
	@$(TOP)/tests/check.sh $(KVER) $(UNIT_TESTS)

vm-check:
	@$(TOP)/tests/check.sh --vm-only $(KVER)

demo:
	@$(TOP)/scripts/deps.sh --if-missing $(KVER)
	@$(MAKE) --no-print-directory -s all KVER=$(KVER)
	@$(TOP)/tests/demo/run.sh $(KVER)

bench:
	@$(TOP)/scripts/deps.sh --if-missing $(KVER)
	@$(MAKE) --no-print-directory all KVER=$(KVER)
	@$(TOP)/tests/bench.sh $(KVER)

clean:
	rm -rf $(BUILD)
	@if [ -n "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(TOP) clean; fi
