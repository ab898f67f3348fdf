"""The HTML report in a real browser: headless Chromium renders it with its charts, offline.

Chromium (Debian's `chromium` package; `.ci/run` installs it) loads the file with every network
path closed (no proxy, no DNS, no background services), dumps the DOM it built, and takes a desktop
and a phone-sized screenshot. The screenshots are kept in `test-artifacts/report-browser/` (git
ignored) for a person to look at. The check that can fail: the charts' own colours are counted in
the screenshot, so a chart that does not decode or does not display leaves them out.
"""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from monitor.config import load_settings
from monitor.report.charts import COLOURS
from monitor.report.write import write_report
from monitor.storage import schema
from monitor.storage.store import Store
from tests.conftest import ROOT, Env
from tests.report.test_data import NOW, WEEK, planted_rows
from tests.support.rows import insert_dicts

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "test-artifacts" / "report-browser"
SHARE_OF_VOICE_BLUE = (0x4C, 0x72, 0xB0)  # the share-of-voice bars and the index line: used by no CSS rule


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("chromium is not installed (`apt-get install chromium`; .ci/run installs it)")


def run_chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",  # root in a container
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-proxy-server",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: nothing can be fetched
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--no-first-run",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, timeout=120, check=False)


def colour_pixels(image: Image.Image, rgb: tuple[int, int, int], tolerance: int = 6) -> int:
    r0, g0, b0 = rgb
    return sum(
        n
        for n, (r, g, b) in image.convert("RGB").getcolors(maxcolors=1 << 24) or []
        if abs(r - r0) <= tolerance and abs(g - g0) <= tolerance and abs(b - b0) <= tolerance
    )


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@pytest.fixture
def report_html(env: Env, sqlite_store: Store) -> Path:
    env.write(brands='[[brands]]\nname = "acme"\nquery = "acme"\ndisplay_name = "Acme"\n\n'
              '[[brands]]\nname = "globex"\nquery = "globex"\n')  # fmt: skip
    insert_dicts(sqlite_store, planted_rows(), now=NOW)
    with sqlite_store.atomic() as conn:
        conn.execute(
            sa.insert(schema.index_snapshots),
            [
                {"brand": "acme", "period": "week", "period_start": date(2026, 11, d), "value": v,
                 "low": v - 5, "high": v + 5, "components": {}, "drivers": [], "computed_at": NOW}
                for d, v in ((2, 52.0), (9, 64.5), (16, 70.2))
            ],
        )  # fmt: skip
    written = write_report(
        load_settings(env.config), sqlite_store, WEEK, formats=["html"], output=env.dir / "out", now=NOW
    )
    return written.files[0]


def test_chromium_renders_the_report_with_its_charts(report_html: Path, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(report_html, ARTIFACTS / "report.html")
    url = report_html.resolve().as_uri()

    dom = run_chromium(tmp_path / "profile-dom", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
    html = dom.stdout.decode()
    # The DOM Chromium built: the report's sections and its six charts as PNG data.
    assert "<h2>Share of voice</h2>" in html and 'id="brand-acme"' in html and 'id="brand-globex"' in html
    imgs = html.count('src="data:image/png;base64,')
    assert imgs == 6, imgs  # share of voice; acme: daily, sources, index trend; globex: daily, sources

    for name, size in (("desktop", (1100, 3200)), ("phone", (390, 2400))):
        shot = ARTIFACTS / f"report-{name}.png"
        shot.unlink(missing_ok=True)
        proc = run_chromium(
            tmp_path / f"profile-{name}", f"--window-size={size[0]},{size[1]}", f"--screenshot={shot}", url
        )
        assert proc.returncode == 0 and shot.is_file(), proc.stderr.decode(errors="replace")[-2000:]
        image = Image.open(io.BytesIO(shot.read_bytes()))
        assert image.size == size
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 24) or []) > 200  # not a blank page
        # The charts are on screen: their colours cover a chart-sized area. The share-of-voice blue is
        # drawn only by charts; red is also the mention border, so its bar (thousands of pixels) must show.
        blue = colour_pixels(image, SHARE_OF_VOICE_BLUE)
        red = colour_pixels(image, hex_rgb(COLOURS["negative"]))
        minimum = 2_000 if name == "desktop" else 600
        assert blue > minimum, f"{name}: share-of-voice chart not visible ({blue} px)"
        assert red > minimum, f"{name}: daily sentiment chart not visible ({red} px)"
    print(f"\nscreenshots kept in {ARTIFACTS}")


def test_a_broken_chart_would_be_caught(tmp_path: Path) -> None:
    """The colour check is not vacuous: the same page with undecodable chart data shows none."""
    png = Image.new("RGB", (400, 200), SHARE_OF_VOICE_BLUE)
    buf = io.BytesIO()
    png.save(buf, format="PNG")
    good = base64.b64encode(buf.getvalue()).decode()
    pages = {"good": good, "broken": good[:40] + "!!!!" + good[44:]}
    counts = {}
    for name, data in pages.items():
        page = tmp_path / f"{name}.html"
        page.write_text(f'<!DOCTYPE html><meta charset="utf-8"><img src="data:image/png;base64,{data}">')
        shot = tmp_path / f"{name}.png"
        proc = run_chromium(
            tmp_path / f"p-{name}", "--window-size=600,400", f"--screenshot={shot}", page.as_uri()
        )
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
        counts[name] = colour_pixels(Image.open(shot), SHARE_OF_VOICE_BLUE)
    assert counts["good"] >= 400 * 200 * 0.95 and counts["broken"] == 0
