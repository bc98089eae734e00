"""The load test script only ever targets this machine, within fixed bounds."""

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "loadtest.py"


@pytest.fixture(scope="module")
def loadtest():
    spec = importlib.util.spec_from_file_location("loadtest", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["loadtest"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("loadtest", None)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org:8000",
        "http://10.0.0.5:8000",
        "http://localhost.evil.example:8000",
        "https://127.0.0.1:8443",
        "http://127.0.0.2:8000",
        "http://[::ffff:93.184.216.34]:80",
    ],
)
def test_loadtest_refuses_any_target_but_loopback(loadtest, url, capsys):
    with pytest.raises(SystemExit) as stopped:
        loadtest.main(["run", "--base-url", url, "--duration", "1"])
    assert stopped.value.code == 2
    assert "only http://127.0.0.1" in capsys.readouterr().err


def test_loadtest_accepts_loopback(loadtest):
    assert loadtest.loopback_target("http://127.0.0.1:8000") == ("127.0.0.1", 8000)


@pytest.mark.parametrize(
    "option", [["--duration", "601"], ["--max-requests", "200001"], ["--participants", "0"]]
)
def test_loadtest_is_bounded_in_time_requests_and_participants(loadtest, option, capsys):
    with pytest.raises(SystemExit) as stopped:
        loadtest.main(["run", *option])
    assert stopped.value.code == 2
    assert "must be between" in capsys.readouterr().err


def test_loadtest_reads_the_csrf_token_from_a_rendered_form(loadtest):
    page = '<form><input id="csrf_token" name="csrf_token" type="hidden" value="abc.def-1"></form>'
    assert loadtest.csrf_token(page) == "abc.def-1"
    assert loadtest.csrf_token("<p>no form</p>") is None
