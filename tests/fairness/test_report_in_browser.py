"""The fairness report as a panel member sees it: opened in a real headless browser (Debian's chromium; `make test` installs it)."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from placerisk.fairness import FairnessPolicy, audit, render_all

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("chromium not found: `make test` installs Debian's chromium package (apt-get install chromium)")
    return found


def _open(tmp_path, html: str, *extra: str) -> subprocess.CompletedProcess:
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    return subprocess.run([_chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *extra, page.as_uri()],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def report_html() -> str:
    rng = np.random.default_rng(3)
    n = 3000
    sens = pd.DataFrame({"ethnicity": rng.choice(["Asian", "Black", "White"], n), "sex": rng.choice(["F", "M"], n)})
    y = rng.integers(0, 2, n)
    result = audit(y, rng.random(n) + 0.2 * y, sens, k=300, intersections=[("ethnicity", "sex")], policy=FairnessPolicy(n_boot=20),
                   random_state=0)
    return render_all(result, {"model": "test model", "operating_point": "top 300"},
                      unavailable={"mitigation": "one group has too few listed families"})["report.html"]


def test_the_report_opens_with_its_light_summary_findings_and_charts(tmp_path, report_html):
    done = _open(tmp_path, report_html, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "<svg" in dom and "traffic light" in dom.lower()
    assert dom.lower().index("traffic light") < dom.index("<svg")  # the light comes before the charts
    assert "This section could not be computed: one group has too few listed families." in dom
    assert "http://" not in report_html and "https://" not in report_html  # self-contained: nothing fetched


def test_the_report_renders_a_first_screen(tmp_path, report_html):
    shot = tmp_path / "shot.png"
    done = _open(tmp_path, report_html, "--window-size=1200,1600", f"--screenshot={shot}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
