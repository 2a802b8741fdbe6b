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


MEASURE = """<script>
window.addEventListener("load", () => {
  const box = (id) => document.getElementById(id).getBoundingClientRect();
  document.body.dataset.summaryBottom = Math.round(box("summary").bottom + window.scrollY);
  document.body.dataset.decidingBottom = Math.round(box("deciding").bottom + window.scrollY);
  document.body.dataset.findingsTop = Math.round(document.querySelectorAll("section")[2].getBoundingClientRect().top);
});
</script></body>"""


@pytest.fixture(scope="module")
def panel_html() -> str:
    """A list formed by the caller (each team's places), a planted gap in missed families for one group."""
    rng = np.random.default_rng(7)
    n = 6000
    sens = pd.DataFrame({"ethnicity": rng.choice(["Black", "White"], n, p=[0.3, 0.7]), "sex": rng.choice(["F", "M"], n),
                         "deprivation_quintile": rng.choice(["1", "2", "3"], n)})
    y = (rng.random(n) < 0.2).astype(int)
    score = rng.random(n) + 0.6 * y - 0.5 * y * (sens["ethnicity"] == "Black").to_numpy()
    listed = np.zeros(n, dtype=bool)
    listed[np.argsort(-score, kind="stable")[:900]] = True
    result = audit(y, score, sens, selected=listed, policy=FairnessPolicy(n_boot=40), random_state=0,
                   list_description={"description": "each team's top families for 13 weeks: 900 of 6,000", "tie_break": "by score"},
                   group_names={"deprivation_quintile": {"1": "families in deprivation quintile 1 (most deprived)"}})
    assert result.traffic_light == "red"
    return render_all(result, {"model": "test model"})["report.html"]


def test_the_one_page_summary_shows_the_light_the_grid_and_the_deciding_finding_ids(tmp_path, panel_html):
    done = _open(tmp_path, panel_html.replace("</body>", MEASURE), "--dump-dom", "--window-size=1200,1000",
                 "--virtual-time-budget=5000", "--run-all-compositor-stages-before-draw")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    summary = dom[dom.index('<section id="summary">'):dom.index('<section id="deciding">')]
    assert "Traffic light: RED" in summary
    assert "each team's top families for 13 weeks: 900 of 6,000" in summary  # the operating point in team terms
    assert 'class="cell-red">RED: Black outside' in summary  # the grid: attribute x primary metric, each cell lit
    assert summary.count('class="cell-') == 3  # three attributes, recall and false-negative rate one column
    deciding = dom[dom.index('<section id="deciding">'):]
    deciding = deciding[:deciding.index("</section>")]
    assert '<span class="finding-id">F-ethnicity-Black-recall</span>' in deciding
    assert dom.index('id="summary"') < dom.index("<h2>Findings</h2>")
    bottom = int(dom.split('data-deciding-bottom="')[1].split('"')[0])
    assert 0 < bottom <= 1000, f"the summary and deciding findings end at {bottom}px, below the first screen (1000px)"
