# Fuzz targets (tests/fuzz/fuzz.h). In make check each is built with gcc,
# AddressSanitizer and UBSan around tests/fuzz/driver.c and run as a unit
# test over its seeds and 100000 seeded mutations. `make fuzz` builds them
# with clang's libFuzzer instead and runs each for FUZZ_SECONDS.
FUZZ_TARGETS := httpd entry note bundle tiles etcd_block
FUZZ_SAN     := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Iledgerd \
                -Iuserspace/lib -Itests/fuzz
# What each target parses: the sources it is built from.
FUZZ_SRC_httpd  := ledgerd/httpd.c ledgerd/json.c
FUZZ_SRC_entry  := ledgerd/entry.c userspace/lib/event.c
FUZZ_SRC_note   := ledgerd/note.c ledgerd/merkle.c
FUZZ_SRC_bundle := userspace/lib/bundle.c
FUZZ_SRC_tiles  := ledgerd/tiles.c
FUZZ_SRC_etcd_block := ledgerd/etcd.c
# What a target's sources call beyond the parser (not sanitized).
FUZZ_LINK_tiles := $(LIBLEDGER) $(LIBSZKM) $(LEDGERD_LIBS)
FUZZ_LINK_etcd_block := $(LIBLEDGER) $(LIBSZKM) $(LEDGERD_LIBS)
FUZZ_LIBS       := -lcrypto -lpthread

FUZZ_BINS  := $(FUZZ_TARGETS:%=$(BUILD)/unit/fuzz_%)
UNIT_TESTS += $(FUZZ_BINS)

FUZZ_ALL_SRC := $(sort $(foreach t,$(FUZZ_TARGETS),$(FUZZ_SRC_$(t))))

$(BUILD)/unit/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/driver.c tests/fuzz/fuzz.h $(FUZZ_ALL_SRC) \
		$(LIBLEDGER) $(LIBSZKM)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -DFUZZ_SEEDS='"$(TOP)/tests/fuzz/seeds/$*"' \
		-o $@ tests/fuzz/driver.c $< $(FUZZ_SRC_$*) $(FUZZ_LINK_$*) $(FUZZ_LIBS)

# Coverage-guided, with clang (scripts/deps.sh --fuzz installs it).
FUZZ_SECONDS ?= 60
$(BUILD)/fuzz/%: tests/fuzz/fuzz_%.c tests/fuzz/libfuzzer.c tests/fuzz/fuzz.h $(FUZZ_ALL_SRC) \
		$(LIBLEDGER) $(LIBSZKM)
	@command -v clang >/dev/null || $(TOP)/scripts/deps.sh --fuzz
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined -o $@ \
		tests/fuzz/libfuzzer.c $< $(FUZZ_SRC_$*) $(FUZZ_LINK_$*) $(FUZZ_LIBS)

fuzz: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus-$$t; \
		$(BUILD)/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) $(BUILD)/fuzz/corpus-$$t \
			tests/fuzz/seeds/$$t || exit 1; \
	done
