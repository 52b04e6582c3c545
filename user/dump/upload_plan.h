/* SPDX-License-Identifier: MIT */
/*
 * Moving dumps off the host: the upload settings, the retry schedule, the
 * credentials file and the redaction of secrets from anything logged. Pure
 * (unit-tested and fuzzed); upload.c runs the hook.
 *
 * The upload itself is done by an existing client through an exec hook
 * (rclone, the AWS CLI, curl --aws-sigv4...): see docs/fleet.md "Upload"
 * for the contract, which is
 *   argv   EXEC ARGS... DUMP_PATH
 *   stdin  the dump, opened read-only (a client may stream it: rclone rcat)
 *   env    the daemon's environment, the env-file's variables, and
 *          CORETRAP_DUMP, CORETRAP_DUMP_NAME, CORETRAP_DUMP_SIZE,
 *          CORETRAP_ATTEMPT (1, 2, ...)
 *   stdout its first line is where the dump went (an URL), logged
 *   exit   0: stored; anything else (or killed, or over `timeout`): failed,
 *          tried again after the backoff; the dump stays in the spool.
 */
#ifndef CORETRAP_DUMP_UPLOAD_PLAN_H
#define CORETRAP_DUMP_UPLOAD_PLAN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UPLOAD_MAX_ARGS 8
#define UPLOAD_ARG_MAX 256
#define UPLOAD_MAX_ENV 32
#define UPLOAD_ENV_MAX 1024 /* one KEY=VALUE */

struct upload_config {
	char exec[PATH_MAX]; /* "" = no upload */
	char args[UPLOAD_MAX_ARGS][UPLOAD_ARG_MAX];
	size_t nargs;
	char env_file[PATH_MAX]; /* "" = none */
	unsigned retries;	 /* attempts per dump; 0 = until it is stored */
	unsigned backoff_s, max_backoff_s, timeout_s;
	bool delete_after;
};

#define UPLOAD_DEFAULT_BACKOFF_S 5
#define UPLOAD_DEFAULT_MAX_BACKOFF_S 600
#define UPLOAD_DEFAULT_TIMEOUT_S 3600

void upload_config_default(struct upload_config *c);

/*
 * Seconds to wait after failed attempt number `attempt` (1-based): backoff,
 * doubled per attempt, at most max_backoff.
 */
unsigned upload_backoff_s(const struct upload_config *c, unsigned attempt);

/* May attempt number `attempt` (1-based) be made? */
bool upload_may_try(const struct upload_config *c, unsigned attempt);

/* The credentials file: KEY=VALUE lines, '#' comments and blank lines. */
struct upload_env {
	char var[UPLOAD_MAX_ENV][UPLOAD_ENV_MAX]; /* "KEY=VALUE", quotes around VALUE removed */
	size_t n;
};

/*
 * Parse text (len bytes). 0, or -EINVAL with the 1-based line of the first
 * bad one in *bad_line (a line without '=', a key that is not
 * [A-Za-z_][A-Za-z0-9_]*, too long, too many); the error never quotes the
 * line: it may hold a secret.
 */
int upload_env_parse(const char *text, size_t len, struct upload_env *out, int *bad_line);

/*
 * Replace in s (in place) every occurrence of each secret by "***". The
 * secrets are the values of env (and of the environment's variables whose
 * names say KEY, SECRET, TOKEN, PASSWORD or CREDENTIAL), of at least 4
 * characters. environ may be NULL.
 */
void upload_redact(char *s, const struct upload_env *env, char *const *environ_);

#endif
