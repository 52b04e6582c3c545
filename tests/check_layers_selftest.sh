#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Proof that `make check-layers` bites: on a scratch copy of user/ and
# profiler/, each planted include below must be refused, and the clean copy
# must pass.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

fresh() {
	rm -rf "$scratch/tree"
	mkdir -p "$scratch/tree"
	cp -r "$here/user" "$here/profiler" "$here/bpf" "$scratch/tree/"
}

fresh
bash "$here/tests/check_layers.sh" "$scratch/tree" >/dev/null

# file to plant in | include line | what it is
plants=(
	'user/base/log.c|#include "trigger/monitor.h"|upward from base'
	'user/core/elfcore.c|#include "signal/sigtrap.h"|core including signal'
	'user/core/coredump.c|#include "dotnet/dotnet.h"|sideways core -> dotnet'
	'user/trigger/timer.c|#include "signal/sigtrap.h"|sideways trigger -> signal'
	'user/dump/naming.c|#include "naming.h"|bare user header'
	'user/core/output.c|#include "watch.skel.h"|BPF skeleton outside trigger/signal'
	'profiler/profiler.c|#include "dump/dispatch.h"|profiler reaching above dotnet'
)
for p in "${plants[@]}"; do
	IFS='|' read -r file line what <<<"$p"
	fresh
	printf '%s\n' "$line" >>"$scratch/tree/$file"
	if bash "$here/tests/check_layers.sh" "$scratch/tree" 2>/dev/null; then
		echo "check-layers self-test: FAILED to refuse $what ($file: $line)" >&2
		exit 1
	fi
done
echo "check-layers self-test: ${#plants[@]} planted includes refused, the clean tree passes"
