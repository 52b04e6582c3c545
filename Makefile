# SPDX-License-Identifier: MIT
# coretrap build: bpf/*.bpf.c -> .bpf.o -> .skel.h -> user/*.o -> ./coretrap
# `make V=1` shows every command. Nothing is downloaded at build time.

V ?= 0
ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDEXPANSION:
.SUFFIXES:
.SECONDARY:

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PYTHON ?= /usr/bin/python3
BUILD := build

UNAME_M := $(shell uname -m)
BPF_ARCH := $(subst x86_64,x86,$(subst aarch64,arm64,$(UNAME_M)))

LIBBPF_CFLAGS := $(shell pkg-config --cflags libbpf 2>/dev/null)
LIBBPF_LIBS := $(or $(shell pkg-config --libs libbpf 2>/dev/null),-lbpf) -lelf -lz

WARN := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
COMMON_CFLAGS := -std=gnu11 $(WARN) -MMD -MP -D_GNU_SOURCE -I$(BUILD) -Iuser -Ibpf
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) $(WARN) -Wno-unused-parameter -Wno-unused-command-line-argument \
	-Ivmlinux -Ibpf -MMD -MP

# Debian 12 packages the build, the tests and `make fuzz` (libclang-rt-14-dev:
# clang's libFuzzer and sanitizer runtimes) need (make deps).
DEPS_PKGS := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libcmocka-dev pkg-config \
	python3-pytest gdb binutils util-linux linux-perf libclang-rt-14-dev

USER_SRCS := $(sort $(wildcard user/*.c))
USER_OBJS := $(USER_SRCS:user/%.c=$(BUILD)/user/%.o)
BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c))
BPF_OBJS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
SKELS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/%.skel.h)

# The CLR profiler (profiler/*.c) is built as a shared object and linked
# into coretrap as a blob, so the binary is all a user has to copy.
# user/profstatus.c (channel codec) and user/exfilter.c (filter matching) are
# pure modules shared with coretrap, so both sides agree by construction.
PROFILER_SRCS := $(sort $(wildcard profiler/*.c))
PROFILER_SHARED_SRCS := $(if $(PROFILER_SRCS),user/profstatus.c user/exfilter.c)
PROFILER_SO := $(BUILD)/profiler/libcoretrap_profiler.so
PROFILER_BLOB := $(if $(PROFILER_SRCS),$(BUILD)/profiler/profiler_blob.o)

TARGET_SRCS := $(sort $(wildcard tests/targets/*.c))
TARGETS := $(TARGET_SRCS:tests/targets/%.c=$(BUILD)/targets/%)

# One cmocka driver per pure module: tests/unit/test_X.c is linked with
# user/X.c alone, plus UNIT_EXTRA_X when that module really needs more.
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_TESTS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_EXTRA_options := user/options_values.c
UNIT_EXTRA_naming :=
UNIT_EXTRA_elfcore :=
UNIT_EXTRA_dotnet := user/dotnet_dump.c user/ipc.c
UNIT_EXTRA_run_mode := user/options.c user/options_values.c
UNIT_EXTRA_maps :=
UNIT_EXTRA_core_snapshot := user/quiet_thread.c user/core_output.c

# The core writer alone, for the test driver build/tests/dumpcore (used by
# the integration tests and the dump bench next to ./coretrap).
CORE_WRITER_SRCS := user/coredump.c user/elfcore.c user/maps.c user/threads_stop.c user/task_seize.c \
	user/arch_x86_64.c user/pagemap.c user/core_proc.c user/core_output.c user/core_memory.c user/core_snapshot.c \
	user/quiet_thread.c user/sigset_logic.c
# and the .NET dump code alone: build/tests/dotnetdump.
TOOLS := $(BUILD)/tests/dumpcore $(BUILD)/tests/dotnetdump $(BUILD)/tests/writefloor

# Fuzz targets: tests/fuzz/fuzz_X.c defines LLVMFuzzerTestOneInput for
# user/X.c. `make test` runs each with a seeded random driver; `make fuzz`
# builds real libFuzzer binaries with clang.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/tests/%)

.PHONY: all deps test unit integration targets tools fuzz bench demo clean vmlinux format

all: coretrap

coretrap: $(USER_OBJS) $(PROFILER_BLOB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBBPF_LIBS) -lpthread

$(BUILD)/user/%.o: user/%.c | $(SKELS) $(BUILD)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(COMMON_CFLAGS) $(LIBBPF_CFLAGS) -c $< -o $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MT $@ -MF $@.d -c $< -o $@.raw
	$(Q)$(BPFTOOL) gen object $@ $@.raw
	$(Q)rm -f $@.raw

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# One compiler call for all sources, so headers are listed by hand instead of -MMD.
PROFILER_HDRS := $(wildcard profiler/*.h) user/profstatus.h user/exfilter.h user/config.h
$(PROFILER_SO): $(PROFILER_SRCS) $(PROFILER_SHARED_SRCS) $(PROFILER_HDRS) | $(BUILD)/profiler
	$(call msg,CC-SO,$@)
	$(Q)$(CC) $(CFLAGS) -std=gnu11 $(WARN) -D_GNU_SOURCE -fPIC -shared -fvisibility=hidden \
		-Wl,-z,defs \
		-Iprofiler -Iuser -o $@ $(PROFILER_SRCS) $(PROFILER_SHARED_SRCS) -lpthread

$(BUILD)/profiler/profiler_blob.o: $(PROFILER_SO)
	$(call msg,EMBED,$@)
	$(Q)cd $(BUILD)/profiler && ld -r -b binary -z noexecstack -o profiler_blob.o libcoretrap_profiler.so

$(BUILD)/targets/%: tests/targets/%.c tests/targets/cue.h | $(BUILD)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) -std=gnu11 $(WARN) -D_GNU_SOURCE -O0 -g -fno-omit-frame-pointer -pthread -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c user/%.c $$(UNIT_EXTRA_$$*) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) -O0 -g $(COMMON_CFLAGS) -o $@ $(filter %.c,$^) -lcmocka

$(BUILD)/tests/fuzz_%: tests/fuzz/fuzz_%.c user/%.c tests/fuzz/standalone_main.c | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all $(COMMON_CFLAGS) -o $@ $(filter %.c,$^)

# Driver of the .NET dump code alone (tests/integration/test_dotnet.py).
DOTNET_TOOL := $(BUILD)/tests/dotnetdump
$(DOTNET_TOOL): tests/tools/dotnetdump.c user/dotnet.c user/dotnet_dump.c user/ipc.c | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(COMMON_CFLAGS) -o $@ $(filter %.c,$^)

$(BUILD) $(BUILD)/user $(BUILD)/bpf $(BUILD)/profiler $(BUILD)/targets $(BUILD)/tests:
	$(Q)mkdir -p $@

targets: $(TARGETS)

tools: $(TOOLS)

$(BUILD)/tests/dumpcore: tests/tools/dumpcore.c $(CORE_WRITER_SRCS) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(COMMON_CFLAGS) -o $@ $^ -lpthread

# The write floor the dump bench compares with (bench/bench_dump.py).
$(BUILD)/tests/writefloor: tests/tools/writefloor.c | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(COMMON_CFLAGS) -o $@ $^ -lpthread

unit: $(UNIT_TESTS) $(FUZZ_BINS)
	$(Q)set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done
	$(Q)set -e; for f in $(FUZZ_BINS); do echo "== $$f (20000 seeded random inputs)"; $$f 20000; done

integration: coretrap targets tools
	$(Q)$(PYTHON) -m pytest -v -ra tests/integration

test: unit integration

# libFuzzer builds for long runs: make fuzz && build/fuzz/fuzz_ipc -max_total_time=60
fuzz: $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c user/%.c
	$(Q)mkdir -p $(BUILD)/fuzz
	$(Q)$(CLANG) -O1 -g -fsanitize=fuzzer,address,undefined $(COMMON_CFLAGS) -o $@ $^

bench: coretrap targets tools
	$(Q)$(PYTHON) bench/run.py

demo: coretrap targets
	$(Q)bash tests/demo.sh

deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEPS_PKGS)

# Regenerate the checked-in CO-RE header from the running kernel's BTF.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux_$(UNAME_M).h

format:
	clang-format -i user/*.c user/*.h bpf/*.c bpf/*.h profiler/*.c profiler/*.h tests/unit/*.c

clean:
	rm -rf $(BUILD) coretrap

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*.o.d)
