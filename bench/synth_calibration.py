"""Print the generator's calibration figures (Markdown) for a synth output folder.

    python bench/synth_calibration.py DIR [--json FILE]

The first table is the first six partners; the second the four later ones (early years, fire and rescue,
welfare, the community sector), each beside its public figure where one exists (docs/synthetic-data.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

QUERIES = {
    "Children in need: share of children 0-17 with an episode starting in 2022 (public: about 3.3%)":
        """SELECT avg((c.person_id IS NOT NULL)::INT) FROM py LEFT JOIN (SELECT DISTINCT person_id FROM social_care
           WHERE event_type = 'child_in_need' AND year(event_date) = 2022) c USING (person_id) WHERE age BETWEEN 0 AND 17""",
    "Persistent absence: share of pupils 5-15 a term, 2022 (public: 19-21%)":
        """SELECT count(*) / (SELECT 3 * count(*) FROM py WHERE age BETWEEN 5 AND 15) FROM education JOIN py USING (person_id)
           WHERE event_type = 'persistent_absence' AND year(event_date) = 2022 AND age BETWEEN 5 AND 15""",
    "Violent-injury admissions per 100,000 people, 2022":
        """SELECT 1e5 * count(*) / (SELECT count(*) FROM py) FROM health JOIN py USING (person_id)
           WHERE event_type = 'violent_injury_admission' AND year(event_date) = 2022""",
    "Share of those admissions that are males aged 15-29 (their share of people in brackets)":
        """SELECT printf('%.2f (%.2f)', avg((sex = 'M' AND age BETWEEN 15 AND 29)::INT),
           (SELECT avg((sex = 'M' AND age BETWEEN 15 AND 29)::INT) FROM py)) FROM health JOIN py USING (person_id)
           WHERE event_type = 'violent_injury_admission' AND year(event_date) = 2022""",
    "Admissions per person, most deprived fifth / least deprived fifth, all years (public: about 5x)":
        """WITH p AS (SELECT person_id, deprivation_decile AS d FROM persons JOIN families USING (family_id) JOIN areas USING (area_code)),
           e AS (SELECT person_id, count(*) AS n FROM health WHERE event_type = 'violent_injury_admission' GROUP BY 1),
           r AS (SELECT d <= 2 AS most, sum(coalesce(n, 0)) / count(*) AS rate FROM p LEFT JOIN e USING (person_id) WHERE d <= 2 OR d >= 9 GROUP BY 1)
           SELECT max(rate) FILTER (WHERE most) / max(rate) FILTER (WHERE NOT most) FROM r""",
    "A&E attendances per person a year, 2022 (public: about 0.4)":
        """SELECT count(*) / (SELECT count(*) FROM py) FROM health JOIN py USING (person_id)
           WHERE event_type = 'ae_attendance' AND year(event_date) = 2022""",
    "Suspensions per 100 pupils, 2022 (public: about 9)":
        """SELECT 100 * count(*) / (SELECT count(*) FROM py WHERE age BETWEEN 5 AND 15) FROM education JOIN py USING (person_id)
           WHERE event_type = 'suspension' AND year(event_date) = 2022""",
    "Outcome within 12 months, mean true probability over families and quarterly as-of dates":
        "SELECT avg(true_probability) FROM oracle",
    "Events per family over the whole period, six partners":
        """SELECT ((SELECT count(*) FROM police) + (SELECT count(*) FROM health) + (SELECT count(*) FROM education)
           + (SELECT count(*) FROM social_care) + (SELECT count(*) FROM housing) + (SELECT count(*) FROM youth_justice))
           / (SELECT count(*) FROM families)""",
}

# Reception children assessed in June 2022: aged 58 to 69 months then, members of a family that month.
_RECEPTION = """(SELECT p.*, deprivation_decile AS decile FROM persons p JOIN families USING (family_id) JOIN areas USING (area_code)
    WHERE date_diff('month', make_date(birth_year, birth_month, 1), DATE '2022-06-01') BETWEEN 58 AND 69
      AND member_from <= DATE '2022-06-01' AND (member_to IS NULL OR member_to > DATE '2022-06-01'))"""
_GLD = "(SELECT DISTINCT person_id FROM early_years WHERE event_type = 'not_reaching_gld' AND year(event_date) = 2022)"
_STATUTORY = ("police", "health", "education", "social_care", "housing", "youth_justice", "early_years", "fire_and_rescue", "welfare")
_ANY_STATUTORY = " UNION ".join(
    f"""SELECT DISTINCT family_id FROM {s} JOIN persons USING (person_id) WHERE year(event_date) = 2022
        AND event_type NOT IN ('ae_attendance', 'violence_victim', 'violent_injury_admission')""" for s in _STATUTORY)
_CONCERN = "SELECT DISTINCT family_id FROM community_sector JOIN persons USING (person_id) WHERE year(event_date) = 2022"
LATER = {
    "Early years: reception children not at a good level of development, June 2022 (public: 32.3%, England 2023/24)":
        f"SELECT avg((g.person_id IS NOT NULL)::INT) FROM {_RECEPTION} r LEFT JOIN {_GLD} g USING (person_id)",
    "... girls, boys (public: 25.0%, 39.3%)":
        f"""SELECT printf('%.3f, %.3f', avg((g.person_id IS NOT NULL)::INT) FILTER (WHERE sex = 'F'),
            avg((g.person_id IS NOT NULL)::INT) FILTER (WHERE sex = 'M')) FROM {_RECEPTION} r LEFT JOIN {_GLD} g USING (person_id)""",
    "... most deprived fifth of areas (public, free school meals: 48.5%)":
        f"SELECT avg((g.person_id IS NOT NULL)::INT) FROM {_RECEPTION} r LEFT JOIN {_GLD} g USING (person_id) WHERE decile <= 2",
    "Early years: share recorded on 1 October, the annual return (by design: 1)":
        "SELECT avg((month(recorded_date) = 10 AND day(recorded_date) = 1)::INT) FROM early_years",
    "Early years referrals: share of children 0-4 referred in 2022 (no public figure)":
        """SELECT avg((e.person_id IS NOT NULL)::INT) FROM py LEFT JOIN (SELECT DISTINCT person_id FROM early_years
           WHERE event_type = 'early_years_referral' AND year(event_date) = 2022) e USING (person_id) WHERE age BETWEEN 0 AND 4""",
    "Fire and rescue: safe-and-well visits per 100 families, 2022 (public: 2.3 home fire safety visits per 100 households, England 2022/23)":
        """SELECT 100 * count(*) / (SELECT count(DISTINCT family_id) FROM py) FROM fire_and_rescue JOIN py USING (person_id)
           WHERE event_type = 'safe_and_well_visit' AND year(event_date) = 2022""",
    "Fire and rescue: deliberate fire-setting per 1,000 aged 10-17, 2022 (no public figure per person)":
        """SELECT 1000 * count(*) / (SELECT count(*) FROM py WHERE age BETWEEN 10 AND 17) FROM fire_and_rescue JOIN py USING (person_id)
           WHERE event_type = 'deliberate_fire_setting' AND year(event_date) = 2022 AND age BETWEEN 10 AND 17""",
    "Welfare: adults 18-64 with a benefit sanction in a month, 2022 (public: about 0.3% under one on a given day, GB 2024)":
        """SELECT count(*) / 12 / (SELECT count(*) FROM py WHERE age BETWEEN 18 AND 64) FROM welfare JOIN py USING (person_id)
           WHERE event_type = 'benefit_sanction' AND year(event_date) = 2022 AND age BETWEEN 18 AND 64""",
    "Welfare: hardship advances per 100 adults 18-64, 2022 (public: about 3.6 new-claim advances per 100, GB)":
        """SELECT 100 * count(*) / (SELECT count(*) FROM py WHERE age BETWEEN 18 AND 64) FROM welfare JOIN py USING (person_id)
           WHERE event_type = 'hardship_advance' AND year(event_date) = 2022 AND age BETWEEN 18 AND 64""",
    "Welfare: share recorded on the 15th, the monthly return (by design: 1)":
        "SELECT avg((day(recorded_date) = 15)::INT) FROM welfare",
    "Community sector: families with a concern in 2022, share":
        f"SELECT (SELECT count(*) FROM ({_CONCERN})) / (SELECT count(*) FROM families)",
    "Coverage: high-risk families (top tenth of true probability, 2023-01-01) with no statutory record in 2022 (A&E and outcomes aside): share with a community concern that year (those with one)":
        f"""WITH hi AS (SELECT family_id FROM oracle WHERE as_of_date = DATE '2023-01-01'
                        QUALIFY true_probability >= quantile_cont(true_probability, 0.9) OVER ()),
                 st AS ({_ANY_STATUTORY}), cc AS ({_CONCERN})
            SELECT printf('%.3f (%.3f)', avg((family_id IN (SELECT * FROM cc))::INT) FILTER (WHERE family_id NOT IN (SELECT * FROM st)),
                          avg((family_id IN (SELECT * FROM cc))::INT) FILTER (WHERE family_id IN (SELECT * FROM st))) FROM hi""",
    "Mean true probability of the outcome on 2023-01-01: families with a concern, with a social care referral, all (reliability)":
        f"""SELECT printf('%.3f, %.3f, %.3f',
            (SELECT avg(true_probability) FROM oracle WHERE as_of_date = DATE '2023-01-01' AND family_id IN ({_CONCERN})),
            (SELECT avg(true_probability) FROM oracle WHERE as_of_date = DATE '2023-01-01' AND family_id IN
               (SELECT family_id FROM social_care JOIN persons USING (person_id) WHERE event_type = 'referral' AND year(event_date) = 2022)),
            (SELECT avg(true_probability) FROM oracle WHERE as_of_date = DATE '2023-01-01'))""",
    "Events per family over the whole period, ten partners":
        f"""SELECT ({" + ".join(f"(SELECT count(*) FROM {s})" for s in (*_STATUTORY, "community_sector"))}) / (SELECT count(*) FROM families)""",
}


def _table(con, queries: dict[str, str]) -> list[tuple[str, str]]:
    rows = []
    for label, sql in queries.items():
        value = con.execute(sql).fetchone()[0]
        rows.append((label, value if isinstance(value, str) else f"{value:.4g}"))
    return rows


def main(folder: str, json_out: str | None = None) -> None:
    con = duckdb.connect()
    for name in ("persons", "families", "areas", *_STATUTORY, "community_sector"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM '{folder}/{name}.parquet'")
    con.execute(f"CREATE VIEW oracle AS SELECT * FROM '{folder}/truth/oracle.parquet'")
    con.execute("""CREATE VIEW py AS SELECT p.*, date_diff('month', make_date(birth_year, birth_month, 1), DATE '2022-07-01') // 12 AS age
        FROM persons p WHERE member_from <= DATE '2022-01-01' AND (member_to IS NULL OR member_to > DATE '2023-01-01')""")
    tables = {"first six partners": _table(con, QUERIES), "four later partners": _table(con, LATER)}
    for name, rows in tables.items():
        print(f"\n{name}:\n\n| figure | synthetic |\n|---|---:|")
        for label, value in rows:
            print(f"| {label} | {value} |")
    if json_out:
        manifest = json.loads((Path(folder) / "manifest.json").read_text())
        Path(json_out).write_text(json.dumps({"families": manifest["rows"]["families"], "seed": manifest["settings"]["seed"],
                                              **{k: dict(v) for k, v in tables.items()}}, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--json" else None)
