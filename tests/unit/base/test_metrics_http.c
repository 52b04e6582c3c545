/* SPDX-License-Identifier: MIT */
/* The pure parts of the -metrics endpoint: the address and the request line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "base/metrics_http.h"

static void test_addresses(void **state)
{
	struct sockaddr_in sa;
	char err[192], ip[32];

	(void)state;
	assert_int_equal(metrics_http_parse_addr("9464", false, &sa, err, sizeof(err)), 0);
	assert_string_equal(inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip)), "127.0.0.1");
	assert_int_equal(ntohs(sa.sin_port), 9464);
	assert_int_equal(metrics_http_parse_addr("127.0.0.5:80", false, &sa, err, sizeof(err)), 0);
	assert_string_equal(inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip)), "127.0.0.5");
	assert_int_equal(metrics_http_parse_addr("localhost:1", false, &sa, err, sizeof(err)), 0);
	assert_string_equal(inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip)), "127.0.0.1");
	assert_int_equal(ntohs(sa.sin_port), 1);
}

static void test_non_loopback_needs_permission(void **state)
{
	struct sockaddr_in sa;
	char err[192];

	(void)state;
	assert_int_equal(metrics_http_parse_addr("0.0.0.0:9464", false, &sa, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a loopback address"));
	assert_int_equal(metrics_http_parse_addr("10.1.2.3:9464", false, &sa, err, sizeof(err)), -1);
	assert_int_equal(metrics_http_parse_addr("0.0.0.0:9464", true, &sa, err, sizeof(err)), 0);
}

static void test_bad_addresses(void **state)
{
	static const char *bad[] = { "", "0", "65536", "-1", "+5", "12x", ":9464", "1.2.3:9464",
				     "host.example:9464", "127.0.0.1:", "::1" };
	struct sockaddr_in sa;
	char err[192];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(metrics_http_parse_addr(bad[i], true, &sa, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
}

static int status(const char *head)
{
	return metrics_http_status(head, strlen(head));
}

static void test_routes(void **state)
{
	(void)state;
	assert_int_equal(status("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
	assert_int_equal(status("GET /metrics HTTP/1.0\r\n\r\n"), 200);
	assert_int_equal(status("HEAD /metrics HTTP/1.1\r\n\r\n"), 200);
	assert_int_equal(status("GET /metrics?x=1 HTTP/1.1\r\n\r\n"), 200);
	assert_int_equal(status("GET / HTTP/1.1\r\n\r\n"), 404);
	assert_int_equal(status("GET /metricsx HTTP/1.1\r\n\r\n"), 404);
	assert_int_equal(status("GET /metric HTTP/1.1\r\n\r\n"), 404);
	assert_int_equal(status("POST /metrics HTTP/1.1\r\n\r\n"), 405);
	assert_int_equal(status("GETX /metrics HTTP/1.1\r\n\r\n"), 405);
	assert_int_equal(status("GET /metrics\r\n\r\n"), 400);
	assert_int_equal(status("GET /metrics HTTP/2.0\r\n\r\n"), 400);
	assert_int_equal(status("GET /metrics HTTP/1.1x\r\n\r\n"), 400);
	assert_int_equal(status("garbage"), 400);
	assert_int_equal(status(""), 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_non_loopback_needs_permission),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_routes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
