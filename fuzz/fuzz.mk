# fuzz/fuzz.mk — libFuzzer harnesses; included by the top Makefile.
#
#   make fuzz                   build every harness, replay the seeds and the
#                               saved crashes, then fuzz each for FUZZ_SECONDS
#   make fuzz FUZZ_SECONDS=60   the same, longer
#   make fuzz-taskname          one harness (also fuzz-params, fuzz-update,
#                               fuzz-checkpoint, fuzz-fixtures, fuzz-faults,
#                               fuzz-http, fuzz-time, fuzz-set)
#   make fuzz-regress           replay the seeds and fuzz/regressions/ only
#   make fuzz-build             build only
#   make fuzz-clean             remove build/fuzz (binaries, corpora, crashes)
#
# Needs clang 14 with its sanitizer and libFuzzer runtimes (Debian 12:
# clang-14 libclang-rt-14-dev; FUZZ_CC=clang-NN for another version). Uses
# the top Makefile's BUILD, PKG_MODULES, STORE_SRC, SERVER_SRC and deps, and
# reads them when included: include it at the end of the top Makefile.
# Defines only names that start with FUZZ_ or fuzz. See fuzz/README.md.

FUZZ_CC ?= clang-14
FUZZ_SECONDS ?= 10
FUZZ_NAMES := taskname params update checkpoint fixtures faults http time set
FUZZ_DIR := $(BUILD)/fuzz

FUZZ_SANITIZE := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -g -O1 $(FUZZ_SANITIZE) -Wall -Wextra -Werror \
	-Wno-missing-field-initializers -pthread \
	$(shell pkg-config --cflags $(PKG_MODULES) 2>/dev/null)
# the harnesses also keep the house's stricter warnings
FUZZ_HARNESS_CFLAGS := -D_POSIX_C_SOURCE=200809L -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-missing-field-initializers \
	-DFUZZ_FIXTURES_PATH='"$(CURDIR)/fixtures/default.json"'
FUZZ_LIBS := $(shell pkg-config --libs $(PKG_MODULES) 2>/dev/null) -pthread -lm

# the code under test: everything but main(), with the same sanitizers
FUZZ_OBJ := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(STORE_SRC) $(SERVER_SRC)) \
	$(FUZZ_DIR)/obj/gen/embedded_files.o
FUZZ_BINS := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_NAMES))
FUZZ_RUN_TARGETS := $(addprefix fuzz-,$(FUZZ_NAMES))
FUZZ_HEADERS := $(wildcard store/*.h server/*.h cli/*.h)

.PHONY: fuzz fuzz-build fuzz-regress fuzz-clean $(FUZZ_RUN_TARGETS)

fuzz-build: deps $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_DIR=$(FUZZ_DIR) sh fuzz/run-fuzzers run $(FUZZ_SECONDS) $(FUZZ_NAMES)

$(FUZZ_RUN_TARGETS): fuzz-%: deps $(FUZZ_DIR)/fuzz_%
	@FUZZ_DIR=$(FUZZ_DIR) sh fuzz/run-fuzzers run $(FUZZ_SECONDS) $*

fuzz-regress: fuzz-build
	@FUZZ_DIR=$(FUZZ_DIR) sh fuzz/run-fuzzers regress 0 $(FUZZ_NAMES)

fuzz-clean:
	rm -rf $(FUZZ_DIR)

$(FUZZ_DIR)/obj/%.o: %.c $(FUZZ_HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/obj/gen/embedded_files.o: $(EMBEDDED_SRC) server/embedded.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I server -c $< -o $@

$(FUZZ_DIR)/harness/%.o: fuzz/%.c fuzz/fuzz_common.h $(FUZZ_HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_HARNESS_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/harness/fuzz_%.o $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_SANITIZE) $^ -o $@ $(FUZZ_LIBS)

# connectorctl's parsers (cli/) are not in FUZZ_OBJ: each harness links its own
$(FUZZ_DIR)/fuzz_time: $(FUZZ_DIR)/obj/cli/timeparse.o
$(FUZZ_DIR)/fuzz_set: $(FUZZ_DIR)/obj/cli/setspec.o
