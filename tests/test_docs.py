"""The README's and the docs' promises that a file can check: the quick-start commands and
CI agree, every link resolves, every command and page is listed, the layout drawn exists."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```\n(.+?)\n```", section)


def test_quick_start_has_exactly_two_commands_run_and_test():
    commands = quick_start_commands()
    assert len(commands) == 2
    assert "streamlit run app.py" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim():
    assert quick_start_commands()[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_requirements_are_pinned():
    for name in ("requirements.txt", "requirements-test.txt"):
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "-r")):
                assert "==" in line, f"{name}: {line!r} is not pinned"


def test_vendored_assets_carry_their_licences():
    vendor = ROOT / "static" / "vendor"
    for package in ("leaflet", "leaflet-sync"):
        assert any(p.name.upper().startswith("LICENSE") for p in (vendor / package).iterdir()), package


DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(markdown: str) -> set[str]:
    """GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_link_in_the_readme_and_docs_resolves():
    broken = []
    for page in DOCS:
        text = page.read_text(encoding="utf-8")
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue  # an address outside the repository: not checked offline
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            if not resolved.exists():
                broken.append(f"{page.name}: {target} (no such file)")
            elif (
                anchor
                and resolved.suffix == ".md"
                and anchor not in anchors(resolved.read_text(encoding="utf-8"))
            ):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken, broken


def test_every_docs_page_is_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in DOCS[1:]:
        assert f"docs/{page.name}" in readme, f"docs/{page.name} is not linked from the README"


def test_every_command_is_in_the_readme_table_and_the_command_line_page():
    from layers.cli import parser

    commands = re.search(r"\{([\w,-]+)\}", parser().format_usage()).group(1).split(",")
    assert "export-png" in commands
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    reference = (ROOT / "docs" / "command-line.md").read_text(encoding="utf-8")
    for name in commands:
        assert f"python -m layers {name}" in readme, f"{name} is not in the README's command table"
        assert f"python -m layers {name}" in reference, f"{name} is not in docs/command-line.md"


def test_the_readme_layout_draws_folders_and_files_that_exist():
    block = (ROOT / "README.md").read_text(encoding="utf-8").split("## Layout", 1)[1].split("```")[1]
    parent = ROOT
    missing = []
    for line in block.splitlines():
        names = line.split("  ")[0].strip() if not line.startswith(" ") else line.strip().split("   ")[0]
        if not line.startswith(" "):
            parent = ROOT / names.split()[0].rstrip("/") if names.endswith("/") else ROOT
        for name in re.findall(r"[\w.]+/|[\w]+\.py", names):
            base = ROOT if not line.startswith(" ") else parent
            if not (base / name.rstrip("/")).exists():
                missing.append(f"{name} (under {base.relative_to(ROOT) if base != ROOT else '.'})")
    assert not missing, missing


def test_ci_runs_the_linters_the_contributors_run():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    hooks = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    for tool in (".venv/bin/ruff check .", ".venv/bin/ruff format --check .", ".venv/bin/mypy"):
        assert tool in ci, tool
    for entry in ("ruff format", "ruff check", "mypy"):
        assert f".venv/bin/{entry}" in hooks, entry
