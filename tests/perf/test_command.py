"""`campaigndesk bench` refuses bad arguments before it prepares or starts anything."""

import pytest
from django.core.management import CommandError, call_command


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "huge"], "invalid choice: 'huge'"),
        (["--db", "mysql"], "invalid choice: 'mysql'"),
        (["--duration", "0"], "--duration"),
        (["--concurrency", "-1"], "--concurrency"),
        (["--only", "units-list,nope"], "Unknown path"),
        (["--warmup", "-1"], "--warmup"),
        (["--json", "/no/such/folder/out.json"], "does not exist"),
        (["--growth", "--keep-server"], "--keep-server"),
    ],
)
def test_bench_refuses_bad_arguments_with_a_command_error(args, message, monkeypatch):
    def must_not_run(*a, **kw):
        raise AssertionError("bench started although its arguments were bad")

    monkeypatch.setattr("campaigndesk.perf.management.commands.bench.bench_run", must_not_run)
    with pytest.raises(CommandError, match=message):
        call_command("bench", *args)


def test_bench_probe_refuses_an_unknown_path():
    with pytest.raises(CommandError, match="nope"):
        call_command("bench_probe", "--paths", "nope")
