/* SPDX-License-Identifier: MIT */
/*
 * -daemon: the fleet agent. Loads the rules file (and its conf.d drop-ins)
 * the way -check-config checks it, turns every rule into the config its
 * switches stand for (dumps into the spool), and runs them all on one BPF
 * program set (monitor_run_rules). SIGHUP reloads: a file that does not
 * check keeps the old rules running and says why.
 */
#ifndef CORETRAP_CLI_DAEMON_H
#define CORETRAP_CLI_DAEMON_H

#include "base/config.h"

#define DAEMON_DEFAULT_CONFIG "/etc/coretrap/coretrap.yaml"
#define DAEMON_DEFAULT_SPOOL "/var/lib/coretrap/dumps"

/* The process exit code: 0 after SIGTERM/SIGINT, 1 runtime failure, 2 a rules file that does not check. */
int daemon_run(const struct config *cmdline);

#endif
