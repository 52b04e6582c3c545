/* SPDX-License-Identifier: MIT */
/*
 * The -metrics endpoint: a minimal HTTP/1.1 responder serving GET /metrics
 * (base/metrics.h) from its own thread. One request per connection,
 * "Connection: close", requests capped at METRICS_HTTP_REQUEST_MAX bytes and
 * a per-connection I/O timeout, so a slow or silent client delays only
 * other scrapes, never the monitor or a dump.
 */
#ifndef CORETRAP_METRICS_HTTP_H
#define CORETRAP_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>

#define METRICS_HTTP_DEFAULT_PORT 9464
#define METRICS_HTTP_REQUEST_MAX 4096
#define METRICS_HTTP_TIMEOUT_MS 2000

/*
 * Pure (unit-tested): "[ADDR:]PORT" to an IPv4 address; ADDR is a dotted
 * quad or "localhost", 127.0.0.1 when left out. A non-loopback address is
 * refused unless allow_remote. Returns 0, or -1 with a reason in err.
 */
int metrics_http_parse_addr(const char *spec, bool allow_remote, struct sockaddr_in *out,
			    char *err, size_t err_len);

/*
 * Pure (unit-tested): the HTTP status for a request head (the bytes up to
 * the blank line): 200 for GET or HEAD /metrics (a query string is
 * ignored), 404 for another path, 405 for another method, 400 when it is
 * not an HTTP/1.x request line.
 */
int metrics_http_status(const char *head, size_t n);

/*
 * Bind spec (see metrics_http_parse_addr) and serve from a thread. Returns
 * 0, or -1 after printing the one-line error.
 */
int metrics_http_start(const char *spec, bool allow_remote);
/* Stop the thread and close the socket (nothing when not started). */
void metrics_http_stop(void);

#endif
