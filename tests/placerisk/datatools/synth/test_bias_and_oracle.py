"""Recording bias does what it says, and the oracle is the true outcome probability."""

from __future__ import annotations

import duckdb
import numpy as np

BIASED = "('domestic_abuse', 'missing_episode', 'violence_suspect', 'weapon_offence', 'asb')"


def _rates(folder):
    """Police events per person by recording group: biased contact types, and unbiased victim events."""
    con = duckdb.connect()
    return {
        row[0]: (row[1], row[2])
        for row in con.execute(f"""
        WITH p AS (SELECT p.person_id, (p.ethnicity = 'Black') AS black, a.deprivation_decile = 1 AS most_deprived
                   FROM '{folder}/persons.parquet' p JOIN '{folder}/families.parquet' USING (family_id) JOIN '{folder}/areas.parquet' a USING (area_code)),
        e AS (SELECT person_id, count(*) FILTER (WHERE event_type IN {BIASED}) AS contact, count(*) FILTER (WHERE event_type = 'violence_victim') AS victim
              FROM '{folder}/police.parquet' GROUP BY 1)
        SELECT CASE WHEN black OR most_deprived THEN 'group' ELSE 'rest' END, sum(coalesce(contact, 0)) / count(*), sum(coalesce(victim, 0)) / count(*)
        FROM p LEFT JOIN e USING (person_id) GROUP BY 1""").fetchall()
    }


def test_recording_bias_inflates_police_contact_for_chosen_groups_only(population, unbiased_population):
    biased, unbiased = _rates(population[0]), _rates(unbiased_population)
    contact_ratio_group = biased["group"][0] / unbiased["group"][0]
    contact_ratio_rest = biased["rest"][0] / unbiased["rest"][0]
    assert 1.35 < contact_ratio_group < 1.65  # configured factor 1.5
    assert 0.95 < contact_ratio_rest < 1.05
    # Outcome (victim) events are not biased.
    assert 0.9 < biased["group"][1] / unbiased["group"][1] < 1.1


def test_same_seed_same_data_and_another_seed_differs(tmp_path):
    import pyarrow.parquet as pq

    from placerisk.datatools.synth import generate

    from .conftest import settings_from_defaults

    for name, seed, workers in (("a", 3, 1), ("b", 3, 2), ("c", 4, 1)):
        generate(settings_from_defaults(3_000, seed=seed, chunk_size=1_000), tmp_path / name, workers=workers)
    for file in ("persons", "police", "health", "education", "objections"):
        read = (lambda p: pq.read_table(p)) if file != "objections" else (lambda p: duckdb.sql(f"SELECT * FROM '{p}'").to_arrow_table())
        ext = "csv" if file == "objections" else "parquet"
        a, b, c = (read(tmp_path / n / f"{file}.{ext}") for n in "abc")
        assert a.equals(b), file  # same seed, any number of workers: identical
        assert not a.equals(c), file
    assert pq.read_table(tmp_path / "a" / "truth" / "oracle.parquet").equals(pq.read_table(tmp_path / "b" / "truth" / "oracle.parquet"))


def test_oracle_probability_matches_the_observed_outcome_rate(population):
    """Calibration of the oracle: in bins of true probability, the observed outcome share agrees."""
    folder = population[0]
    con = duckdb.connect()
    frame = con.execute(f"""
        WITH o AS (SELECT * FROM '{folder}/truth/oracle.parquet'),
        members AS (SELECT o.family_id, o.as_of_date, p.person_id FROM o JOIN '{folder}/persons.parquet' p USING (family_id)
                    WHERE p.member_from <= o.as_of_date AND (p.member_to IS NULL OR p.member_to > o.as_of_date)),
        outcome AS (SELECT person_id, event_date FROM '{folder}/health.parquet' WHERE event_type = 'violent_injury_admission'
                    UNION ALL SELECT person_id, event_date FROM '{folder}/police.parquet' WHERE event_type = 'violence_victim'),
        hit AS (SELECT DISTINCT m.family_id, m.as_of_date FROM members m JOIN outcome e USING (person_id)
                WHERE e.event_date >= m.as_of_date AND e.event_date < m.as_of_date + INTERVAL 12 MONTH)
        SELECT o.true_probability AS p, (h.family_id IS NOT NULL)::INT AS y
        FROM o LEFT JOIN hit h USING (family_id, as_of_date)""").df()
    assert frame["p"].between(0, 1).all()
    assert abs(frame["y"].mean() - frame["p"].mean()) < 0.1 * frame["p"].mean()
    frame["bin"] = np.minimum((frame["p"] * 10).astype(int), 5)
    by_bin = frame.groupby("bin").agg(p=("p", "mean"), y=("y", "mean"), n=("y", "size"))
    by_bin = by_bin[by_bin.n > 2000]
    assert len(by_bin) >= 3
    assert np.allclose(by_bin.y, by_bin.p, atol=0.02, rtol=0.1), by_bin
