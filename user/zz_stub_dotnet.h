/* SPDX-License-Identifier: MIT */
/* STUB until branch dotnet lands: the few diagnostics-IPC calls the profiler host needs. */
#ifndef CORETRAP_ZZ_STUB_DOTNET_H
#define CORETRAP_ZZ_STUB_DOTNET_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Host path of pid's diagnostics socket. 0 or -errno (-ENOENT: not .NET). */
int stub_dotnet_socket_path(pid_t pid, char *out, size_t len);
/* AttachProfiler; *hresult = the runtime's answer. 0 or -errno (transport). */
int stub_dotnet_attach_profiler(pid_t pid, const uint8_t clsid[16], const char *so_path, const void *data,
				size_t data_len, uint32_t attach_timeout_ms, uint32_t *hresult);
/* GenerateCoreDump2 WithHeap to path (as the target sees it). 0 or -errno. */
int stub_dotnet_dump(pid_t pid, const char *path, uint32_t *hresult);
#endif
