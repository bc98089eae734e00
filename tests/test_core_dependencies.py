"""Every library the application imports is pinned in requirements.txt, the file a production
installation uses (requirements-dev.txt adds the tools for tests and benchmarks)."""

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pinned(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            name, _sep, version = line.partition("==")
            pins[_canonical(name.split("[")[0])] = version
    return pins


def _imported_modules() -> set[str]:
    modules = set()
    for source in [*ROOT.joinpath("consult").rglob("*.py"), ROOT / "config.py", ROOT / "wsgi.py"]:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"consult", "config", "__future__"}


def test_every_library_the_app_imports_is_pinned_for_production():
    pinned = _pinned(ROOT / "requirements.txt")
    distributions = packages_distributions()
    missing = {
        module: distributions.get(module)
        for module in _imported_modules()
        if not any(_canonical(d) in pinned for d in distributions.get(module, []))
    }
    assert not missing, f"imported by the app but not in requirements.txt: {missing}"


def test_every_requirement_is_pinned_to_one_version():
    for path in (ROOT / "requirements.txt", ROOT / "requirements-dev.txt"):
        for name, version in _pinned(path).items():
            assert re.fullmatch(r"\d+(\.\d+)*", version), f"{path.name}: {name} is not pinned"
