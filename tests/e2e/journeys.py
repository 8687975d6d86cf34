"""What every journey test checks on each page it visits, at a phone's width (390 px) and a desk's
(1280 px): axe-core finds no violation, nothing is wider than the screen (no sideways scrolling), and a
full-page screenshot is saved for people to look at.

Screenshots go to ``build/screenshots/<test>/`` (or the folder ``CAPSTACK_SCREENSHOTS`` names), one PNG
per page and width, numbered in the order the journey visits them; the folder is not committed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

ROOT = Path(__file__).resolve().parents[2]
PHONE, DESK = 390, 1280
WIDTHS = (PHONE, DESK)
HEIGHT = 844

# The elements wider than the screen, innermost first, to say what overflows when a page does.
_TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const wide = [];
  for (const element of document.body.querySelectorAll('*')) {
    const box = element.getBoundingClientRect();
    if (box.right > width + 1 && getComputedStyle(element).position !== 'fixed') {
      const inner = [...element.children].some(child => child.getBoundingClientRect().right > width + 1);
      if (!inner) wide.push(element.outerHTML.slice(0, 120));
    }
  }
  return wide.slice(0, 5);
}"""


def screenshot_folder() -> Path:
    return Path(os.environ.get("CAPSTACK_SCREENSHOTS") or ROOT / "build" / "screenshots")


@dataclass
class Journey:
    """One journey test's server, its way to sign in, and the checks on the pages it visits."""

    base: str
    sign_in: object
    test_name: str
    visited: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def check(self, page, name: str) -> None:
        """Check the page as it is at both widths, save its screenshots, and go back to the phone width."""
        self.visited.append(name)
        folder = screenshot_folder() / re.sub(r"[^\w.-]+", "-", self.test_name)
        folder.mkdir(parents=True, exist_ok=True)
        problems = []
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            page.wait_for_timeout(50)  # layout after the resize
            too_wide = page.evaluate(_TOO_WIDE)
            if too_wide:
                problems.append(f"{name} at {width} px is wider than the screen: {too_wide}")
            violations = Axe().run(page).response["violations"]
            problems.extend(f"{name} at {width} px: axe {v['id']} ({v['impact']}): "
                            f"{v['nodes'][0]['html'][:160]}" for v in violations)
            page.screenshot(path=str(folder / f"{len(self.visited):02d}-{name}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": PHONE, "height": HEIGHT})
        assert problems == [], "\n".join(problems)
