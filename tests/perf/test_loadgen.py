"""The wrk Lua script and the reading of its output, without running wrk."""

import pytest

from campaigndesk.perf.loadgen import (
    Request,
    lua_script,
    lua_string,
    parse_wrk_output,
    percentile,
)

SAMPLE = """\
Running 5s test @ http://127.0.0.1:40123/desk/org/units/
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    14.21ms    3.02ms  61.33ms   88.10%
    Req/Sec   563.40     41.22   640.00     70.00%
  2817 requests in 5.00s, 41.19MB read
  Non-2xx or 3xx responses: 3
Requests/sec:    563.08
Transfer/sec:      8.23MB
BENCH_RESULT {"requests": 2817, "duration_us": 5002843, "bytes": 43190000, \
"errors_connect": 0, "errors_read": 1, "errors_write": 0, "errors_status": 3, \
"errors_timeout": 2, "p50_us": 13502, "p95_us": 19876, "p99_us": 27011, \
"max_us": 61330, "mean_us": 14210.4}
"""


def test_the_parser_turns_wrk_output_into_requests_latency_and_errors():
    m = parse_wrk_output(SAMPLE)

    assert m.requests == 2817
    assert m.duration_s == pytest.approx(5.002843)
    assert m.rps == pytest.approx(2817 / 5.002843)
    assert (m.p50_ms, m.p95_ms, m.p99_ms) == pytest.approx((13.502, 19.876, 27.011))
    assert m.errors == 6  # one read error, three non-2xx/3xx, two timeouts


def test_the_parser_complains_when_the_script_printed_nothing():
    with pytest.raises(ValueError, match="BENCH_RESULT"):
        parse_wrk_output("Running 5s test @ http://127.0.0.1:1/\nunable to connect\n")


def test_lua_strings_escape_quotes_backslashes_newlines_and_utf8():
    assert lua_string('a "b" \\ c') == '"a \\"b\\" \\\\ c"'
    assert lua_string("x\ny") == '"x\\010y"'
    assert lua_string("建") == '"\\229\\187\\186"'  # the three UTF-8 bytes


def test_the_script_sets_method_headers_and_body_and_reports_in_done():
    script = lua_script(Request("POST", "http://127.0.0.1:1/s", {"X-CSRFToken": "abc"}, "title=x"))

    assert 'wrk.method = "POST"' in script
    assert 'wrk.headers["X-CSRFToken"] = "abc"' in script
    assert 'wrk.body = "title=x"' in script
    assert "done = function(summary, latency, requests)" in script
    assert "latency:percentile(95)" in script
    assert "request = function()" not in script  # a fixed body keeps wrk's fast path


def test_a_body_with_a_counter_gets_a_request_function_that_numbers_each_one():
    script = lua_script(Request("POST", "http://127.0.0.1:1/s", {}, "title=t{n}"))

    assert "request = function()" in script
    assert 'body_template = "title=t{n}"' in script


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 99) == 99.0
    assert percentile([], 95) == 0.0
