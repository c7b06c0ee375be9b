"""The house rules a file can check: the library never imports streamlit, rooms stay small,
every module says what it exports, nobody reaches into another module's private names,
and every library module has a test module of the same name."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

LIBRARY = ROOT / "layers"
#: Where the project's own Python lives (vendored and generated files are not ours).
PROJECT_DIRS = ("layers", "views", "tests", "benchmarks", "reports", "geodata", "deploy")
MAX_MODULE_LINES = 600
MAX_APP_LINES = 150
#: Library modules tested under another name.
TESTED_AS = {"layers/__main__.py": "tests/test_cli.py"}


def python_files() -> list[Path]:
    files = [ROOT / "app.py"]
    for folder in PROJECT_DIRS:
        files += sorted((ROOT / folder).rglob("*.py"))
    return [f for f in files if "__pycache__" not in f.parts]


def library_modules() -> list[Path]:
    return sorted(path for path in LIBRARY.rglob("*.py") if "__pycache__" not in path.parts)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_the_library_imports_without_streamlit():
    names = [module_name(path) for path in library_modules() if path.name != "__main__.py"]
    script = (
        "import sys\n"
        "sys.modules['streamlit'] = None  # any import of streamlit now raises ImportError\n"
        "import importlib\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = [m for m in sys.modules if m.startswith('streamlit') and sys.modules[m] is not None]\n"
        "assert not leaked, leaked\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(names) > 20, "every library module was imported"


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_a_room_too_big_to_know(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    limit = MAX_APP_LINES if path == ROOT / "app.py" else MAX_MODULE_LINES
    assert lines <= limit, f"{path.relative_to(ROOT)} has {lines} lines; split it by job (at most {limit})"


@pytest.mark.parametrize("path", library_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_library_module_declares_what_it_exports(path):
    if path.name == "__main__.py":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    declared = [
        node.value
        for node in tree.body
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
        )
        or (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == "__all__"
        )
    ]
    assert declared and declared[0] is not None, f"{path.relative_to(ROOT)} has no __all__"
    names = ast.literal_eval(declared[0])
    defined = _top_level_names(tree)
    missing = [name for name in names if name not in defined]
    assert not missing, (
        f"{path.relative_to(ROOT)}: __all__ names {missing}, which it does not define or import"
    )


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                elements = target.elts if isinstance(target, ast.Tuple) else [target]
                names |= {t.id for t in elements if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_imports_another_modules_private_names(path):
    """``from x import _y`` reaches past ``x``'s public surface (attribute access, ``x._y``,
    is ruff's SLF001); dunder names are not private."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    private = [
        f"line {node.lineno}: from {'.' * node.level}{node.module or ''} import {alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]
    assert not private, f"{path.relative_to(ROOT)}: " + "; ".join(private)


@pytest.mark.parametrize("path", library_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_library_module_has_a_test_module(path):
    if path.name == "__init__.py":
        return
    relative = path.relative_to(ROOT).as_posix()
    expected = TESTED_AS.get(relative)
    if expected is None:
        inside = path.relative_to(LIBRARY)
        expected = (Path("tests") / inside.parent / f"test_{inside.name}").as_posix()
    assert (ROOT / expected).is_file(), f"{relative} has no test module {expected}"
