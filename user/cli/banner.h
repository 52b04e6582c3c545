/* SPDX-License-Identifier: MIT */
#ifndef CORETRAP_BANNER_H
#define CORETRAP_BANNER_H

#include <stdio.h>

#include "base/config.h"

/* The configuration table printed at start (not under -json). */
void banner_print(FILE *out, const struct config *cfg, const char *proc_name);

#endif
