/* SPDX-License-Identifier: MIT */
/*
 * CO-RE kernel types for the BPF programs. The per-arch files are generated
 * from /sys/kernel/btf/vmlinux by `make vmlinux` and checked in, so a build
 * never depends on the build machine's kernel.
 */
#ifndef CORETRAP_VMLINUX_H
#define CORETRAP_VMLINUX_H
#if defined(__TARGET_ARCH_x86)
#include "vmlinux_x86_64.h"
#elif defined(__TARGET_ARCH_arm64)
#include "vmlinux_arm64.h"
#else
#error "no vmlinux header for this architecture: run make vmlinux"
#endif
#endif
