# SPDX-License-Identifier: MIT
# coretrap build: bpf/*.bpf.c -> .part.o -> (linked) .bpf.o -> .skel.h -> user/*.o -> ./coretrap
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
# vmlinux/vmlinux.h includes vmlinux_x86_64.h or vmlinux_arm64.h (not aarch64).
VMLINUX_ARCH := $(subst aarch64,arm64,$(UNAME_M))

LIBBPF_CFLAGS := $(shell pkg-config --cflags libbpf 2>/dev/null)
LIBBPF_LIBS := $(or $(shell pkg-config --libs libbpf 2>/dev/null),-lbpf) -lelf -lz
# -z: gzip members (zlib) and zstd frames (libzstd), base/zblock.c
Z_LIBS := -lz -lzstd
# Fleet rule files (-check-config): YAML through libyaml, cli/fleet_config.c
YAML_LIBS := -lyaml

WARN := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
COMMON_CFLAGS := -std=gnu11 $(WARN) -MMD -MP -D_GNU_SOURCE -I$(BUILD) -Iuser -Ibpf
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) $(WARN) -Wno-unused-parameter -Wno-unused-command-line-argument \
	-Ivmlinux -Ibpf -MMD -MP

# Debian 12 packages the build, the tests and `make fuzz` (libclang-rt-14-dev:
# clang's libFuzzer and sanitizer runtimes) need (make deps).
DEPS_PKGS := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev zstd libyaml-dev libcmocka-dev pkg-config \
	python3-pytest python3-yaml systemd gdb binutils util-linux linux-perf libclang-rt-14-dev \
	debhelper lintian man-db groff-base bash-completion rclone

# user/ is layered by folder (user/base, user/core, ...; see README "Source
# layout" and `make check-layers`); every object keeps its folder under build/.
USER_SRCS := $(sort $(wildcard user/*/*.c user/*/*/*.c))
USER_OBJS := $(USER_SRCS:%.c=$(BUILD)/%.o)
# BPF: every bpf/X.bpf.c is compiled alone (build/bpf/X.part.o, with its own
# .d), then bpftool links the parts of one skeleton into build/bpf/S.bpf.o and
# generates build/S.skel.h from it. The watch skeleton is bpf/watch.bpf.c plus
# every bpf/watch_*.bpf.c (bpf/watch.bpf.c says which does what); any other
# bpf/S.bpf.c is a skeleton of its own (signals: -sig).
BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c))
BPF_PARTS_watch := $(filter bpf/watch.bpf.c bpf/watch_%.bpf.c,$(BPF_SRCS))
SKEL_NAMES := watch $(patsubst bpf/%.bpf.c,%,$(filter-out $(BPF_PARTS_watch),$(BPF_SRCS)))
bpf_parts = $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.part.o,$(or $(BPF_PARTS_$(1)),bpf/$(1).bpf.c))
SKELS := $(SKEL_NAMES:%=$(BUILD)/%.skel.h)

# The CLR profiler (profiler/*.c) is built as a shared object and linked
# into coretrap as a blob, so the binary is all a user has to copy.
# user/dotnet/profstatus.c (channel codec) and user/dotnet/exfilter.c (filter
# matching) are pure modules shared with coretrap, so both sides agree by
# construction. Its objects are position-independent, under build/pic/.
PROFILER_SRCS := $(sort $(wildcard profiler/*.c))
PROFILER_SHARED_SRCS := $(if $(PROFILER_SRCS),user/dotnet/profstatus.c user/dotnet/exfilter.c)
PROFILER_OBJS := $(addprefix $(BUILD)/pic/,$(PROFILER_SRCS:.c=.o) $(PROFILER_SHARED_SRCS:.c=.o))
PROFILER_SO := $(BUILD)/profiler/libcoretrap_profiler.so
PROFILER_BLOB := $(if $(PROFILER_SRCS),$(BUILD)/profiler/profiler_blob.o)

TARGET_SRCS := $(sort $(wildcard tests/targets/*.c))
TARGETS := $(TARGET_SRCS:tests/targets/%.c=$(BUILD)/targets/%)

# One cmocka driver per pure module: tests/unit/DIR/test_X.c is linked with
# user/DIR/X.o alone, plus UNIT_EXTRA_DIR/X when that module really needs more
# (objects named by their path under user/, without .o), and linked with
# UNIT_LDFLAGS_DIR/X when it drives the module through wrapped system calls.
UNIT_SRCS := $(sort $(wildcard tests/unit/*/test_*.c))
UNIT_TESTS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
unit_module = $(dir $(1))$(patsubst test_%,%,$(notdir $(1)))
UNIT_EXTRA_cli/options := cli/options_values cli/options_doc dotnet/counters dotnet/nettrace
UNIT_EXTRA_dotnet/runtime := dotnet/runtime_dump dotnet/ipc base/proc_read base/proc_parse
UNIT_EXTRA_dotnet/counters := dotnet/nettrace
UNIT_EXTRA_base/proc := base/proc_read base/proc_parse base/proc_maps
UNIT_EXTRA_cli/run_mode := cli/options cli/options_values cli/options_doc dotnet/counters dotnet/nettrace
UNIT_EXTRA_core/snapshot := base/quiet_thread core/output core/write_pace core/freeze_watch core/pace_host base/proc_read
UNIT_EXTRA_signal/sigset_logic := base/wait_status
UNIT_EXTRA_trigger/kinds := trigger/rules
UNIT_EXTRA_trigger/fleet_match := base/proc base/proc_read base/proc_parse base/proc_maps
UNIT_EXTRA_base/metrics_http := base/metrics base/log
UNIT_EXTRA_base/journal := base/log
UNIT_EXTRA_cli/fleet_config := dump/spool_caps dump/upload_plan
UNIT_LDFLAGS_cli/fleet_config := $(YAML_LIBS)
UNIT_EXTRA_cli/fleet_check := cli/fleet_config dump/spool_caps dump/upload_plan cli/options cli/options_values cli/options_doc dotnet/counters dotnet/nettrace
UNIT_LDFLAGS_cli/fleet_check := $(YAML_LIBS)
UNIT_EXTRA_trigger/restrack_report := base/log
UNIT_EXTRA_trigger/restrack_libc := base/proc_maps
UNIT_EXTRA_base/proc_task := base/proc base/proc_read base/proc_parse base/proc_maps
# The ptrace engine's driver plays the kernel: ptrace, waitpid and the clock
# are wrapped, and it defines the proc_task readers itself (no real process).
UNIT_EXTRA_base/ptrace_engine := base/ptrace_set base/wait_status
UNIT_LDFLAGS_base/ptrace_engine := -Wl,--wrap=ptrace -Wl,--wrap=waitpid -Wl,--wrap=nanosleep \
	-Wl,--wrap=sched_yield -Wl,--wrap=clock_gettime
UNIT_LDFLAGS_base/proc_read := -Wl,--wrap=read
UNIT_LDFLAGS_base/elf_symbols := -lelf
UNIT_EXTRA_core/live_plan := base/proc_maps
UNIT_EXTRA_core/live_pages := core/live_spill core/output base/quiet_thread
UNIT_EXTRA_core/live_spill := core/output
UNIT_LDFLAGS_base/zblock := $(Z_LIBS)
UNIT_EXTRA_core/coreinfo := core/elfcore
UNIT_EXTRA_base/zread := base/zblock
UNIT_LDFLAGS_base/zread := $(Z_LIBS)
UNIT_EXTRA_base/zstream := base/zblock base/zread base/quiet_thread
UNIT_LDFLAGS_base/zstream := $(Z_LIBS)
UNIT_EXTRA_base/ptrace_inject := base/arch/inject_x86_64 base/proc base/proc_read base/proc_parse base/proc_maps \
	base/vdso base/wait_status

# The core writer alone, for the test driver build/tests/dumpcore (used by
# the integration tests and the dump bench next to ./coretrap).
CORE_WRITER_MODS := core/coredump core/elfcore core/arch/x86_64 core/memory core/output core/snapshot \
	core/live core/live_fault core/live_pages core/live_spill core/live_plan core/live_protect core/live_threads core/live_uffd \
	core/write_pace core/freeze_watch core/pace_host \
	base/proc base/proc_read base/proc_parse base/proc_maps base/proc_holders base/ptrace_engine base/ptrace_set \
	base/proc_task base/pagemap base/quiet_thread base/wait_status base/vdso base/ptrace_inject \
	base/arch/inject_x86_64 base/zblock base/zstream core/coreinfo
# syscall injection alone: build/tests/injectsys.
INJECT_MODS := base/ptrace_inject base/arch/inject_x86_64 base/proc base/proc_read base/proc_parse base/proc_maps \
	base/vdso base/wait_status
# and the .NET dump code alone: build/tests/dotnetdump.
DOTNET_TOOL_MODS := dotnet/runtime dotnet/runtime_dump dotnet/ipc base/proc_read base/proc_parse
# The switch table and what is written from it: the man page and the bash
# completion are generated by build/gendoc (tests/tools/gendoc.c).
OPTIONS_MODS := cli/options cli/options_values cli/options_doc dotnet/counters dotnet/nettrace
user_objs = $(addprefix $(BUILD)/user/,$(addsuffix .o,$(1)))
TOOLS := $(BUILD)/tests/dumpcore $(BUILD)/tests/dotnetdump $(BUILD)/tests/writefloor $(BUILD)/tests/injectsys

# Fuzz targets: tests/fuzz/fuzz_X.c defines LLVMFuzzerTestOneInput for the
# module(s) FUZZ_MODULE_X. `make unit` runs each with a seeded random driver
# (objects under build/asan/); `make fuzz` builds real libFuzzer binaries with
# clang (objects under build/libfuzzer/).
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/tests/%)
FUZZ_MODULE_ipc := dotnet/ipc
FUZZ_MODULE_nettrace := dotnet/nettrace dotnet/counters
FUZZ_MODULE_profstatus := dotnet/profstatus
FUZZ_MODULE_proc_parse := base/proc_parse base/proc_maps
# -info's reader: the decompressor and the core parser, on any file a user names
FUZZ_MODULE_coreinfo := core/coreinfo base/zread base/zblock core/elfcore
FUZZ_LDFLAGS_coreinfo := $(Z_LIBS)
FUZZ_MODULE_elf_symbols := base/elf_symbols
FUZZ_LDFLAGS_elf_symbols := -lelf
FUZZ_MODULE_fleet_config := cli/fleet_config dump/spool_caps dump/upload_plan
FUZZ_MODULE_upload_env := dump/upload_plan
FUZZ_MODULE_json_flat := base/json_flat
FUZZ_LDFLAGS_fleet_config := $(YAML_LIBS)
FUZZ_MODULE_metrics_http := base/metrics_http base/metrics base/journal base/log
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all
# The objects of fuzz target $(2)'s modules in build flavour $(1) (asan, libfuzzer).
fuzz_objs = $(addprefix $(BUILD)/$(1)/user/,$(addsuffix .o,$(FUZZ_MODULE_$(2))))

.PHONY: all deps test check-layers unit integration targets tools fuzz bench demo clean vmlinux format \
	install deb FORCE

# The version: debian/changelog's (the one place it is written), and the
# commit it was built from when there is a git tree (git describe).
VERSION_BASE := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
# (make deb builds a copy of the tree without .git and passes it on)
GIT_DESCRIBE := $(or $(CORETRAP_GIT_DESCRIBE),$(shell git describe --always --dirty --abbrev=10 2>/dev/null))
CORETRAP_VERSION := $(VERSION_BASE)$(if $(GIT_DESCRIBE),+g$(GIT_DESCRIBE))
# The man page's date: the commit's, so that a rebuild gives the same page.
DOC_DATE := $(or $(shell git log -1 --format=%cs 2>/dev/null),$(shell date -u +%F))
DOCS := $(BUILD)/coretrap.1 $(BUILD)/coretrap.bash-completion

all: coretrap $(DOCS)

coretrap: $(USER_OBJS) $(PROFILER_BLOB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBBPF_LIBS) $(Z_LIBS) $(YAML_LIBS) -lpthread

$(BUILD)/user/%.o: user/%.c | $(SKELS) $(BUILD)/generated/version.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(COMMON_CFLAGS) $(LIBBPF_CFLAGS) -c $< -o $@

# Rewritten only when the version changes, so only what includes it is rebuilt.
$(BUILD)/generated/version.h: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)printf '/* generated by the Makefile */\n#define CORETRAP_VERSION "%s"\n' '$(CORETRAP_VERSION)' > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/gendoc: $(BUILD)/tests/obj/tools/gendoc.o $(call user_objs,$(OPTIONS_MODS))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^

$(BUILD)/coretrap.1: $(BUILD)/gendoc
	$(call msg,GEN,$@)
	$(Q)$(BUILD)/gendoc man '$(CORETRAP_VERSION)' '$(DOC_DATE)' > $@

$(BUILD)/coretrap.bash-completion: $(BUILD)/gendoc
	$(call msg,GEN,$@)
	$(Q)$(BUILD)/gendoc bash > $@

# make install [PREFIX=/usr/local] [DESTDIR=...]: the binary (which carries
# its BPF programs and the CLR profiler), the man page, the completion, the README.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASH_COMPLETION_DIR ?= $(PREFIX)/share/bash-completion/completions
DOCDIR ?= $(PREFIX)/share/doc/coretrap
LIBEXECDIR ?= $(PREFIX)/lib/coretrap
# Debian 12 keeps units in /lib (lintian); a local install keeps them under its prefix.
SYSTEMD_UNIT_DIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
install: all
	install -D -m 0755 coretrap $(DESTDIR)$(BINDIR)/coretrap
	install -D -m 0644 $(BUILD)/coretrap.1 $(DESTDIR)$(MANDIR)/man1/coretrap.1
	install -D -m 0644 $(BUILD)/coretrap.bash-completion $(DESTDIR)$(BASH_COMPLETION_DIR)/coretrap
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -D -m 0644 packaging/systemd/coretrap.service $(DESTDIR)$(SYSTEMD_UNIT_DIR)/coretrap.service
	install -D -m 0755 packaging/hooks/upload-rclone $(DESTDIR)$(LIBEXECDIR)/upload-rclone
	install -D -m 0644 packaging/coretrap.yaml $(DESTDIR)$(DOCDIR)/examples/coretrap.yaml

# make deb: build/coretrap_VERSION_ARCH.deb with dpkg-buildpackage, from a
# copy of the tracked files (so the tree's build/ is left alone), checked by
# lintian. debian/ says how.
DEB_DIR := $(BUILD)/deb
deb:
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/coretrap-$(VERSION_BASE)
	$(Q)git ls-files -z | xargs -0 cp --parents -t $(DEB_DIR)/coretrap-$(VERSION_BASE)
	$(Q)cd $(DEB_DIR)/coretrap-$(VERSION_BASE) && \
		CORETRAP_GIT_DESCRIBE='$(GIT_DESCRIBE)' dpkg-buildpackage -us -uc -b
	$(Q)cp $(DEB_DIR)/coretrap_$(VERSION_BASE)_*.deb $(BUILD)/
	$(Q)lintian --fail-on error,warning $(DEB_DIR)/coretrap_$(VERSION_BASE)_*.changes
	@ls $(BUILD)/coretrap_$(VERSION_BASE)_*.deb

$(BUILD)/bpf/%.part.o: bpf/%.bpf.c | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MT $@ -MF $@.d -c $< -o $@

# The static linker merges the parts' sections and resolves their extern
# maps and globals (bpf/watch.bpf.h) to the one definition.
$(BUILD)/bpf/%.bpf.o: $$(call bpf_parts,$$*)
	$(call msg,BPF-LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BUILD)/pic/%.o: %.c
	$(call msg,CC-PIC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -std=gnu11 $(WARN) -MMD -MP -D_GNU_SOURCE -fPIC -fvisibility=hidden \
		-Iprofiler -Iuser -c $< -o $@

$(PROFILER_SO): $(PROFILER_OBJS)
	$(call msg,LINK-SO,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -shared -Wl,-z,defs -o $@ $^ -lpthread

$(BUILD)/profiler/profiler_blob.o: $(PROFILER_SO)
	$(call msg,EMBED,$@)
	$(Q)cd $(BUILD)/profiler && ld -r -b binary -z noexecstack -o profiler_blob.o libcoretrap_profiler.so

$(BUILD)/targets/%: tests/targets/%.c | $(BUILD)/targets
	$(call msg,CC,$@)
	$(Q)$(CC) -std=gnu11 $(WARN) -MMD -MP -D_GNU_SOURCE -O0 -g -fno-omit-frame-pointer -pthread -o $@ $< \
		$(TARGET_LDFLAGS_$*)
# A process without libc, for -restrack's refusal (tests/integration/test_restrack.py).
TARGET_LDFLAGS_static_sleeper := -static

# Test and tool objects: one compiler call per source, so each .d names
# exactly the headers that source reads.
$(BUILD)/tests/obj/%.o: tests/%.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O0 -g $(COMMON_CFLAGS) -c $< -o $@

$(BUILD)/tests/unit/%: $(BUILD)/tests/obj/unit/%.o $$(call user_objs,$$(call unit_module,$$*) $$(UNIT_EXTRA_$$(call unit_module,$$*)))
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(UNIT_LDFLAGS_$(call unit_module,$*)) -lcmocka -lpthread

$(BUILD)/asan/%.o: %.c
	$(call msg,CC-ASAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O1 -g $(SANITIZE) $(COMMON_CFLAGS) -c $< -o $@

$(BUILD)/tests/fuzz_%: $(BUILD)/asan/tests/fuzz/fuzz_%.o $(BUILD)/asan/tests/fuzz/standalone_main.o $$(call fuzz_objs,asan,$$*)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SANITIZE) -o $@ $^ $(FUZZ_LDFLAGS_$*)

$(BUILD) $(BUILD)/bpf $(BUILD)/targets:
	$(Q)mkdir -p $@

targets: $(TARGETS)

tools: $(TOOLS)

$(BUILD)/tests/dumpcore: $(BUILD)/tests/obj/tools/dumpcore.o $(call user_objs,$(CORE_WRITER_MODS))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(Z_LIBS) -lpthread

# Driver of the .NET dump code alone (tests/integration/test_dotnet.py).
$(BUILD)/tests/dotnetdump: $(BUILD)/tests/obj/tools/dotnetdump.o $(call user_objs,$(DOTNET_TOOL_MODS))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^

# Driver of syscall injection alone (tests/integration/test_ptrace_inject.py).
$(BUILD)/tests/injectsys: $(BUILD)/tests/obj/tools/injectsys.o $(call user_objs,$(INJECT_MODS))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^

# The write floor the dump bench compares with (bench/bench_dump.py).
$(BUILD)/tests/writefloor: $(BUILD)/tests/obj/tools/writefloor.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lpthread

unit: $(UNIT_TESTS) $(FUZZ_BINS)
	$(Q)set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done
	$(Q)set -e; for f in $(FUZZ_BINS); do echo "== $$f (20000 seeded random inputs)"; $$f 20000; done

integration: coretrap $(DOCS) targets tools
	$(Q)$(PYTHON) -m pytest -v -ra tests/integration

# The layer rule of user/ (tests/check_layers.sh), and proof that it bites:
# the same check on a copy of the tree with an upward include planted.
check-layers:
	$(Q)bash tests/check_layers.sh .
	$(Q)bash tests/check_layers_selftest.sh

test: check-layers unit integration

# libFuzzer builds for long runs: make fuzz && build/fuzz/fuzz_ipc -max_total_time=60
LIBFUZZER := -fsanitize=fuzzer,address,undefined
fuzz: $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
$(BUILD)/libfuzzer/%.o: %.c
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -O1 -g $(LIBFUZZER) $(COMMON_CFLAGS) -c $< -o $@
$(BUILD)/fuzz/fuzz_%: $(BUILD)/libfuzzer/tests/fuzz/fuzz_%.o $$(call fuzz_objs,libfuzzer,$$*)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(LIBFUZZER) -o $@ $^ $(FUZZ_LDFLAGS_$*)

bench: coretrap targets tools
	$(Q)$(PYTHON) bench/run.py

demo: coretrap targets
	$(Q)bash tests/demo.sh

deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEPS_PKGS)

# Regenerate the checked-in CO-RE header from the running kernel's BTF.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux_$(VMLINUX_ARCH).h

format:
	clang-format -i $(USER_SRCS) $(wildcard user/*/*.h user/*/*/*.h) bpf/*.c bpf/*.h profiler/*.c profiler/*.h $(UNIT_SRCS)

clean:
	rm -rf $(BUILD) coretrap

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
