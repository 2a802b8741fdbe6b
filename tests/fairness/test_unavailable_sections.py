"""Reports say which sections could not be computed, and why, instead of leaving them out."""

import json
import re

import pytest

from placerisk.fairness import (
    FairnessPolicy,
    audit,
    mitigation_tradeoffs,
    render_all,
    to_dict,
    to_html,
    to_markdown,
)

from .conftest import make_population

REASON = "fairlearn failed: <b>degenerate</b> labels | group *C*"


@pytest.fixture(scope="module")
def result():
    y, score, sf = make_population(n=800, seed=4)
    return audit(y, score, sf, k=80, policy=FairnessPolicy(n_boot=20))


@pytest.fixture(scope="module")
def mitigation():
    y, score, sf = make_population(n=800, seed=4)
    return mitigation_tradeoffs(y, score, sf["ethnicity"], k=80, max_rows=500)


def _section(html: str, title: str) -> str:
    """The HTML of one section (from its heading to the end of the section)."""
    start = html.index(f"<h2>{title}</h2>")
    return html[start:html.index("</section>", start)]


def test_a_section_that_could_not_be_computed_shows_the_reason(result):
    reports = render_all(result, {"model": "m"}, proxy=None, mitigation=None,
                         unavailable={"proxy": REASON, "mitigation": "only one group has families with the outcome."})
    html, md, doc = reports["report.html"], reports["report.md"], json.loads(reports["report.json"])
    escaped = "fairlearn failed: &lt;b&gt;degenerate&lt;/b&gt; labels | group *C*"
    assert f"<p>This section could not be computed: {escaped}.</p>" in _section(html, "Proxy check")
    assert ("This section could not be computed: only one group has families with the outcome."
            in _section(html, "Mitigation options"))  # no second full stop
    assert "<b>degenerate" not in html
    assert html.index("Calibration by group") < html.index("Proxy check") < html.index("Mitigation options") \
        < html.index("Data and method notes")
    md_line = ("This section could not be computed: fairlearn failed: &lt;b&gt;degenerate&lt;/b&gt; labels "
               "\\| group \\*C\\*.")
    assert md_line in md.split("## Proxy check", 1)[1].split("## Mitigation options", 1)[0]
    assert doc["unavailable"] == {"proxy_check": REASON, "mitigation": "only one group has families with the outcome."}
    assert "proxy_check" not in doc and "mitigation" not in doc


def test_one_section_missing_the_other_given(result, mitigation):
    md = to_markdown(result, mitigation=mitigation, unavailable={"proxy": "no model inputs were given"})
    assert "This section could not be computed: no model inputs were given." in md
    assert "**Trade-offs**" in md  # the mitigation table is still there
    assert to_dict(result, mitigation=mitigation, unavailable={"proxy": "x"})["unavailable"] == {"proxy_check": "x"}


def test_existing_calls_are_unchanged(result):
    plain = render_all(result, {"model": "m"})
    assert plain == render_all(result, {"model": "m"}, unavailable=None) == render_all(result, {"model": "m"},
                                                                                      unavailable={})
    assert "could not be computed" not in plain["report.html"] + plain["report.md"]
    assert "unavailable" not in json.loads(plain["report.json"])
    assert "<h2>Proxy check</h2>" not in plain["report.html"]


@pytest.mark.parametrize("unavailable, error, message", [
    (["proxy"], TypeError, "unavailable must be a mapping {section: reason} with sections 'proxy' or 'mitigation'; "
                           "got list."),
    ({"charts": "x"}, ValueError, "unavailable names section 'charts'; expected 'proxy' or 'mitigation'."),
    ({"proxy": "  "}, ValueError, "unavailable['proxy'] must be a non-empty string (why the section could not be "
                                  "computed); got '  '."),
    ({"mitigation": None}, ValueError, "unavailable['mitigation'] must be a non-empty string"),
])
def test_unavailable_is_checked(result, unavailable, error, message):
    for render in (render_all, to_html, to_markdown, to_dict):
        with pytest.raises(error, match=re.escape(message)):
            render(result, unavailable=unavailable)


def test_a_section_cannot_be_both_given_and_missing(result, mitigation):
    with pytest.raises(ValueError, match=re.escape("mitigation was given and unavailable['mitigation'] says it "
                                                   "could not be computed; expected one or the other.")):
        render_all(result, mitigation=mitigation, unavailable={"mitigation": "failed"})
