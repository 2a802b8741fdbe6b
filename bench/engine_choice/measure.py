"""Measure SQLGlot (DuckDB SQL transpiled to Spark) against Ibis (one expression, two backends) on the
project's feature plan.  Writes results.json beside this file.

Usage: venv/bin/python measure.py [--quick]  (quick: 1 compile / 1 run, for smoke tests)
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import statistics
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "fixture"
SNAP_HEAD = HERE / "snap_head"          # git show HEAD:features/{sql,definitions,cohort}.py (has the Dialect object)
SNAP_WT = HERE / "snap_worktree"        # the working tree's sql.py at the time of the copy (quoted intervals)
QUICK = "--quick" in sys.argv
N_COMPILE, N_RUN = (1, 1) if QUICK else (5, 3)

os.environ["PYSPARK_PYTHON"] = sys.executable
os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
sys.path.insert(0, str(SNAP_HEAD))
sys.path.insert(0, str(HERE))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import sqlglot  # noqa: E402
import ibis  # noqa: E402

from placerisk.features import sql as psql  # noqa: E402  (HEAD snapshot)
from placerisk.features.cohort import CohortSpec, OutcomeSpec, add_months  # noqa: E402
from placerisk.features.definitions import EventType, FeatureSet  # noqa: E402

import ibis_plan  # noqa: E402

RESULTS: dict = {}

# ---------------------------------------------------------------- the project's default feature set
CFG = json.loads((HERE / "default_config_subset.json").read_text())
FS = FeatureSet(
    event_types=tuple(EventType(s, c, d) for s, c, d in CFG["event_types"]),
    windows_months=tuple(CFG["features"]["windows_months"]),
    aggregations=tuple(CFG["features"]["aggregations"]),
    trend_months=CFG["features"]["trend_months"],
    members_months=CFG["features"]["members_months"],
    groups=tuple((g, tuple(v["events"]), v["description"]) for g, v in CFG["features"]["groups"].items()),
)
COHORT = CohortSpec(**CFG["cohort"])
OUTCOME = OutcomeSpec(events=tuple(CFG["outcome"]["events"]), horizon_months=CFG["outcome"]["horizon_months"],
                      recording_allowance_days=CFG["outcome"]["recording_allowance_days"])
DATA_END = dt.date(2024, 12, 31)
# month starts, a month end in a leap year (add-months clamping) and the UK clock-change Sundays
DATES = sorted([dt.date(2023, 1, 1), dt.date(2023, 3, 26), dt.date(2023, 4, 1), dt.date(2023, 7, 1), dt.date(2023, 10, 29),
                dt.date(2024, 1, 1), dt.date(2024, 3, 31), dt.date(2024, 7, 1), dt.date(2024, 10, 27), dt.date(2024, 12, 1)])
CLOCK_CHANGES = [dt.date(2021, 3, 28), dt.date(2021, 10, 31), dt.date(2022, 3, 27), dt.date(2022, 10, 30),
                 dt.date(2023, 3, 26), dt.date(2023, 10, 29), dt.date(2024, 3, 31), dt.date(2024, 10, 27)]
WIDE_STEPS = ("people", "members", "targets", "keyed_events", "hits", "target_stats", "wide")


# ---------------------------------------------------------------- fixture
def make_fixture(seed: int = 7) -> dict:
    rng = np.random.default_rng(seed)
    DATA.mkdir(exist_ok=True)
    n_p, n_f, n_areas = 20_000, 8_000, 40
    epoch = dt.date(1970, 1, 1)

    def days(d: dt.date) -> int:
        return (d - epoch).days

    def to_date(a):
        return pa.array(np.asarray(a, dtype="int32"), pa.int32()).cast(pa.date32())

    areas = pa.table({"area_code": [f"A{i:03d}" for i in range(n_areas)],
                      "deprivation_decile": rng.integers(1, 11, n_areas).astype("int16"),
                      "team": [f"T{i % 5}" for i in range(n_areas)]})
    families = pa.table({"family_id": [f"F{i:05d}" for i in range(n_f)],
                         "area_code": [f"A{i:03d}" for i in rng.integers(0, n_areas, n_f)]})
    fam = np.concatenate([np.arange(n_f), rng.integers(0, n_f, n_p - n_f)])
    order = rng.permutation(n_p)  # person ids not in family order
    member_from = rng.integers(days(dt.date(2000, 1, 1)), days(dt.date(2023, 6, 30)), n_p)
    member_to = member_from + rng.integers(30, 4000, n_p)
    has_to = rng.random(n_p) < 0.25
    # membership edges exactly on as-of dates
    edge = rng.random(n_p) < 0.02
    member_from[edge] = [days(DATES[i]) for i in rng.integers(0, len(DATES), edge.sum())]
    edge_to = rng.random(n_p) < 0.02
    member_to[edge_to] = [days(DATES[i]) for i in rng.integers(0, len(DATES), edge_to.sum())]
    has_to |= edge_to
    member_to = np.maximum(member_to, member_from + 1)
    persons = pa.table({
        "person_id": [f"P{i:06d}" for i in order],
        "family_id": [f"F{f:05d}" for f in fam],
        "sex": rng.choice(["F", "M", "X", "U"], n_p, p=[0.49, 0.49, 0.01, 0.01]),
        "ethnicity": rng.choice(["White", "Asian", "Black", "Mixed", "Other", "Not stated"], n_p),
        "birth_year": rng.integers(1950, 2023, n_p).astype("int32"),
        "birth_month": rng.integers(1, 13, n_p).astype("int32"),
        "member_from": to_date(member_from),
        "member_to": pa.array([dt.date(1970, 1, 1) + dt.timedelta(days=int(t)) if h else None for t, h in zip(member_to, has_to)], pa.date32()),
    })
    pid = np.array(persons.column("person_id").to_pylist())
    objections = pa.table({
        "family_id": [f"F{f:05d}" for f in rng.integers(0, n_f, 40)] + [None] * 60,
        "person_id": [None] * 40 + list(rng.choice(pid, 60, replace=False)),
        "recorded_date": to_date(np.full(100, days(dt.date(2022, 1, 1)))),
    })
    event_names = [e.name for e in FS.event_types] + ["police.not_configured"]
    n_e = 200_000
    e_date = rng.integers(days(dt.date(2021, 1, 1)), days(dt.date(2024, 12, 31)) + 1, n_e)
    lag = np.where(rng.random(n_e) < 0.2, 0, rng.integers(1, 200, n_e))
    e_person = list(rng.choice(pid, n_e))
    e_event = list(rng.choice(event_names, n_e))
    e_date, lag = list(e_date), list(lag)
    # window edges: exactly on as_of - w months, a day either side, on as_of and the day before; recorded on as_of
    extra_dates = []
    for d in DATES:
        for w in FS.bucket_edges:
            edge_d = add_months(d, -w)
            extra_dates += [(edge_d, 0), (edge_d - dt.timedelta(days=1), 0), (edge_d + dt.timedelta(days=1), 0)]
        extra_dates += [(d, 0), (d - dt.timedelta(days=1), 0), (d - dt.timedelta(days=1), 1), (d - dt.timedelta(days=2), 2)]
    for c in CLOCK_CHANGES:
        extra_dates += [(c + dt.timedelta(days=k), lg) for k in (-1, 0, 1) for lg in (0, 1)]
    for d, lg in extra_dates:
        for _ in range(40):
            e_person.append(rng.choice(pid))
            e_event.append(rng.choice(event_names))
            e_date.append(days(d))
            lag.append(lg)
    # a few events of persons not in the population
    e_person += ["P999999"] * 10
    e_event += [event_names[0]] * 10
    e_date += [days(dt.date(2023, 6, 1))] * 10
    lag += [0] * 10
    e_date, lag = np.array(e_date), np.array(lag)
    events = pa.table({"person_id": e_person, "event": e_event, "event_date": to_date(e_date),
                       "recorded_date": to_date(e_date + lag)})
    as_of = pa.table({"as_of_date": pa.array(DATES, pa.date32()),
                      "label_complete": [OUTCOME.label_complete(d, DATA_END) for d in DATES]})
    tables = {"areas": areas, "families": families, "persons": persons, "objections": objections, "events": events, "as_of_dates": as_of}
    for name, t in tables.items():
        pq.write_table(t, DATA / f"{name}.parquet")
    return {name: t.num_rows for name, t in tables.items()} | {"edge_event_rows": len(extra_dates) * 40,
                                                               "persons_with_null_member_to": int((~has_to).sum())}


# ---------------------------------------------------------------- helpers
def timed(fn, n: int, warmup: int = 0):
    for _ in range(warmup):
        fn()
    out, times = None, []
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, {"median_s": round(statistics.median(times), 4), "all_s": [round(t, 4) for t in times]}


def normalise(t: pa.Table, keys: list[str]) -> pa.Table:
    cols = {}
    for name in t.column_names:
        c = t.column(name)
        if pa.types.is_integer(c.type):
            c = c.cast(pa.int64())
        elif pa.types.is_timestamp(c.type):
            c = c.cast(pa.date32())
        elif pa.types.is_large_string(c.type):
            c = c.cast(pa.string())
        cols[name] = c
    t = pa.table(cols)
    return t.sort_by([(k, "ascending") for k in keys]) if keys else t


def compare(a: pa.Table, b: pa.Table, keys: list[str]) -> dict:
    res = {"rows": [a.num_rows, b.num_rows], "columns": [a.num_columns, b.num_columns]}
    if set(a.column_names) != set(b.column_names):
        res["column_diff"] = sorted(set(a.column_names) ^ set(b.column_names))
        res["identical"] = False
        return res
    a, b = normalise(a, keys), normalise(b.select(a.column_names), keys)
    res["types_differ"] = {n: [str(a.schema.field(n).type), str(b.schema.field(n).type)]
                           for n in a.column_names if a.schema.field(n).type != b.schema.field(n).type}
    if a.num_rows != b.num_rows:
        res["identical"] = False
        return res
    bad = {}
    for n in a.column_names:
        x, y = a.column(n).to_pylist(), b.column(n).to_pylist()
        k = sum(1 for u, v in zip(x, y) if u != v)
        if k:
            bad[n] = k
            bad.setdefault("_examples", []).append({n: [(u, v) for u, v in zip(x, y) if u != v][:3]})
    res["mismatched_cells"] = {k: v for k, v in bad.items() if k != "_examples"}
    if bad:
        res["examples"] = [json.loads(json.dumps(e, default=str)) for e in bad["_examples"][:5]]
    res["identical"] = not bad and not res["types_differ"]
    res["identical_values"] = not bad
    return res


def plan_steps(d, sqlmod=psql, names=WIDE_STEPS, aggregate=True):
    steps = sqlmod.plan(FS, COHORT, OUTCOME, DATA_END, DATES, d, aggregate=aggregate)
    return [s for s in steps if s[0] in names]


# ---------------------------------------------------------------- DuckDB
def duck_con():
    con = duckdb.connect()
    for name in ("areas", "families", "persons", "objections", "events"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{DATA / (name + '.parquet')}')")
    con.execute(f"CREATE TEMP TABLE as_of_dates AS SELECT CAST(as_of_date AS DATE) AS as_of_date, label_complete "
                f"FROM read_parquet('{DATA / 'as_of_dates.parquet'}')")
    return con


def duck_run(con, steps, final="SELECT * FROM wide"):
    for name, sql, materialise in steps:
        con.execute(f"CREATE OR REPLACE TEMP {'TABLE' if materialise else 'VIEW'} {name} AS {sql}")
    return con.sql(final).to_arrow_table()


# ---------------------------------------------------------------- Spark
def spark_session():
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").appName("engine-choice")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.driver.memory", "6g")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    for name in ("areas", "families", "persons", "objections", "events", "as_of_dates"):
        spark.read.parquet(str(DATA / f"{name}.parquet")).createOrReplaceTempView(name)
    return spark


def spark_run(spark, steps, final="SELECT * FROM wide"):
    """Each step a temp view (Spark analyses it then; an invalid query fails here), the final query collected as Arrow."""
    for name, sql, _ in steps:
        spark.sql(sql).createOrReplaceTempView(name)
    return spark.sql(final).toArrow()


def transpile_steps(steps, label: str, strict: bool = True) -> tuple[list, list]:
    out, report = [], []
    for name, sql, mat in steps:
        entry = {"step": name}
        try:
            text = sqlglot.transpile(sql, read="duckdb", write="spark")
            if len(text) != 1:
                raise ValueError(f"{len(text)} statements")
            out.append((name, text[0], mat))
            entry["ok"] = True
            if strict:  # the strict check the project's transpile.py uses
                try:
                    sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
                    entry["strict_ok"] = True
                except Exception as e:  # noqa: BLE001
                    entry["strict_ok"], entry["strict_error"] = False, f"{type(e).__name__}: {e}"[:500]
        except Exception as e:  # noqa: BLE001
            entry["ok"], entry["error"] = False, f"{type(e).__name__}: {e}"[:800]
        report.append(entry)
    (HERE / "transpiled").mkdir(exist_ok=True)
    (HERE / "transpiled" / f"{label}.sql").write_text("\n\n".join(f"-- {n}\n{s};" for n, s, _ in out))
    return out, report


def run_steps_reporting(runner, target, steps, final) -> tuple[pa.Table | None, list]:
    """Run steps one by one, recording which one fails and why."""
    errs = []
    for name, sql, mat in steps:
        try:
            runner(target, [(name, sql, mat)], final="SELECT 1 AS x")
        except Exception as e:  # noqa: BLE001
            errs.append({"step": name, "error": f"{type(e).__name__}: {e}"[:1500]})
            return None, errs
    try:
        return runner(target, [], final=final), errs
    except Exception as e:  # noqa: BLE001
        errs.append({"step": "final", "error": f"{type(e).__name__}: {e}"[:1500]})
        return None, errs


# ---------------------------------------------------------------- lines of code
def _code_lines(path: Path, names: set[str]) -> dict:
    src = path.read_text()
    tree = ast.parse(src)
    lines = src.splitlines()
    counts = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in names:
            skip = set()
            for sub in ast.walk(node):
                if isinstance(sub, (ast.FunctionDef, ast.ClassDef)) and sub.body and isinstance(sub.body[0], ast.Expr) \
                        and isinstance(getattr(sub.body[0], "value", None), ast.Constant) and isinstance(sub.body[0].value.value, str):
                    skip |= set(range(sub.body[0].lineno, sub.body[0].end_lineno + 1))
            start = min([d.lineno for d in getattr(node, "decorator_list", [])] + [node.lineno])
            counts[node.name] = sum(1 for i in range(start, node.end_lineno + 1)
                                    if i not in skip and lines[i - 1].strip() and not lines[i - 1].strip().startswith("#"))
    return {"per_unit": counts, "total": sum(counts.values())}


def lines_of_code() -> dict:
    sql_units = {"Dialect", "_lit", "people_sql", "members_sql", "targets_sql", "keyed_events_sql", "_bucket_case", "hits_sql",
                 "target_stats_sql", "wide_sql"}
    ibis_units = {"months_back", "people", "members", "keyed_events", "hits", "target_stats", "wide", "wide_expr"}
    return {
        "sql_head_same_steps": _code_lines(SNAP_HEAD / "placerisk/features/sql.py", sql_units),
        "sql_worktree_same_steps": _code_lines(SNAP_WT / "placerisk/features/sql.py",
                                               (sql_units - {"Dialect"}) | {"add_months", "days_between", "date", "month_index"}),
        "sqlglot_glue_worktree_transpile_py": _code_lines(SNAP_WT / "placerisk/features/transpile.py", {"for_engine", "_to_spark"}),
        "ibis_same_steps": _code_lines(HERE / "ibis_plan.py", ibis_units),
        "note": "non-blank, non-comment, non-docstring lines of the functions/classes that build the same steps",
    }


# ---------------------------------------------------------------- main
def main() -> None:
    t0 = time.perf_counter()
    RESULTS["versions"] = {"python": sys.version.split()[0], "ibis": ibis.__version__, "sqlglot": sqlglot.__version__,
                           "duckdb": duckdb.__version__, "pyarrow": pa.__version__}
    RESULTS["feature_set"] = {"event_types": len(FS.event_types), "groups": len(FS.groups), "targets": len(FS.targets),
                              "bucket_edges": FS.bucket_edges, "event_features": sum(1 for s in FS.specs if s.event),
                              "as_of_dates": [d.isoformat() for d in DATES]}
    RESULTS["fixture"] = make_fixture()
    print("fixture", RESULTS["fixture"], flush=True)

    # ---- reference: the project's own DuckDB SQL (HEAD, Dialect DUCKDB, aggregate=True)
    con = duck_con()
    full = psql.plan(FS, COHORT, OUTCOME, DATA_END, DATES, psql.DUCKDB, aggregate=True)
    base_q = psql.base_sql(FS, cohort_only=False, with_wide=True, d=psql.DUCKDB)
    ref_base = duck_run(con, full, final=base_q)
    ref_wide = con.sql("SELECT * FROM wide").to_arrow_table()
    ref_hits = con.execute("SELECT count(*) FROM hits").fetchone()[0]
    RESULTS["reference"] = {"wide_rows": ref_wide.num_rows, "wide_columns": ref_wide.num_columns, "base_rows": ref_base.num_rows,
                            "hits_rows": ref_hits, "keyed_events_rows": con.execute("SELECT count(*) FROM keyed_events").fetchone()[0],
                            "members_rows": con.execute("SELECT count(*) FROM members").fetchone()[0]}
    print("reference", RESULTS["reference"], flush=True)
    wide_keys = ["fkey", "as_of_date"]
    base_keys = ["as_of_date", "fkey"]
    R = RESULTS["approaches"] = {}

    # ---- (a) SQLGlot, DuckDB: the text as written
    def sg_duck_compile():
        return plan_steps(psql.DUCKDB)
    steps, c = timed(sg_duck_compile, N_COMPILE)
    out, r = timed(lambda: duck_run(con, steps), N_RUN, warmup=1)
    R["sqlglot/duckdb"] = {"compile": c, "run": r, "parity_vs_project_duckdb": compare(ref_wide, out, wide_keys),
                           "note": "DuckDB runs the DuckDB-dialect text unchanged; compile = building the step strings"}
    print("sqlglot/duckdb", c["median_s"], r["median_s"], flush=True)

    # ---- (b) Ibis, DuckDB
    icon = ibis.duckdb.connect()
    for name in ("persons", "objections", "events", "as_of_dates"):
        icon.read_parquet(DATA / f"{name}.parquet", table_name=name)

    def ibis_compile(backend):
        def f():
            e = ibis_plan.wide_expr(backend, FS, DATES)
            return e, backend.compile(e)
        return f
    (iexpr, isql), c = timed(ibis_compile(icon), N_COMPILE)
    (HERE / "transpiled").mkdir(exist_ok=True)
    (HERE / "transpiled" / "ibis_duckdb.sql").write_text(isql)
    out_ibis_duck, r = timed(lambda: icon.to_pyarrow(iexpr), N_RUN, warmup=1)
    R["ibis/duckdb"] = {"compile": c, "run": r, "parity_vs_project_duckdb": compare(ref_wide, out_ibis_duck, wide_keys),
                        "compiled_sql_chars": len(isql)}
    print("ibis/duckdb", c["median_s"], r["median_s"], R["ibis/duckdb"]["parity_vs_project_duckdb"].get("identical"), flush=True)

    # ---- Spark
    t_s = time.perf_counter()
    spark = spark_session()
    RESULTS["versions"]["pyspark"] = spark.version
    RESULTS["spark_startup_s"] = round(time.perf_counter() - t_s, 2)
    RESULTS["spark_conf"] = {k: spark.conf.get(k) for k in ("spark.master", "spark.sql.session.timeZone", "spark.sql.shuffle.partitions",
                                                             "spark.sql.adaptive.enabled", "spark.sql.ansi.enabled", "spark.driver.memory")}
    RESULTS["spark_conf"]["PYSPARK_PYTHON"] = os.environ["PYSPARK_PYTHON"]

    # ---- (a) SQLGlot, Spark: the DuckDB text transpiled step by step, for two versions of features/sql.py
    import importlib.util
    spec = importlib.util.spec_from_file_location("wt_sql", SNAP_WT / "placerisk/features/sql.py")
    wt = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wt)
    variants = {
        # HEAD: the Dialect object, DUCKDB spelling (what the brief names)
        "sqlglot/spark": (lambda: plan_steps(psql.DUCKDB), full,
                          base_q, "head"),
        # the working tree's rewrite at copy time (module functions, quoted intervals), run with the same DuckDB semantics
        "sqlglot/spark[worktree sql.py]": (lambda: [s for s in wt.plan(FS, COHORT, OUTCOME, DATA_END, DATES, aggregate=True) if s[0] in WIDE_STEPS],
                                           wt.plan(FS, COHORT, OUTCOME, DATA_END, DATES, aggregate=True),
                                           wt.base_sql(FS, cohort_only=False, with_wide=True), "worktree"),
    }
    good_sg_steps = None
    for label, (builder, full_steps, base_text, tag) in variants.items():
        def sg_spark_compile(builder=builder, tag=tag):
            return transpile_steps(builder(), f"sqlglot_spark_{tag}_wide", strict=False)
        _, c = timed(sg_spark_compile, N_COMPILE)
        sg_steps, treport = transpile_steps(builder(), f"sqlglot_spark_{tag}_wide")
        entry = R[label] = {"compile": c, "transpile": treport}
        out, errs = run_steps_reporting(spark_run, spark, sg_steps, "SELECT * FROM wide")
        entry["run_errors"] = errs
        if out is not None:
            out, r = timed(lambda: spark_run(spark, sg_steps), N_RUN, warmup=1)
            entry["run"] = r
            entry["parity_vs_project_duckdb"] = compare(ref_wide, out, wide_keys)
            entry["parity_vs_ibis_duckdb"] = compare(out_ibis_duck, out, wide_keys)
            good_sg_steps = good_sg_steps or sg_steps
        print(label, c["median_s"], entry.get("run", {}).get("median_s"), errs, flush=True)
        # full plan + base_sql transpiled (family with arg_max, labels, FLOOR division, ORDER BY)
        full_sg, full_report = transpile_steps(full_steps + [("__base__", base_text, False)], f"sqlglot_spark_{tag}_full")
        base_sg = full_sg.pop()[1] if full_sg and full_sg[-1][0] == "__base__" else None
        entry["full_plan"] = {"transpile": full_report}
        out, errs = run_steps_reporting(spark_run, spark, full_sg, base_sg or "SELECT 1")
        entry["full_plan"]["run_errors"] = errs
        if out is not None and base_sg:
            entry["full_plan"]["base_parity_vs_project_duckdb"] = compare(ref_base, out, base_keys)
            got = [(r["as_of_date"], r["fkey"]) for r in out.select(["as_of_date", "fkey"]).to_pylist()]
            want = [(r["as_of_date"], r["fkey"]) for r in ref_base.select(["as_of_date", "fkey"]).to_pylist()]
            entry["full_plan"]["base_row_order_as_returned_equal"] = got == want
    # the worktree text on DuckDB untranspiled (is the rewrite the same query on DuckDB?)
    con2 = duck_con()
    R["sqlglot/spark[worktree sql.py]"]["worktree_text_on_duckdb_base_parity_vs_head"] = compare(
        ref_base, duck_run(con2, variants["sqlglot/spark[worktree sql.py]"][1], final=variants["sqlglot/spark[worktree sql.py]"][2]), base_keys)
    wt_duck_steps = [s for s in wt.plan(FS, COHORT, OUTCOME, DATA_END, DATES, aggregate=True) if s[0] in WIDE_STEPS]
    _, r = timed(lambda: duck_run(con2, wt_duck_steps), N_RUN, warmup=1)
    R["sqlglot/duckdb[worktree sql.py]"] = {"run": r}
    con2.close()

    # the project's own hand-written Spark Dialect (HEAD), for comparison
    own = psql.plan(FS, COHORT, OUTCOME, DATA_END, DATES, psql.SPARK, aggregate=True)
    own_base = psql.base_sql(FS, cohort_only=False, with_wide=True, d=psql.SPARK)
    out, errs = run_steps_reporting(spark_run, spark, own, own_base)
    RESULTS["project_spark_dialect_head"] = {"run_errors": errs}
    if out is not None:
        RESULTS["project_spark_dialect_head"]["base_parity_vs_project_duckdb"] = compare(ref_base, out, base_keys)
        RESULTS["project_spark_dialect_head"]["wide_parity_vs_project_duckdb"] = compare(ref_wide, spark.sql("SELECT * FROM wide").toArrow(), wide_keys)
        own_wide = [s for s in own if s[0] in WIDE_STEPS]
        _, r = timed(lambda: spark_run(spark, own_wide), N_RUN, warmup=1)
        RESULTS["project_spark_dialect_head"]["run_wide"] = r

    # ---- (b) Ibis, Spark
    scon = ibis.pyspark.connect(spark)
    RESULTS["spark_conf"]["timeZone_after_ibis_connect"] = spark.conf.get("spark.sql.session.timeZone")
    entry = R["ibis/spark"] = {}
    try:
        (sexpr, ssql), c = timed(ibis_compile(scon), N_COMPILE)
        (HERE / "transpiled" / "ibis_spark.sql").write_text(ssql)
        entry["compile"] = c
        entry["compiled_sql_chars"] = len(ssql)
        out_ibis_spark, r = timed(lambda: scon.to_pyarrow(sexpr), N_RUN, warmup=1)
        entry["run"] = r
        entry["parity_vs_project_duckdb"] = compare(ref_wide, out_ibis_spark, wide_keys)
        entry["parity_vs_ibis_duckdb"] = compare(out_ibis_duck, out_ibis_spark, wide_keys)
        # Ibis' pyspark to_pyarrow collects through toPandas(); the same compiled SQL collected with toArrow():
        out_sql, r = timed(lambda: spark.sql(ssql).toArrow(), N_RUN, warmup=1)
        entry["run_compiled_sql_via_spark_toArrow"] = r
        entry["compiled_sql_via_toArrow_parity_vs_project_duckdb"] = compare(ref_wide, out_sql, wide_keys)
        print("ibis/spark", c["median_s"], r["median_s"], entry["parity_vs_project_duckdb"].get("identical"), flush=True)
    except Exception as e:  # noqa: BLE001
        entry["error"] = f"{type(e).__name__}: {e}"[:1500]
        entry["traceback"] = traceback.format_exc()[-3000:]
        print("ibis/spark failed", entry["error"], flush=True)

    # ---- time zone probe: the same Spark queries with the session in Europe/London
    tz = RESULTS["timezone_probe"] = {}
    try:
        spark.conf.set("spark.sql.session.timeZone", "Europe/London")
        out = spark_run(spark, good_sg_steps)
        tz["sqlglot_spark_wide_identical_under_Europe_London"] = compare(ref_wide, out, wide_keys)["identical_values"]
        if "run" in R.get("ibis/spark", {}):
            tz["ibis_spark_wide_identical_under_Europe_London"] = compare(ref_wide, scon.to_pyarrow(sexpr), wide_keys)["identical_values"]
    except Exception as e:  # noqa: BLE001
        tz["error"] = f"{type(e).__name__}: {e}"[:800]
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")

    RESULTS["lines_of_code"] = lines_of_code()
    RESULTS["total_measure_s"] = round(time.perf_counter() - t0, 1)
    (HERE / ("results.quick.json" if QUICK else "results.json")).write_text(json.dumps(RESULTS, indent=1, default=str))
    spark.stop()
    print("done", RESULTS["total_measure_s"], flush=True)


if __name__ == "__main__":
    main()
