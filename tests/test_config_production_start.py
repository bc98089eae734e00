"""Production starts when SECRET_KEY is set before the process starts, as on a real server,
and refuses the development value or none."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
START = "from consult import create_app; app = create_app(); print(app.config['SECRET_KEY'][:4])"


def _start(tmp_path, **env):
    return subprocess.run(
        [sys.executable, "-c", START],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "REMBUK_CONFIG": "production",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite'}",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_starts_with_a_secret_from_the_environment(tmp_path):
    started = _start(tmp_path, SECRET_KEY="a-long-random-production-secret")
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "a-lo"


@pytest.mark.parametrize("secret", [None, "", "dev-only-not-secret"])
def test_production_refuses_no_secret_or_the_development_one(tmp_path, secret):
    env = {} if secret is None else {"SECRET_KEY": secret}
    started = _start(tmp_path, **env)
    assert started.returncode != 0
    assert "SECRET_KEY is not set" in started.stderr
