"""The README and the docs link only to files that exist (sections moved between them must stay reachable)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    links = re.findall(r"\]\(([^)\s#]+)(?:#[^)]*)?\)", page.read_text())
    relative = [link for link in links if not re.match(r"[a-z]+:", link)]
    broken = [link for link in relative if not (page.parent / link).exists()]
    assert not broken, f"{page.name} links to missing files: {broken}"


def test_the_readme_links_every_doc() -> None:
    readme = (ROOT / "README.md").read_text()
    unlinked = [p.name for p in PAGES[1:] if f"](docs/{p.name})" not in readme]
    assert not unlinked, f"docs the README does not link: {unlinked}"
