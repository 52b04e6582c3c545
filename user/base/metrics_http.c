/* SPDX-License-Identifier: MIT */
/*
 * The thread answers one connection at a time: scrapes are rare (seconds
 * apart) and small, and the socket timeouts bound what one client can hold.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "base/metrics.h"
#include "base/metrics_http.h"

int metrics_http_parse_addr(const char *spec, bool allow_remote, struct sockaddr_in *out,
			    char *err, size_t err_len)
{
	const char *colon = strrchr(spec, ':');
	const char *port_s = colon ? colon + 1 : spec;
	char host[64] = "127.0.0.1", *end;
	unsigned long port;

	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	if (colon) {
		size_t n = (size_t)(colon - spec);

		if (n == 0 || n >= sizeof(host)) {
			snprintf(err, err_len, "'%s' is not [ADDR:]PORT", spec);
			return -1;
		}
		memcpy(host, spec, n);
		host[n] = '\0';
	}
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (!*port_s || *end || errno || port < 1 || port > 65535 || *port_s == '+' || *port_s == '-') {
		snprintf(err, err_len, "'%s' is not a port number (1-65535)", port_s);
		return -1;
	}
	out->sin_port = htons((uint16_t)port);
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &out->sin_addr) != 1) {
		snprintf(err, err_len, "'%s' is not an IPv4 address", host);
		return -1;
	}
	if (!allow_remote && (ntohl(out->sin_addr.s_addr) >> 24) != 127) {
		snprintf(err, err_len,
			 "%s is not a loopback address: the endpoint has no authentication "
			 "(set CORETRAP_METRICS_ALLOW_REMOTE=1 to serve it anyway)", host);
		return -1;
	}
	return 0;
}

int metrics_http_status(const char *head, size_t n)
{
	const char *sp1 = memchr(head, ' ', n), *sp2, *eol, *target;
	size_t tlen;

	if (!sp1)
		return 400;
	sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - head));
	eol = memchr(head, '\r', n);
	if (!sp2 || !eol || sp2 > eol || (size_t)(eol - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7))
		return 400;
	target = sp1 + 1;
	tlen = (size_t)(sp2 - target);
	if (memchr(target, '?', tlen))
		tlen = (size_t)((const char *)memchr(target, '?', tlen) - target);
	if (!((sp1 - head == 3 && !memcmp(head, "GET", 3)) || (sp1 - head == 4 && !memcmp(head, "HEAD", 4))))
		return 405;
	if (tlen != 8 || memcmp(target, "/metrics", 8))
		return 404;
	return 200;
}

static struct {
	int fd, stop_pipe[2];
	pthread_t thread;
	bool running;
} H = { .fd = -1, .stop_pipe = { -1, -1 } };

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return; /* timed out or gone: the scrape is lost, nothing else */
		p += w;
		n -= (size_t)w;
	}
}

static void respond(int fd, int status, bool head_only)
{
	const char *reason = status == 200 ? "OK" : status == 404 ? "Not Found" :
			     status == 405 ? "Method Not Allowed" : status == 431 ? "Request Header Fields Too Large" :
			     "Bad Request";
	char hdr[256], small[64], *body = small;
	size_t need = 0;

	if (status == 200) {
		need = metrics_render(NULL, 0);
		body = malloc(need + 1);
		if (!body) {
			status = 500, reason = "Internal Server Error", body = small;
		} else {
			need = metrics_render(body, need + 1);
		}
	}
	if (body == small)
		need = (size_t)snprintf(small, sizeof(small), "%d %s\n", status, reason);
	snprintf(hdr, sizeof(hdr),
		 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		 status, reason, status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain",
		 need);
	send_all(fd, hdr, strlen(hdr));
	if (!head_only)
		send_all(fd, body, need);
	if (body != small)
		free(body);
}

static void serve_one(int fd)
{
	struct timeval tv = { METRICS_HTTP_TIMEOUT_MS / 1000, (METRICS_HTTP_TIMEOUT_MS % 1000) * 1000 };
	char buf[METRICS_HTTP_REQUEST_MAX + 1];
	size_t n = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (n < METRICS_HTTP_REQUEST_MAX) {
		ssize_t r = recv(fd, buf + n, METRICS_HTTP_REQUEST_MAX - n, 0);

		if (r <= 0)
			return; /* silent past the timeout, or closed: no answer */
		n += (size_t)r;
		buf[n] = '\0';
		if (strstr(buf, "\r\n\r\n")) {
			respond(fd, metrics_http_status(buf, n), !strncmp(buf, "HEAD ", 5));
			return;
		}
	}
	respond(fd, 431, false);
}

static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p[2] = { { H.fd, POLLIN, 0 }, { H.stop_pipe[0], POLLIN, 0 } };
		int c;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		c = accept4(H.fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		serve_one(c);
		close(c);
	}
	return NULL;
}

int metrics_http_start(const char *spec, bool allow_remote)
{
	struct sockaddr_in sa;
	char err[192];
	int one = 1;
	sigset_t all, old;

	if (metrics_http_parse_addr(spec, allow_remote, &sa, err, sizeof(err))) {
		log_error("-metrics: %s", err);
		return -1;
	}
	H.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (H.fd < 0 || setsockopt(H.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(H.fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(H.fd, 16) ||
	    pipe2(H.stop_pipe, O_CLOEXEC)) {
		log_error("-metrics: cannot listen on %s: %s", spec, strerror(errno));
		metrics_http_stop();
		return -1;
	}
	/* the thread must never take a stop signal: those belong to the main loop's signalfd */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	errno = pthread_create(&H.thread, NULL, serve, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (errno) {
		log_error("-metrics: cannot start the endpoint thread: %s", strerror(errno));
		metrics_http_stop();
		return -1;
	}
	H.running = true;
	log_debug("metrics endpoint on http://%s:%u/metrics", inet_ntoa(sa.sin_addr), ntohs(sa.sin_port));
	return 0;
}

void metrics_http_stop(void)
{
	if (H.running) {
		ssize_t w = write(H.stop_pipe[1], "x", 1);

		(void)w;
		pthread_join(H.thread, NULL);
		H.running = false;
	}
	for (int i = 0; i < 2; i++)
		if (H.stop_pipe[i] >= 0)
			close(H.stop_pipe[i]), H.stop_pipe[i] = -1;
	if (H.fd >= 0)
		close(H.fd), H.fd = -1;
}
