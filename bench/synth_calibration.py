"""Print the generator's calibration figures (Markdown) for a synth output folder.

    python bench/synth_calibration.py DIR
"""

from __future__ import annotations

import sys

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
    "Events per family over the whole period":
        """SELECT ((SELECT count(*) FROM police) + (SELECT count(*) FROM health) + (SELECT count(*) FROM education)
           + (SELECT count(*) FROM social_care) + (SELECT count(*) FROM housing) + (SELECT count(*) FROM youth_justice))
           / (SELECT count(*) FROM families)""",
}


def main(folder: str) -> None:
    con = duckdb.connect()
    for name in ("persons", "families", "areas", "police", "health", "education", "social_care", "housing", "youth_justice"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM '{folder}/{name}.parquet'")
    con.execute(f"CREATE VIEW oracle AS SELECT * FROM '{folder}/truth/oracle.parquet'")
    con.execute("""CREATE VIEW py AS SELECT p.*, date_diff('month', make_date(birth_year, birth_month, 1), DATE '2022-07-01') // 12 AS age
        FROM persons p WHERE member_from <= DATE '2022-01-01' AND (member_to IS NULL OR member_to > DATE '2023-01-01')""")
    print("| figure | synthetic |\n|---|---:|")
    for label, sql in QUERIES.items():
        value = con.execute(sql).fetchone()[0]
        print(f"| {label} | {value if isinstance(value, str) else f'{value:.4g}'} |")


if __name__ == "__main__":
    main(sys.argv[1])
