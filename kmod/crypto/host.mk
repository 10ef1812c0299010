# Host build of the crypto core: kmod/crypto/*.c compiled as an ordinary
# static library (compat.h switches on __KERNEL__), its unit tests and its
# benchmark. Included by the top Makefile.

CRYPTO_SRCS   := $(wildcard kmod/crypto/*.c)
CRYPTO_OBJS   := $(CRYPTO_SRCS:%.c=$(BUILD)/%.o)
LIBSZKMCRYPTO := $(BUILD)/libszkmcrypto.a
CRYPTO_TEST_CFLAGS := -I$(TOP)/kmod/crypto

LIBS       += $(LIBSZKMCRYPTO)
UNIT_TESTS += $(BUILD)/unit/test_p256
BENCHES    += $(BUILD)/bench/p256_bench

$(LIBSZKMCRYPTO): $(CRYPTO_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tests/unit/test_p256.o $(BUILD)/tests/bench/p256_bench.o: \
	CFLAGS += $(CRYPTO_TEST_CFLAGS)

$(BUILD)/unit/test_p256: $(BUILD)/tests/unit/test_p256.o $(LIBSZKMCRYPTO)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -ljansson -lcrypto -lpthread

$(BUILD)/bench/p256_bench: $(BUILD)/tests/bench/p256_bench.o $(LIBSZKMCRYPTO)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcrypto -lpthread
