"""The HTML report in headless Chromium with no network: every chart is drawn.

Debian's chromium (``/usr/bin/chromium``, installed by ``make system-deps``) loads the file with
background networking off and every host unresolvable; the page's CSP forbids connections too.
The DOM after the scripts ran must hold an ``<svg>`` with marks in every chart, and a screenshot
must show the network colours.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from _chromium import CHROMIUM, CHROMIUM_ARGS
from hostile import Built, need_tool

from socialroi.report.charts import NETWORK_COLOURS


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    need_tool(CHROMIUM, "chromium")
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            *CHROMIUM_ARGS,
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: no network at all
            "--virtual-time-budget=20000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_charts_render_offline(built: Built, tmp_path: Path) -> None:
    run = _chromium(tmp_path, "--dump-dom", built.html.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    charts = re.findall(r'<div class="chart[^"]*"[^>]*id="chart-([a-z_]+)"', dom)
    figures = [f.name for _, c in built.report.sections for f in c.figures]
    assert sorted(charts) == sorted(figures)
    assert 'data-error="' not in dom
    assert dom.count('data-rendered="true"') == len(figures)
    for name in figures:
        block = dom.split(f'id="chart-{name}"', 1)[1].split("</figure>", 1)[0]
        assert "<svg" in block, name
        assert re.search(r'<path[^>]+d="M', block), name  # marks were drawn


def test_screenshot_shows_network_colours(built: Built, tmp_path: Path) -> None:
    from PIL import Image

    shot = tmp_path / "shot.png"
    size = "--window-size=1100,2600"
    run = _chromium(tmp_path, f"--screenshot={shot}", size, built.html.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    pixels = {rgb for _, rgb in Image.open(shot).convert("RGB").getcolors(maxcolors=1 << 24) or []}
    colours = {tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in NETWORK_COLOURS.values()}
    drawn = colours & pixels
    assert len(drawn) >= 3, f"chart colours on screen: {drawn}"
