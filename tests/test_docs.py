"""The README's promises that a file can check: the quick-start commands and CI agree."""

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
