"""The path registry: every registered path answers its user in the test database."""

import pytest

from campaigndesk.perf import paths as bench_paths
from campaigndesk.perf.paths import BASELINE, PATHS, BenchPath
from campaigndesk.perf.probe import probe

# Public pages whose content is kept for a minute: the same for every visitor.
SERVED_FROM_CACHE = {"portal-home"}


def test_every_registered_path_answers_its_user_with_the_expected_status(world):
    result = probe(PATHS)["paths"]

    assert set(result) == {p.name for p in PATHS}
    for path in PATHS:
        entry = result[path.name]
        assert "error" not in entry, (path.name, entry.get("error"))
        assert entry["status"] == path.expect, (path.name, entry["url"], entry["status"])
        if path.name in SERVED_FROM_CACHE:
            # The probe counts the second of two requests: the first filled the cache.
            assert entry["queries"] == 0, path.name
        else:
            assert entry["queries"] >= 1, path.name  # every other path reaches the database


def test_token_paths_use_a_bearer_token_and_session_paths_a_cookie(world):
    result = probe([p for p in PATHS if p.name in ("api-units", "units-list")])["paths"]

    assert result["api-units"]["auth"] == "token"
    assert result["api-units"]["headers"]["Authorization"].startswith("Bearer ")
    assert result["units-list"]["auth"] == "session"
    assert "sessionid=" in result["units-list"]["headers"]["Cookie"]


def test_a_session_post_carries_the_csrf_token_and_passes_the_check(world):
    post = BenchPath(
        "logout", "/accounts/logout/", method="POST", auth="session", body={"x": "{n}"}, expect=302
    )
    entry = probe([post])["paths"]["logout"]

    assert entry["headers"]["X-CSRFToken"] in entry["headers"]["Cookie"]
    assert entry["status"] == 302  # 403 if the CSRF check failed


def test_a_url_callable_gets_the_bench_user(world):
    deep = BenchPath("mine", lambda user: f"/desk/org/units/?q={user.username}", auth="session")
    entry = probe([deep])["paths"]["mine"]

    assert entry["url"] == "/desk/org/units/?q=office"
    assert entry["status"] == 200


def test_a_path_that_fails_to_resolve_is_reported_not_raised(world):
    broken = BenchPath("broken", lambda user: 1 / 0, auth="session")
    entry = probe([broken])["paths"]["broken"]

    assert entry["error"].startswith("ZeroDivisionError")


def test_path_names_are_unique_and_the_baseline_comes_first():
    names = [p.name for p in PATHS]
    assert len(names) == len(set(names))
    assert names[0] == BASELINE


def test_selecting_paths_keeps_the_baseline_first():
    selected = bench_paths.select(["units-list", "api-units"])
    assert [p.name for p in selected] == [BASELINE, "units-list", "api-units"]


def test_selecting_an_unknown_path_names_it():
    with pytest.raises(KeyError, match="nope"):
        bench_paths.select(["units-list", "nope"])


def test_a_path_refuses_an_unknown_auth():
    with pytest.raises(ValueError, match="auth"):
        BenchPath("x", "/", auth="cookie")  # type: ignore[arg-type]


def test_an_anonymous_post_carries_the_csrf_pair_too(world):
    post = BenchPath("anon", "/accounts/login/", method="POST", body={"username": "x{n}"})
    entry = probe([post])["paths"]["anon"]

    assert entry["headers"]["X-CSRFToken"] in entry["headers"]["Cookie"]
    assert entry["status"] == 200  # the form again with its error; 403 if CSRF failed
