"""The four later partners (early years, fire and rescue, welfare, the community sector): their public figures, their
periodic returns, the community sector's reliability and reach, and the subset of partners a site writes."""

from __future__ import annotations

import dataclasses

import duckdb
import numpy as np
import pytest

from placerisk.datatools.synth import generate
from placerisk.datatools.synth.catalogue import SOURCES
from placerisk.datatools.synth.chunk import generate_chunk
from placerisk.datatools.synth.events import in_return
from placerisk.datatools.synth.population import make_areas

from .conftest import settings_from_defaults


def _con(folder):
    con = duckdb.connect()
    for name in ("persons", "families", "areas", *SOURCES):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM '{folder}/{name}.parquet'")
    con.execute(f"CREATE VIEW oracle AS SELECT * FROM '{folder}/truth/oracle.parquet'")
    return con


RECEPTION = """(SELECT p.* FROM persons p WHERE date_diff('month', make_date(birth_year, birth_month, 1), DATE '2022-06-01') BETWEEN 58 AND 69
    AND member_from <= DATE '2022-06-01' AND (member_to IS NULL OR member_to > DATE '2022-06-01'))"""


def test_about_a_third_of_reception_children_are_not_at_a_good_level_boys_more_often(population):
    con = _con(population[0])
    by_sex = dict(con.execute(f"""SELECT sex, avg((g.person_id IS NOT NULL)::INT) FROM {RECEPTION} r LEFT JOIN
        (SELECT person_id FROM early_years WHERE event_type = 'not_reaching_gld' AND year(event_date) = 2022) g USING (person_id)
        GROUP BY sex""").fetchall())
    overall = (by_sex["F"] + by_sex["M"]) / 2
    assert 0.27 < overall < 0.40  # public: 32.3% (England 2023/24); this population is more deprived
    assert by_sex["M"] > by_sex["F"] + 0.07  # public: 39.3% against 25.0%
    # Once a child: nobody has two profiles.
    assert con.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM early_years WHERE event_type = 'not_reaching_gld' GROUP BY person_id)").fetchone()[0] == 1


def test_early_years_arrive_in_the_annual_return_and_welfare_in_the_monthly_one(population):
    con = _con(population[0])
    early = con.execute("""SELECT count(*) FILTER (WHERE NOT (month(recorded_date) = 10 AND day(recorded_date) = 1)),
        count(*) FILTER (WHERE recorded_date < make_date(year(event_date) + (month(event_date) > 8)::INT, 10, 1)), count(*) FROM early_years""").fetchone()
    assert early[0] == 0 and early[1] == 0 and early[2] > 0
    welfare = con.execute("""SELECT count(*) FILTER (WHERE day(recorded_date) <> 15),
        count(*) FILTER (WHERE date_trunc('month', recorded_date) <= date_trunc('month', event_date)), count(*) FROM welfare""").fetchone()
    assert welfare[0] == 0 and welfare[1] == 0 and welfare[2] > 0
    # Fire and rescue within days.
    assert con.execute("SELECT median(recorded_date - event_date) FROM fire_and_rescue").fetchone()[0] <= 7


def test_in_return_moves_a_record_to_the_next_return():
    days = np.array(["2022-08-31", "2022-09-01", "2023-01-15"], dtype="datetime64[D]").astype(np.int32)
    assert in_return("annual", days).astype("datetime64[D]").astype(str).tolist() == ["2022-10-01", "2023-10-01", "2023-10-01"]
    assert in_return("monthly", days).astype("datetime64[D]").astype(str).tolist() == ["2022-09-15", "2022-10-15", "2023-02-15"]
    assert in_return("", days) is days
    with pytest.raises(ValueError, match="expected '', 'monthly' or 'annual'"):
        in_return("weekly", days)


def test_community_concerns_are_less_reliable_than_a_social_care_referral(population):
    con = _con(population[0])
    def mean_risk(sql):
        return con.execute(f"""SELECT avg(true_probability) FROM oracle WHERE as_of_date = DATE '2023-01-01' AND family_id IN
            (SELECT family_id FROM persons JOIN ({sql}) USING (person_id))""").fetchone()[0]
    everyone = con.execute("SELECT avg(true_probability) FROM oracle WHERE as_of_date = DATE '2023-01-01'").fetchone()[0]
    concern = mean_risk("SELECT person_id FROM community_sector WHERE year(event_date) = 2022")
    referral = mean_risk("SELECT person_id FROM social_care WHERE event_type = 'referral' AND year(event_date) = 2022")
    assert everyone < concern < 0.8 * referral  # a signal, with more false alarms


def _chunk(**changes):
    settings = dataclasses.replace(settings_from_defaults(6000, seed=11), **changes)
    rng = np.random.default_rng(np.random.SeedSequence(settings.seed, spawn_key=(2**31,)))
    return generate_chunk(settings, make_areas(settings.families, len(settings.teams), rng), 0, 0, settings.families)


def test_unseen_families_move_records_to_the_community_sector_not_the_population_rates():
    seen, unseen = _chunk(unseen_share=0.0), _chunk()
    count = {name: {s: len(c.events[s]["person"]) for s in SOURCES} for name, c in (("seen", seen), ("unseen", unseen))}
    statutory = [s for s in SOURCES if s != "community_sector"]
    ratio = sum(count["unseen"][s] for s in statutory) / sum(count["seen"][s] for s in statutory)
    assert ratio == pytest.approx(1.0, abs=0.03)  # the statutory rates stay where they were calibrated
    # The community sector logs the unseen families' concerns 2.5 times as often: 15% of families, +1.5 each.
    assert count["unseen"]["community_sector"] / count["seen"]["community_sector"] == pytest.approx(1 + 0.15 * 1.5, rel=0.08)


def test_a_site_writes_only_its_partners_and_each_partners_records_do_not_depend_on_the_others(tmp_path):
    settings = settings_from_defaults(3000, seed=5)
    generate(settings, tmp_path / "all", workers=1)
    generate(settings, tmp_path / "some", workers=1, sources=("police", "welfare"))
    assert not (tmp_path / "some" / "health.parquet").exists()
    for source in ("police", "welfare"):
        assert (tmp_path / "all" / f"{source}.parquet").read_bytes() == (tmp_path / "some" / f"{source}.parquet").read_bytes()
    with pytest.raises(ValueError, match="expected some of"):
        generate(settings, tmp_path / "bad", workers=1, sources=("probation",))
