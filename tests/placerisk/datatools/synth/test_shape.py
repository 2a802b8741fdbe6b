"""The generator's statistical shape against the public figures it is calibrated to."""

from __future__ import annotations

import duckdb
import pytest

from placerisk.config import parse_config
from placerisk.datatools.synth.catalogue import ETHNICITIES, ETHNICITY_SHARES


def _con(folder):
    con = duckdb.connect()
    for name in ("persons", "families", "areas", *parse_config(None).sources):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM '{folder}/{name}.parquet'")
    # Members through the whole of 2022, with age at mid-year.
    con.execute("""
        CREATE VIEW py AS SELECT p.*, a.deprivation_decile AS decile, a.team,
          date_diff('month', make_date(birth_year, birth_month, 1), DATE '2022-07-01') // 12 AS age
        FROM persons p JOIN families USING (family_id) JOIN areas a USING (area_code)
        WHERE member_from <= DATE '2022-01-01' AND (member_to IS NULL OR member_to > DATE '2023-01-01')""")
    return con


def _one(con, sql):
    return con.execute(sql).fetchone()[0]


def test_ethnicity_shares_follow_the_census(population):
    con = _con(population[0])
    shares = dict(con.execute("SELECT ethnicity, count(*) / sum(count(*)) OVER () FROM persons GROUP BY 1").fetchall())
    not_stated = shares.pop("Not stated")
    assert 0.02 < not_stated < 0.04
    stated = sum(shares.values())
    for group, expected in zip(ETHNICITIES, ETHNICITY_SHARES):
        assert shares[group] / stated == pytest.approx(expected, rel=0.12, abs=0.004), group


def test_children_in_need_near_333_per_10000_children(population):
    con = _con(population[0])
    rate = _one(con, """SELECT avg((c.person_id IS NOT NULL)::INT) FROM py LEFT JOIN
        (SELECT DISTINCT person_id FROM social_care WHERE event_type = 'child_in_need' AND year(event_date) = 2022) c
        USING (person_id) WHERE age BETWEEN 0 AND 17""")
    assert 0.025 < rate < 0.042


def test_persistent_absence_about_a_fifth_of_pupils_a_term(population):
    con = _con(population[0])
    rate = _one(con, """SELECT count(*) / (SELECT 3 * count(*) FROM py WHERE age BETWEEN 5 AND 15)
        FROM education JOIN py USING (person_id)
        WHERE event_type = 'persistent_absence' AND year(event_date) = 2022 AND age BETWEEN 5 AND 15""")
    assert 0.17 < rate < 0.23


def test_violent_injury_admissions_concentrate_in_young_men_and_deprived_areas(population):
    con = _con(population[0])
    share_young_men = _one(con, """SELECT avg((sex = 'M' AND age BETWEEN 15 AND 29)::INT) FROM health JOIN py USING (person_id)
        WHERE event_type = 'violent_injury_admission' AND year(event_date) = 2022""")
    pop_share = _one(con, "SELECT avg((sex = 'M' AND age BETWEEN 15 AND 29)::INT) FROM py")
    assert share_young_men > 3 * pop_share
    per_100k = _one(con, "SELECT 1e5 * count(*) / (SELECT count(*) FROM py) FROM health JOIN py USING (person_id) WHERE event_type = 'violent_injury_admission' AND year(event_date) = 2022")
    assert 15 < per_100k < 120
    # All years pooled: the most deprived fifth against the least (public figure: about 5x).
    ratio = _one(con, """WITH p AS (SELECT p.person_id, a.deprivation_decile AS d FROM persons p JOIN families USING (family_id) JOIN areas a USING (area_code)),
        e AS (SELECT person_id, count(*) AS n FROM health WHERE event_type = 'violent_injury_admission' GROUP BY 1),
        r AS (SELECT d <= 2 AS most, sum(coalesce(n, 0)) / count(*) AS rate FROM p LEFT JOIN e USING (person_id) WHERE d <= 2 OR d >= 9 GROUP BY 1)
        SELECT max(rate) FILTER (WHERE most) / max(rate) FILTER (WHERE NOT most) FROM r""")
    assert 3.0 < ratio < 8.0


def test_teams_are_unequal_and_deprived_areas_hold_more_children(population):
    con = _con(population[0])
    sizes = [n for _, n in con.execute("SELECT team, count(*) FROM families JOIN areas USING (area_code) GROUP BY 1 ORDER BY 2 DESC").fetchall()]
    assert len(sizes) == len(parse_config(None).teams)
    assert sizes[0] > 2.5 * sizes[-1]
    children = dict(con.execute("""SELECT decile <= 2, count(*) FILTER (WHERE age < 18) / count(DISTINCT family_id) FROM py GROUP BY 1""").fetchall())
    assert children[True] > children[False]
    families_share_most = _one(con, "SELECT avg((deprivation_decile <= 2)::INT) FROM families JOIN areas USING (area_code)")
    assert families_share_most > 0.2  # over-represented: more than their fifth


def test_every_stream_has_every_configured_event_type_and_sane_dates(population):
    folder, manifest = population
    config = parse_config(None)
    con = _con(folder)
    for source, spec in config.sources.items():
        codes = {r[0] for r in con.execute(f"SELECT DISTINCT event_type FROM {source}").fetchall()}
        assert codes == set(spec.event_types), source
        bad = _one(con, f"""SELECT count(*) FROM {source} WHERE recorded_date < event_date
            OR recorded_date > DATE '{config.synth.extract_date}' OR event_date < DATE '{config.synth.start_date}'""")
        assert bad == 0, source
    # Lags differ by partner: police within days, health within weeks, education by term.
    lag = dict(con.execute("""SELECT 'police', median(recorded_date - event_date) FROM police UNION ALL
        SELECT 'health', median(recorded_date - event_date) FROM health UNION ALL
        SELECT 'education', median(recorded_date - event_date) FROM education WHERE event_type = 'persistent_absence'""").fetchall())
    assert lag["police"] <= 3 < lag["health"] <= 40 < lag["education"] + 20
    assert manifest["events"] == sum(manifest["rows"][s] for s in config.sources)


def test_no_duplicate_rows_and_ids_look_pseudonymised(population):
    con = _con(population[0])
    assert _one(con, "SELECT count(*) - count(DISTINCT (person_id, event_type, event_date, recorded_date)) FROM police") == 0
    assert _one(con, "SELECT count(*) FROM persons WHERE NOT regexp_full_match(person_id, '[0-9a-f]{16}')") == 0
    assert _one(con, "SELECT count(*) - count(DISTINCT person_id) FROM persons") == 0
