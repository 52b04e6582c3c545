/* SPDX-License-Identifier: MIT */
/*
 * Run modes not built yet. Each helper deletes its own function from this
 * file when its branch provides the real one.
 */
#include "log.h"
#include "run.h"

int sigtrap_run(const struct config *cfg)
{
	(void)cfg;
	log_error("the signal trigger is not implemented yet");
	return 2;
}
