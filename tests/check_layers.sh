#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make check-layers: every #include "..." in user/ and profiler/ must go down
# the layers or stay in its own folder. From the bottom:
#
#   0 base      log, /proc, clocks, signals, the ptrace engine, struct config
#   1 core      the ELF core writer            1 dotnet   runtime IPC, profiler files
#   2 dump      one dump: naming, native/.NET dispatch
#   3 trigger   BPF monitor, timer, profiler   3 signal   -sig/-crash trap
#   4 cli       main, options, run modes
#
# A folder may include its own headers and those of lower ranks; same rank
# in another folder is sideways and refused, like anything upwards. User
# headers are named by folder ("core/elfcore.h"); a bare name is only for
# the BPF ABI (bpf/*.h) and generated skeletons, and only in the layers that
# load BPF (trigger, signal). The CLR profiler (profiler/) runs inside the
# target and may share only pure base and dotnet headers.
#
# Usage: tests/check_layers.sh [ROOT]   (ROOT holds user/ and profiler/)
set -euo pipefail
root=${1:-$(dirname "$0")/..}
cd "$root"

declare -A rank=([base]=0 [core]=1 [dotnet]=1 [dump]=2 [trigger]=3 [signal]=3 [cli]=4)
bpf_headers=$(cd bpf 2>/dev/null && ls *.h 2>/dev/null || true)
bad=0

refuse() { # file line text why
	echo "check-layers: $1:$2: $3: $4" >&2
	bad=1
}

while IFS= read -r file; do
	[ -n "$file" ] || continue
	if [[ $file == profiler/* ]]; then
		layer=profiler
	else
		layer=${file#user/}
		layer=${layer%%/*}
		if [ -z "${rank[$layer]+x}" ]; then
			refuse "$file" 0 "(file)" "not inside a layer folder (${!rank[*]})"
			continue
		fi
	fi
	while IFS=: read -r line text; do
		inc=${text#*\"}
		inc=${inc%%\"*}
		if [[ $inc != */* ]]; then
			if [[ $layer == profiler ]] && [ -f "profiler/$inc" ]; then
				continue
			fi
			if [[ $inc == *.skel.h ]] || grep -qx -- "$inc" <<<"$bpf_headers"; then
				[[ $layer == trigger || $layer == signal ]] && continue
				refuse "$file" "$line" "$inc" "only trigger/ and signal/ load BPF"
				continue
			fi
			refuse "$file" "$line" "$inc" "name user headers by folder (\"base/log.h\")"
			continue
		fi
		dir=${inc%%/*}
		# build/generated/ (the Makefile's version.h): facts about the build, no code to layer
		[[ $dir == generated ]] && continue
		if [ -z "${rank[$dir]+x}" ]; then
			refuse "$file" "$line" "$inc" "no such layer folder"
			continue
		fi
		if [[ $layer == profiler ]]; then
			[[ $dir == base || $dir == dotnet ]] && continue
			refuse "$file" "$line" "$inc" "the in-target profiler may share only base/ and dotnet/"
			continue
		fi
		[[ $dir == "$layer" ]] && continue
		if ((rank[$dir] < rank[$layer])); then
			continue
		fi
		if ((rank[$dir] == rank[$layer])); then
			refuse "$file" "$line" "$inc" "sideways: $layer/ and $dir/ are on the same layer"
		else
			refuse "$file" "$line" "$inc" "upwards: $layer/ (layer ${rank[$layer]}) includes $dir/ (layer ${rank[$dir]})"
		fi
	done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" || true)
done < <(find user profiler -name '*.[ch]' 2>/dev/null | sort)

if ((bad)); then
	exit 1
fi
echo "check-layers: every include goes down the layers"
