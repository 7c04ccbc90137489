"""UCI Online Retail: real transactions of a UK online shop (lessons 00-04, 09).

Chen, D., Sain, S. L. and Guo, K. (2012). Data mining for the online retail
industry. Journal of Database Marketing & Customer Strategy Management 19(3),
197-208. Licence CC BY 4.0 (UCI Machine Learning Repository, data set 352).

The course ships a compact, lossless copy, ``datasets/online_retail.parquet``
(data card: ``datasets/uci-online-retail.md``; rebuilt byte for byte by
``scripts/build_online_retail.py``), so nothing is downloaded. A file in the
folder named by ``COURSE_DATA_DIR`` takes precedence: the Parquet copy, the
UCI zip or .xlsx, or a CSV/CSV.gz with the same columns.

Purchases are read through :func:`course_lib.datasets.load_events`, the same
loader ``course-lib`` uses, so a lesson and the command line see the same
rows (:data:`EVENT_MAPPING`).
"""
from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from course_lib.datasets.own_data import load_events
from course_lib.datasets.schema import EventLogError
from course_lib.datasets.synthetic import make_shop

COLUMNS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
           "UnitPrice", "CustomerID", "Country"]

#: The lossless typed form of the UCI file: every field, every line, in the file's order.
SCHEMA = pa.schema([("InvoiceNo", pa.string()), ("StockCode", pa.string()),
                    ("Description", pa.string()), ("Quantity", pa.int32()),
                    ("InvoiceDate", pa.timestamp("s")), ("UnitPrice", pa.float64()),
                    ("CustomerID", pa.int32()), ("Country", pa.string())])

SHIPPED_NAME = "online_retail.parquet"
#: sha256 of the shipped copy (the data card's; ``python3 tasks.py doctor`` compares)
SHIPPED_SHA256 = "0877e73aab1451a56f5c888db82dc7511deedd458f1834ab1c3244d4b898ca15"

#: File names we look for, best first (Parquet reads in a fraction of a second, .xlsx in a minute).
FILE_NAMES = [SHIPPED_NAME, "online_retail.csv.gz", "online_retail.csv", "Online Retail.xlsx",
              "online_retail.xlsx", "online+retail.zip", "online_retail.zip"]

UCI_URL = "https://archive.ics.uci.edu/dataset/352/online+retail"

REPO_DATASETS = Path(__file__).resolve().parents[2] / "datasets"

#: The writer settings of the shipped copy (see the data card for why these).
PARQUET_OPTIONS = dict(compression="zstd", compression_level=19,
                       use_dictionary=["InvoiceNo", "StockCode", "Description", "Country"],
                       row_group_size=1 << 20, data_page_size=1 << 20, version="2.6",
                       data_page_version="1.0", write_statistics=True, store_schema=True,
                       use_byte_stream_split=False, write_page_checksum=False)

#: How the invoice lines map onto the canonical event table (``course-lib --user CustomerID ...``).
EVENT_MAPPING = dict(user="CustomerID", session="InvoiceNo", item="StockCode", time="InvoiceDate",
                     price="UnitPrice", quantity="Quantity")


class MissingDataError(FileNotFoundError):
    """A real data set is not on this machine; the message says how to get it."""


def data_dirs() -> list[Path]:
    """Where the course looks for real data: ``$COURSE_DATA_DIR``, then ``datasets/``."""
    dirs = []
    if os.environ.get("COURSE_DATA_DIR"):
        dirs.append(Path(os.environ["COURSE_DATA_DIR"]).expanduser())
    dirs.append(REPO_DATASETS)
    return dirs


def find_online_retail() -> Path:
    """Path of the first Online Retail file found, or a MissingDataError."""
    for folder in data_dirs():
        for name in FILE_NAMES:
            if (folder / name).is_file():
                return folder / name
    looked = " or ".join(str(d) for d in data_dirs())
    raise MissingDataError(
        f"UCI Online Retail is not in {looked}: restore the course's copy "
        f"(git checkout datasets/{SHIPPED_NAME}), or download it from {UCI_URL} "
        "and set COURSE_DATA_DIR to the folder that holds the zip, the .xlsx or a CSV of it.")


# --------------------------------------------------------------------------- #
# reading any form of the file into the lossless typed table

def _integers(text: pa.ChunkedArray, column: str, path, nullable: bool) -> pa.ChunkedArray:
    """'6', '6.0' -> 6 (int32); anything else, a fraction included, is an error."""
    stripped = pc.utf8_trim_whitespace(text)
    empty = pc.equal(stripped, "")
    if pc.any(empty).as_py() and not nullable:
        raise EventLogError("empty value", path=path, column=column,
                            line=pc.index(empty, True).as_py() + 2)
    ok = pc.or_(pc.match_substring_regex(stripped, r"^-?\d+(\.0*)?$"), empty)
    if not pc.all(ok).as_py():
        i = pc.index(ok, False).as_py()
        raise EventLogError(f"{text[i].as_py()!r} is not a whole number", path=path,
                            column=column, line=i + 2)
    digits = pc.replace_substring_regex(stripped, r"\.0*$", "")
    digits = pc.if_else(empty, pa.scalar(None, pa.string()), digits)
    return pc.cast(digits, pa.int32())


def _from_text(text: pa.Table, path) -> pa.Table:
    """The CSV's text fields (all strings) -> the typed table; an empty text is a missing value."""
    def optional(name):
        col = text[name]
        return pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)

    dates = text["InvoiceDate"]
    try:
        stamps = pc.strptime(dates, format="%Y-%m-%d %H:%M:%S", unit="s")
    except pa.ArrowInvalid:  # another export's format, e.g. 12/1/2010 8:26
        parsed = pd.to_datetime(pd.Series(dates.to_numpy(zero_copy_only=False)), format="mixed",
                                errors="coerce")
        if parsed.isna().any():
            i = int(parsed.isna().to_numpy().argmax())
            raise EventLogError(f"cannot parse {dates[i].as_py()!r} as a time", path=path,
                                column="InvoiceDate", line=i + 2) from None
        stamps = pa.array(parsed.dt.round("s").astype("datetime64[s]"), pa.timestamp("s"))
    try:
        prices = pc.cast(text["UnitPrice"], pa.float64())
    except pa.ArrowInvalid:
        raise EventLogError("holds a value that is not a number", path=path,
                            column="UnitPrice") from None
    return pa.table([text["InvoiceNo"], text["StockCode"], optional("Description"),
                     _integers(text["Quantity"], "Quantity", path, nullable=False), stamps,
                     prices, _integers(text["CustomerID"], "CustomerID", path, nullable=True),
                     text["Country"]], schema=SCHEMA)


def _from_excel(path: Path) -> pa.Table:
    """The UCI .xlsx (or the zip that holds it): numbers typed by Excel, codes as text."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            inner = [n for n in zf.namelist() if n.lower().endswith(".xlsx")]
            if not inner:
                raise EventLogError("the zip holds no .xlsx file", path=path)
            with zf.open(inner[0]) as fh:
                frame = pd.read_excel(fh, dtype=object)
    else:
        frame = pd.read_excel(path, dtype=object)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise EventLogError(f"not the Online Retail layout: missing {missing}", path=path)

    def text(values):
        out = ["" if v is None or (isinstance(v, float) and v != v) else
               str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in values]
        return pa.array(out, pa.string())

    dates = pd.to_datetime(frame["InvoiceDate"]).dt.round("s").astype("datetime64[s]")
    as_text = pa.table({c: text(frame[c]) for c in COLUMNS})
    table = _from_text(as_text.set_column(COLUMNS.index("InvoiceDate"), "InvoiceDate",
                                          pa.array(dates.dt.strftime("%Y-%m-%d %H:%M:%S"))), path)
    return table


def read_online_retail_table(path) -> pa.Table:
    """Any form of the UCI file (Parquet, CSV, CSV.gz, .xlsx, zip) as the lossless typed table.

    Every line, in the file's order, every field as written: codes as text,
    Quantity and CustomerID as whole numbers (CustomerID missing for guest
    lines), InvoiceDate to the second, UnitPrice as a float64 that prints
    back as the source's text. ``scripts/build_online_retail.py`` writes this
    table as the shipped Parquet copy.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingDataError(f"{path}: no such file")
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] == [".parquet"]:
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise EventLogError(f"is not a readable Parquet file ({exc})", path=path) from None
        missing = [c for c in COLUMNS if c not in table.column_names]
        if missing:
            raise EventLogError(f"not the Online Retail layout: missing {missing}", path=path)
        return table.select(COLUMNS).cast(SCHEMA)
    if suffixes[-1:] in ([".xlsx"], [".zip"]):
        return _from_excel(path)
    import pyarrow.csv as pcsv

    try:
        text = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
            column_types={c: pa.string() for c in COLUMNS}, strings_can_be_null=False,
            quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise EventLogError(f"cannot be read as the Online Retail CSV: {exc}", path=path) from None
    missing = [c for c in COLUMNS if c not in text.column_names]
    if missing:
        raise EventLogError(f"not the Online Retail layout: missing {missing}; columns are "
                            f"{text.column_names}", path=path)
    return _from_text(text.select(COLUMNS), path)


def write_parquet_copy(source, destination) -> Path:
    """Write the lossless Parquet copy of ``source`` with the pinned settings (the build script).

    Writes to a temporary file first and renames it, so the destination is
    complete or absent; an existing destination is never overwritten. The
    bytes depend on the pyarrow version (its writer and the zstd it bundles).
    """
    import pyarrow.parquet as pq

    destination = Path(destination)
    if destination.exists():
        raise FileExistsError(f"{destination} exists already; remove it first")
    table = read_online_retail_table(source).replace_schema_metadata(None)
    tmp = destination.with_name(destination.name + ".partial")
    try:
        pq.write_table(table, tmp, **PARQUET_OPTIONS)
        tmp.replace(destination)
    finally:
        tmp.unlink(missing_ok=True)
    return destination


def sha256(path) -> str:
    """Hex sha256 of a file (the data card lists the source's and the shipped copy's)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- #
# what the lessons use

def load_online_retail(path=None) -> pd.DataFrame:
    """The raw invoice lines as pandas columns, with an ``is_cancellation`` flag (lesson 00).

    Every line and field of the file, unchanged: ``CustomerID`` is a nullable
    integer (about a quarter of the lines have none: guest checkouts), and
    invoices whose number starts with ``C`` are cancellations.
    """
    path = Path(path) if path is not None else find_online_retail()
    table = read_online_retail_table(path)
    raw = table.to_pandas(types_mapper={pa.int32(): pd.Int64Dtype()}.get)
    raw["Quantity"] = raw["Quantity"].astype("int64")
    raw["InvoiceDate"] = raw["InvoiceDate"].astype("datetime64[ns]")
    for column in ("InvoiceNo", "StockCode", "Description", "Country"):
        raw[column] = raw[column].astype("string")
    raw["is_cancellation"] = raw["InvoiceNo"].str.startswith("C").astype(bool)
    raw.attrs["source"] = str(path)
    return raw


def online_retail_events(raw: pd.DataFrame | None = None, customers: str = "known") -> pd.DataFrame:
    """Purchases as a canonical event table (one event per invoice line), via ``load_events``.

    The same call as ``course-lib ... --user CustomerID --session InvoiceNo
    --item StockCode --time InvoiceDate --price UnitPrice --quantity Quantity
    --default-event purchase --clean-sales`` (with ``--drop-missing-ids``):
    ``clean_sales`` leaves out lines with a quantity or price of zero or less
    (every cancellation has a negative quantity). ``customers="known"`` keeps
    the lines with a CustomerID (what the customer-level lessons need);
    ``"all"`` keeps guest lines too and makes every invoice its own buyer
    (``--no-user``: what shop-level demand needs).
    """
    if customers not in ("known", "all"):
        raise ValueError("customers must be 'known' or 'all'")
    source = raw if raw is not None else find_online_retail()
    if isinstance(source, Path) and source.suffix.lower() in (".xlsx", ".zip"):
        source = load_online_retail(source)
    mapping = dict(EVENT_MAPPING)
    if customers == "known":
        options = dict(drop_missing_ids=True)
    else:
        mapping.pop("user")
        options = dict(exclude=("user",))
    return load_events(source, **mapping, **options, default_event="purchase", clean_sales=True)


def retail_stand_in(seed: int = 0) -> pd.DataFrame:
    """A synthetic shop's purchases on Online Retail's calendar (used only when the real file is missing).

    Same dates (2010-12-01 to 2011-12-09), closed on Saturdays and over
    Christmas, one session = one order, so a lesson's code runs unchanged;
    its numbers are the synthetic shop's, not the real shop's.
    """
    shop = make_shop(400_000, seed=seed, start="2010-12-01", n_days=374,
                     weekly_profile=(1.0, 1.05, 1.0, 1.1, 0.9, 0.0, 0.6))
    events = shop.events
    day = events["timestamp"].dt.normalize()
    closed = ((day >= "2010-12-23") & (day <= "2011-01-03")) | (day.dt.day_of_week == 5)
    purchases = events[(events["event_type"] == "purchase") & ~closed].reset_index(drop=True)
    purchases.attrs = {"source": "synthetic shop (stand-in for Online Retail)", "columns": {},
                       "notes": ["synthetic purchases on Online Retail's calendar"]}
    return purchases


def online_retail_or_stand_in(customers: str = "known", raw: pd.DataFrame | None = None,
                              say=print) -> pd.DataFrame:
    """:func:`online_retail_events`, or, if the file is missing, one sentence and the stand-in.

    What every lesson that uses Online Retail calls: the lesson goes on
    with :func:`retail_stand_in` (a synthetic shop) instead of stopping.
    """
    try:
        return online_retail_events(raw, customers=customers)
    except MissingDataError:
        say(f"UCI Online Retail is not in {' or '.join(str(d) for d in data_dirs())}, so this lesson "
            f"goes on with a synthetic shop on the same calendar (restore the real data with "
            f"`git checkout datasets/{SHIPPED_NAME}`).")
        return retail_stand_in()
