"""Does Ibis 12 run this plan with a newer SQLGlot than the <30.18 pin?  Run with PYTHONPATH pointing at another sqlglot.
Uses the fixture measure.py wrote; compares Ibis on DuckDB and Spark with the project's DuckDB SQL."""
import json, time, traceback
import measure as m
import ibis, sqlglot

out = {"sqlglot": sqlglot.__version__, "ibis": ibis.__version__}
con = m.duck_con()
ref = m.duck_run(con, m.plan_steps(m.psql.DUCKDB))
for name, mk in (("duckdb", None), ("spark", None)):
    try:
        if name == "duckdb":
            be = ibis.duckdb.connect()
            for t in ("persons", "objections", "events", "as_of_dates"):
                be.read_parquet(m.DATA / f"{t}.parquet", table_name=t)
        else:
            be = ibis.pyspark.connect(m.spark_session())
        t0 = time.perf_counter()
        e = m.ibis_plan.wide_expr(be, m.FS, m.DATES)
        be.compile(e)
        got = be.to_pyarrow(e)
        out[name] = {"identical": m.compare(ref, got, ["fkey", "as_of_date"])["identical"], "s": round(time.perf_counter() - t0, 2)}
    except Exception as exc:
        out[name] = {"error": f"{type(exc).__name__}: {exc}"[:1500], "tb": traceback.format_exc()[-2000:]}
print(json.dumps(out, indent=1))
(m.HERE / f"pin_check_{sqlglot.__version__}.json").write_text(json.dumps(out, indent=1))
