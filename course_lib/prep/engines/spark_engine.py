"""Spark (``pyspark``): the preparation's SQL on the distributed engine (issue 18).

Started from Python, Spark runs in local mode (``local[threads]``): one JVM on
this machine, bound to 127.0.0.1 only (no web UI), so it works offline and
beside the test suite's network guard. Started by ``spark-submit`` (a cluster),
it takes the master and resources spark-submit gives, and the same SQL runs
there unchanged; see the README ("When your data outgrows one machine"). Only
SQL runs on the executors (no Python functions), so they need no course_lib.

Spark needs Java 17 (Debian/Ubuntu: ``apt-get install openjdk-17-jre-headless``)
and ``pip install 'course-lib[scale]'`` (or ``pip install pyspark``).

Row order: a Parquet file's rows are numbered by ``_metadata.row_index``. A CSV
file has no such column; its rows are numbered from each block's start and
``monotonically_increasing_id()`` (consecutive within a block), then stored
once as Parquet so the numbers never change.
"""
from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

from course_lib.datasets.own_data import raise_if_damaged
from course_lib.datasets.schema import EventLogError
from course_lib.prep.engines.names import EngineUnavailable
from course_lib.prep.engines.sql import SPARK

JAVA_HINT = ("install it (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or point "
             "JAVA_HOME at one")
_SESSION = {"spark": None, "local_dir": None, "key": None}

#: what Spark logs in the course's session (its INFO and WARN lines would bury the course's own)
LOG_LEVEL = "ERROR"


def java_problem() -> str | None:
    """Why Spark cannot start on this machine's Java (None when Java 17+ is there)."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        return f"Spark needs Java 17 or newer and none was found: {JAVA_HINT}."
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"Spark needs Java 17 or newer and {java} does not run ({exc}): {JAVA_HINT}."
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        return f"Spark needs Java 17 or newer and {java} does not say its version: {JAVA_HINT}."
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8" is Java 8
        major = int(match.group(2))
    if major < 17:
        return f"Spark needs Java 17 or newer and {java} is Java {major}: {JAVA_HINT}."
    return None


def submitted() -> bool:
    """Whether ``spark-submit`` started this process (then it chose the master and resources)."""
    return bool(os.environ.get("PYSPARK_GATEWAY_PORT"))


def spark_session(memory_limit: str | None = None, threads: int | None = None):
    """The local Spark session (started once per process, stopped at exit)."""
    try:
        with warnings.catch_warnings():  # pyspark 4 warns about pandas 3; only Spark SQL is used
            warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas",
                                    FutureWarning)
            import pyspark  # noqa: F401
            from pyspark.sql import SparkSession
    except ImportError:
        raise EngineUnavailable("the Spark engine needs pyspark: pip install 'course-lib[scale]' "
                                "(or pip install pyspark)") from None
    problem = None if submitted() else java_problem()
    if problem:
        raise EngineUnavailable(problem)
    threads = int(threads or os.cpu_count() or 1)
    memory = memory_limit or "2g"   # as Spark writes it (names.memory_limit)
    key = (threads, memory)
    if _SESSION["spark"] is not None and _SESSION["key"] == key:
        return _SESSION["spark"]
    stop_spark()
    builder = SparkSession.builder.appName("course-lib prepare")
    local_dir = None
    if not submitted():
        # local mode: one JVM here, on loopback only, scratch in a folder of its own
        local_dir = tempfile.mkdtemp(prefix="course-lib-spark-")
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = (builder.master(f"local[{threads}]")
                   .config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.ui.enabled", "false")
                   .config("spark.driver.memory", memory)
                   .config("spark.local.dir", local_dir)
                   .config("spark.sql.shuffle.partitions", str(max(4, 4 * threads))))
    spark = (builder.config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.legacy.parquet.nanosAsLong", "true")
             .getOrCreate())
    spark.sparkContext.setLogLevel(LOG_LEVEL)
    _SESSION.update(spark=spark, local_dir=local_dir, key=key)
    return spark


def stop_spark() -> None:
    """Stop the local Spark session (if one runs) and remove its scratch folder."""
    if _SESSION["spark"] is not None:
        _SESSION["spark"].stop()
        _SESSION["spark"] = None
    if _SESSION["local_dir"]:
        shutil.rmtree(_SESSION["local_dir"], ignore_errors=True)
        _SESSION["local_dir"] = None


atexit.register(stop_spark)


class SparkEngine:
    dialect = SPARK

    def __init__(self, scratch: Path, memory_limit: str | None = None, threads: int | None = None):
        self.spark = spark_session(memory_limit, threads)
        self.version = self.spark.version
        self.scratch = Path(scratch)
        self._outputs = 0

    def register_raw(self, src) -> None:
        from pyspark.sql import functions as F

        reader = self.spark.read
        if src.kind == "parquet":
            df = reader.parquet(str(src.path))
            raw = df.select("*", F.col("_metadata.row_index").alias("__pos"))
            raw.createOrReplaceTempView("raw")
            return
        df = (reader.option("header", True).option("sep", src.sep).option("quote", '"')
              .option("escape", '"').option("encoding", src.encoding).option("mode", "FAILFAST")
              .csv(str(src.path)))
        if len(src.header) == len(df.columns):   # named as the loader names them (trimmed)
            df = df.toDF(*src.engine_header())
        marked = df.select("*", F.col("_metadata.file_block_start").alias("__block"),
                           F.monotonically_increasing_id().alias("__mono"))
        context = self.spark.sparkContext
        context.setLogLevel("OFF")   # a malformed line is said below in one sentence, not logged too
        try:   # the passes over the whole file: where FAILFAST finds a malformed line
            blocks = (marked.groupBy("__block").agg(F.min("__mono").alias("first"),
                                                    F.count(F.lit(1)).alias("n"))
                      .orderBy("__block").collect())
            offset, cases = 0, []
            for b in blocks:
                cases.append(f"WHEN {int(b['__block'])} THEN {offset - int(b['first'])}")
                offset += int(b["n"])
            shift = F.expr(f"CASE __block {' '.join(cases)} END") if cases else F.lit(0)
            numbered = marked.withColumn("__pos", F.col("__mono") + shift).drop("__block", "__mono")
            target = self.scratch / "raw"
            numbered.write.mode("overwrite").parquet(str(target))
        except Exception as exc:   # py4j's Java error: hundreds of lines, no line number
            raise_if_damaged(src.path)   # Spark's FAILED_READ_FILE on a gzip stream that ends early
            if "MALFORMED" not in str(exc):
                raise
            record = re.search(r"Malformed CSV record: (.*?)(?: SQLSTATE: \w+)?$", str(exc), re.M)
            record = f": {record.group(1)[:60]!r}" if record else ""
            raise EventLogError(
                "Spark found a malformed line past the first 10,000 (a wrong number of fields, a "
                f"stray quote or a truncated last line){record}; Spark does not give its number: "
                "--engine duckdb or pandas names the line", path=src.path) from None
        finally:
            context.setLogLevel(LOG_LEVEL)
        self.spark.read.parquet(str(target)).createOrReplaceTempView("raw")

    def rows(self, sql: str) -> list[dict]:
        return [r.asDict() for r in self.spark.sql(sql).collect()]

    def view(self, name: str, sql: str) -> None:
        self.spark.sql(sql).createOrReplaceTempView(name)

    def table(self, name: str, sql: str) -> None:
        target = self.scratch / name
        self.spark.sql(sql).write.mode("overwrite").parquet(str(target))
        self.spark.read.parquet(str(target)).createOrReplaceTempView(name)

    def batches(self, sql: str, rows: int = 200_000):
        """The ordered result, written as Parquet part files (in order) and read back."""
        import pyarrow.parquet as pq

        self._outputs += 1
        target = self.scratch / f"result-{self._outputs}"
        self.spark.sql(sql).write.mode("overwrite").parquet(str(target))
        for part in sorted(target.glob("part-*.parquet")):
            yield from pq.ParquetFile(part).iter_batches(batch_size=rows)

    def close(self) -> None:
        """The session stays up for the next preparation in this process (stopped at exit)."""
