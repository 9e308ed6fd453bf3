"""The README's configuration snippet is a whole configuration: it parses and builds a stack as it stands."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from app import build_app
from stacks.config import parse

ROOT = Path(__file__).resolve().parents[2]


def readme_configuration() -> str:
    section = (ROOT / "README.md").read_text().split("## Configuration", 1)[1]
    found = re.search(r"^```toml\n(.*?)^```", section, flags=re.S | re.M)
    assert found, "the README's Configuration section shows the file's shape in a toml block"
    return found.group(1)


def test_the_readme_configuration_snippet_is_a_valid_configuration(tmp_path: Path) -> None:
    config = parse(tomllib.loads(readme_configuration()))
    assert list(config.environments) == ["minimal"]
    assert len(config.environments["minimal"].instance_variants) == 1
    app = build_app(config, outdir=str(tmp_path))  # the constructs' own rules: raises ConfigError on a problem
    assert app.node.try_find_child("ModelServing-minimal") is not None
