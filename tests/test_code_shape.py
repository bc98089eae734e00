"""The shape a newcomer can hold: no module in consult/ over 700 lines, no view over 30 lines,
no HTML cached with tokens substituted into it."""

import ast
import inspect
from pathlib import Path

CONSULT = Path(__file__).resolve().parent.parent / "consult"
MAX_MODULE_LINES = 700
MAX_VIEW_LINES = 30


def test_no_module_in_consult_is_over_700_lines():
    too_long = {
        str(path.relative_to(CONSULT.parent)): lines
        for path in CONSULT.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}


def _function_lines(function) -> int:
    """Lines of a function's definition, its docstring and body (not its decorators)."""
    source = Path(inspect.getsourcefile(function)).read_text(encoding="utf-8")
    first_line = function.__code__.co_firstlineno
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and first_line in (
            node.lineno,
            *(decorator.lineno for decorator in node.decorator_list),
        ):
            return node.end_lineno - node.lineno + 1
    raise AssertionError(f"no definition of {function.__qualname__} found")


def test_no_view_function_is_over_30_lines(app):
    views = {
        endpoint: inspect.unwrap(view)
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not endpoint.endswith(".static")
    }
    assert len(views) > 50  # every blueprint is registered
    too_long = {
        endpoint: lines
        for endpoint, view in views.items()
        if Path(inspect.getsourcefile(view)).is_relative_to(CONSULT)
        and (lines := _function_lines(view)) > MAX_VIEW_LINES
    }
    assert too_long == {}


def test_the_measure_counts_a_function_from_its_def_line_to_its_end():
    assert _function_lines(test_no_module_in_consult_is_over_700_lines) == 7
    assert _function_lines(_function_lines) == 11


def test_no_html_cache_substitutes_tokens():
    """The HTML caches (page_cache, thread_cache, reports/cache) swapped CSRF tokens and
    controls into cached pages through stand-ins; nothing of that kind may come back."""
    assert not (CONSULT / "page_cache.py").exists()
    assert not (CONSULT / "feedback" / "thread_cache.py").exists()
    assert not (CONSULT / "reports" / "cache.py").exists()
    suspicious = [
        str(path.relative_to(CONSULT.parent))
        for path in CONSULT.rglob("*.py")
        for word in ("BOOKKEEPING", "stand-in", "page_cache", "thread_cache")
        if word in path.read_text(encoding="utf-8")
    ]
    assert suspicious == []
