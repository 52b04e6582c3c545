/* SPDX-License-Identifier: MIT */
/*
 * Test driver for user/dotnet*.c before and besides the full CLI:
 *   dotnetdump [-t heap|full|mini|triage] [-o] [-T SECONDS] PID PATH   write a .NET dump
 *   dotnetdump -i PID           print ProcessInfo as key=value lines
 *   dotnetdump -e NAME PID      print a variable of the runtime's environment
 *   dotnetdump -d PID           exit 0 when PID is a .NET target, 1 otherwise
 * Errors are one line on stderr and a non-zero exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dotnet/dotnet.h"

static int usage(void)
{
	fprintf(stderr, "usage: dotnetdump [-t TYPE] [-o] [-T SECONDS] PID PATH | -i PID | -e NAME PID | -d PID\n");
	return 2;
}

int main(int argc, char **argv)
{
	enum dotnet_dump_type type = DOTNET_DUMP_HEAP;
	const char *env_name = NULL;
	bool overwrite = false, info_only = false, detect_only = false;
	int timeout_ms = 0, opt, err;
	pid_t pid;

	while ((opt = getopt(argc, argv, "t:oT:ie:d")) != -1) {
		switch (opt) {
		case 't':
			if (dotnet_dump_type_parse(optarg, &type) < 0)
				return usage();
			break;
		case 'o': overwrite = true; break;
		case 'T': timeout_ms = atoi(optarg) * 1000; break;
		case 'i': info_only = true; break;
		case 'e': env_name = optarg; break;
		case 'd': detect_only = true; break;
		default: return usage();
		}
	}
	if (optind >= argc)
		return usage();
	pid = (pid_t)atoi(argv[optind]);
	if (detect_only)
		return dotnet_detect(pid) ? 0 : 1;
	if (info_only || env_name) {
		struct dotnet_target t;
		struct ipc_process_info info;
		char value[4096];
		bool found = false;

		if ((err = dotnet_target_open(pid, &t))) {
			fprintf(stderr, "coretrap: failed to find the .NET diagnostics socket of %d: %s\n", pid, strerror(-err));
			return 1;
		}
		if (info_only)
			err = dotnet_process_info(&t, &info);
		else
			err = dotnet_get_env(&t, env_name, value, sizeof(value), &found);
		dotnet_target_close(&t);
		if (err) {
			fprintf(stderr, "coretrap: failed to query .NET process %d: %s\n", pid, strerror(-err));
			return 1;
		}
		if (info_only)
			printf("level=%d\npid=%llu\ncommand_line=%s\nos=%s\narch=%s\nentry=%s\nversion=%s\nrid=%s\n",
			       info.level, (unsigned long long)info.pid, info.command_line, info.os,
			       info.arch, info.entry_assembly, info.runtime_version, info.runtime_id);
		else if (found)
			printf("%s=%s\n", env_name, value);
		else
			printf("%s unset\n", env_name);
		return 0;
	}
	if (optind + 1 >= argc)
		return usage();
	struct dotnet_dump_result res;
	char desc[256];

	err = dotnet_write_dump(pid, argv[optind + 1], type, overwrite, timeout_ms, &res);
	if (err) {
		fprintf(stderr, "coretrap: failed to write .NET dump of %d: %s%s%s\n", pid, strerror(-err),
			res.detail[0] ? ": " : "", res.detail);
		return 1;
	}
	dotnet_describe(&res, type, desc, sizeof(desc));
	printf("Core dump 0 generated: %s (%s)\n", argv[optind + 1], desc);
	printf("apparent_bytes=%llu allocated_bytes=%llu wall_ms=%.1f command=%d pagemap=%d copied=%d\n",
	       (unsigned long long)res.apparent_bytes, (unsigned long long)res.allocated_bytes,
	       res.wall_ns / 1e6, res.command_id, res.pagemap_trick, res.copied);
	if (res.detail[0])
		fprintf(stderr, "coretrap: warning: %s\n", res.detail);
	return 0;
}
