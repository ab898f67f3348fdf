"""Make docs/report.png, the README's screenshot of a weekly report, from the bundled example data.

    make report-png          (or: .venv/bin/python docs/make_report_png.py [--week 2026-W45] [--out PNG])

Everything happens in a temporary folder with its own settings.toml and SQLite database: the
example mentions are imported with `monitor import`, the survey and customer files too when this
install has those commands (they feed the satisfaction index and the business metrics), then
`monitor report` writes the HTML and headless Chromium (`apt-get install chromium`) takes the
screenshot, offline. Nothing in the repository changes except the PNG.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "acme"
MONITOR = str(Path(sys.executable).with_name("monitor"))

SETTINGS = """\
timezone = "Europe/Istanbul"

[storage]
url = "sqlite:///monitor.db"

[[brands]]
name = "acme"
display_name = "Acme"
query = '("acme corp" OR acme OR acmeapp) -hiring'

[[brands]]
name = "globex"
display_name = "Globex"
query = "globex -hiring"
"""


def monitor(config: Path, *args: str, optional: bool = False) -> bool:
    proc = subprocess.run([MONITOR, "--config", str(config), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        if optional:
            print(f"  (skipped: monitor {' '.join(args[:2])}: {proc.stderr.strip()})")
            return False
        sys.exit(f"monitor {' '.join(args)} failed:\n{proc.stderr}")
    print(f"  monitor {' '.join(a if '/' not in a else Path(a).name for a in args)}")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--week", default="2026-W45", help="ISO week of the example data (W42-W47)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report.png", help="PNG to write")
    parser.add_argument("--size", default="1000,1500", help="browser window WIDTH,HEIGHT in pixels")
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        sys.exit("chromium not found: apt-get install chromium")
    with tempfile.TemporaryDirectory(prefix="report-png-") as tmp:
        work = Path(tmp)
        config = work / "settings.toml"
        config.write_text(SETTINGS, encoding="utf-8")
        print(f"example data into {work}:")
        monitor(config, "import", str(EXAMPLES / "social.jsonl"))
        monitor(config, "import", str(EXAMPLES / "reviews.csv"))
        surveys, acme = EXAMPLES / "surveys", ("--brand", "acme")
        if monitor(
            config,
            "surveys",
            "import",
            str(surveys / "csat_acme.csv"),
            "--metric",
            "csat",
            *acme,
            optional=True,
        ):
            monitor(config, "surveys", "import", str(surveys / "nps_acme.csv"), "--metric", "nps", *acme)
            monitor(config, "customers", "import", str(surveys / "customers_acme.csv"), *acme, optional=True)
            # Index snapshots of the six example weeks, for the trend chart.
            for i in range(6):
                monday = date(2026, 10, 12) + timedelta(weeks=i)
                monitor(config, "index", "--at", monday.isoformat(), "--save", optional=True)
        monitor(config, "report", "--week", args.week, "--format", "html", "--output", str(work / "out"))
        html = work / "out" / f"report-{args.week}.html"
        args.out.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-proxy-server",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--disable-background-networking",
            "--no-first-run",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={work / 'profile'}",
            f"--window-size={args.size}",
            f"--screenshot={args.out}",
            html.as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0 or not args.out.is_file():
            sys.exit(f"chromium failed:\n{proc.stderr[-2000:]}")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
