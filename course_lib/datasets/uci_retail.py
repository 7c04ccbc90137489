"""UCI Online Retail: real transactions of a UK online shop (lessons 00, 03, 08).

Chen, D., Sain, S. L. and Guo, K. (2012). Data mining for the online retail
industry. Journal of Database Marketing & Customer Strategy Management 19(3),
197-208. Licence CC BY 4.0 (UCI Machine Learning Repository, data set 352).

The course never downloads it at run time. Get it once from the UCI
repository (the zip holds ``Online Retail.xlsx``) and put the zip, the .xlsx,
or a CSV/CSV.gz with the same columns in ``datasets/`` or in the folder named
by the environment variable ``COURSE_DATA_DIR``.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from course_lib.datasets.schema import EVENT_TYPES, EventLogError, id_column

COLUMNS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
           "UnitPrice", "CustomerID", "Country"]

#: File names we look for, best first (CSV reads in about a second, .xlsx in a minute).
FILE_NAMES = ["online_retail.csv.gz", "online_retail.csv", "Online Retail.xlsx",
              "online_retail.xlsx", "online+retail.zip", "online_retail.zip"]

UCI_URL = "https://archive.ics.uci.edu/dataset/352/online+retail"

REPO_DATASETS = Path(__file__).resolve().parents[2] / "datasets"


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
    looked = "\n".join(f"  - {d}" for d in data_dirs())
    raise MissingDataError(
        "UCI Online Retail was not found. Download it once from\n"
        f"  {UCI_URL}\n"
        "(the zip holds 'Online Retail.xlsx') and put the zip, the .xlsx or a CSV with the\n"
        f"same columns ({', '.join(COLUMNS)}) in one of:\n{looked}\n"
        "or set COURSE_DATA_DIR to the folder that holds it.")


def _read_excel(path: Path) -> pd.DataFrame:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            inner = [n for n in zf.namelist() if n.lower().endswith(".xlsx")]
            if not inner:
                raise EventLogError("the zip holds no .xlsx file", path=path)
            with zf.open(inner[0]) as fh:
                return pd.read_excel(fh, dtype={"InvoiceNo": str, "StockCode": str})
    return pd.read_excel(path, dtype={"InvoiceNo": str, "StockCode": str})


def load_online_retail(path=None) -> pd.DataFrame:
    """The raw transaction lines, typed, with an ``is_cancellation`` flag.

    ``CustomerID`` is a nullable integer: about a quarter of the lines have
    none (guest checkouts); :func:`online_retail_events` says what to do with
    them. Invoices whose number starts with ``C`` are cancellations.
    """
    path = Path(path) if path is not None else find_online_retail()
    if not path.is_file():
        raise MissingDataError(f"{path}: no such file")
    if path.suffix in (".xlsx", ".zip"):
        raw = _read_excel(path)
    else:
        try:
            raw = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str,
                                           "Description": str, "Country": str},
                              encoding_errors="strict")
        except (UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise EventLogError(f"cannot be read as the Online Retail CSV: {exc}", path=path) from None
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise EventLogError(f"not the Online Retail layout: missing {missing}; "
                            f"columns are {list(raw.columns)}", path=path)
    raw = raw[COLUMNS].copy()
    raw["InvoiceNo"] = raw["InvoiceNo"].astype(str).str.strip()
    raw["StockCode"] = raw["StockCode"].astype(str).str.strip().str.upper()
    raw["InvoiceDate"] = pd.to_datetime(raw["InvoiceDate"], format="mixed").astype("datetime64[ns]")
    raw["Quantity"] = raw["Quantity"].astype("int64")
    raw["UnitPrice"] = raw["UnitPrice"].astype("float64")
    raw["CustomerID"] = pd.to_numeric(raw["CustomerID"]).round().astype("Int64")
    raw["is_cancellation"] = raw["InvoiceNo"].str.startswith("C")
    raw.attrs["source"] = str(path)
    return raw


def online_retail_events(raw: pd.DataFrame | None = None, customers: str = "known") -> pd.DataFrame:
    """Purchases as a canonical event table (one event per invoice line).

    Cancellations, non-positive quantities and prices are left out.
    ``customers="known"`` keeps the lines with a CustomerID (what the
    customer-level lessons need); ``"all"`` keeps guest lines too, each guest
    invoice standing for its own user (what shop-level demand needs).
    """
    if customers not in ("known", "all"):
        raise ValueError("customers must be 'known' or 'all'")
    raw = load_online_retail() if raw is None else raw
    keep = (~raw["is_cancellation"]) & (raw["Quantity"] > 0) & (raw["UnitPrice"] > 0)
    if customers == "known":
        keep &= raw["CustomerID"].notna()
    lines = raw[keep]
    user = lines["CustomerID"].astype("string")
    user = user.fillna("guest-" + lines["InvoiceNo"])
    events = pd.DataFrame({
        "user_id": id_column(user.reset_index(drop=True)),
        "session_id": id_column(lines["InvoiceNo"].reset_index(drop=True)),
        "item_id": lines["StockCode"].to_numpy(),
        "timestamp": lines["InvoiceDate"].to_numpy().astype("datetime64[ns]"),
        "event_type": pd.Categorical(np.full(len(lines), "purchase"), categories=list(EVENT_TYPES)),
        "price": lines["UnitPrice"].to_numpy(),
        "quantity": lines["Quantity"].to_numpy(),
    })
    events = events.sort_values("timestamp", kind="stable", ignore_index=True)
    events.attrs["source"] = raw.attrs.get("source", "Online Retail")
    return events


def convert_to_csv(source, destination) -> Path:
    """Convert the UCI .xlsx (or its zip) once into a CSV.gz that loads in a second.

    Writes to a temporary file first and renames it, so the destination is
    complete or absent; an existing destination is never overwritten.
    """
    destination = Path(destination)
    if destination.exists():
        raise FileExistsError(f"{destination} exists already; remove it first")
    raw = load_online_retail(source)[COLUMNS]
    tmp = destination.with_name(destination.name + ".partial")
    compression = "gzip" if destination.suffix == ".gz" else None
    raw.to_csv(tmp, index=False, date_format="%m/%d/%Y %H:%M", compression=compression)
    tmp.replace(destination)
    return destination
