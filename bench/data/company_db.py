"""The "new user's company database": a wholesale company's staff, customers, catalogue and sales.

    .venv/bin/python bench/data/company_db.py [--out bench/out/company.sqlite] [--check]

`--check` then runs every gold query of company_questions.jsonl (and its alt_sql) and fails
unless each one runs and returns a row with no NULL or zero in its first row.

A second domain for bench/text_to_sql.py, built the way a new user's database looks to
Askwell: nine tables with declared foreign keys, dates as ISO 'YYYY-MM-DD' text (SQLite has
no date type), a `discount` column holding a fraction (0 to 0.3, not a percentage), order
statuses as lower-case words, a few NULLs (a missing email, an order not yet shipped, an
employee still employed), and no description, docs or examples anywhere in the product.

Deterministic: one seeded random generator and a fixed row order, so the same file (and the
same gold results in company_questions.jsonl) comes out on every machine. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path
from typing import Any

SEED = 20261204
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "out" / "company.sqlite"
QUESTIONS = Path(__file__).resolve().parent / "company_questions.jsonl"

SCHEMA = """
CREATE TABLE departments (
    department_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    location TEXT NOT NULL,
    budget REAL NOT NULL
);
CREATE TABLE employees (
    employee_id INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT,
    department_id INTEGER NOT NULL REFERENCES departments(department_id),
    manager_id INTEGER REFERENCES employees(employee_id),
    job_title TEXT NOT NULL,
    hire_date TEXT NOT NULL,
    termination_date TEXT,
    salary REAL NOT NULL
);
CREATE TABLE customers (
    customer_id INTEGER PRIMARY KEY,
    company_name TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    email TEXT,
    city TEXT NOT NULL,
    country TEXT NOT NULL,
    segment TEXT NOT NULL,
    signup_date TEXT NOT NULL,
    account_manager_id INTEGER REFERENCES employees(employee_id)
);
CREATE TABLE suppliers (
    supplier_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    rating INTEGER
);
CREATE TABLE categories (
    category_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    parent_category_id INTEGER REFERENCES categories(category_id)
);
CREATE TABLE products (
    product_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    category_id INTEGER NOT NULL REFERENCES categories(category_id),
    supplier_id INTEGER NOT NULL REFERENCES suppliers(supplier_id),
    list_price REAL NOT NULL,
    cost REAL NOT NULL,
    stock_quantity INTEGER NOT NULL,
    discontinued INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE orders (
    order_id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(customer_id),
    employee_id INTEGER NOT NULL REFERENCES employees(employee_id),
    order_date TEXT NOT NULL,
    ship_date TEXT,
    status TEXT NOT NULL,
    shipping_cost REAL NOT NULL
);
CREATE TABLE order_items (
    order_item_id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(order_id),
    product_id INTEGER NOT NULL REFERENCES products(product_id),
    quantity INTEGER NOT NULL,
    unit_price REAL NOT NULL,
    discount REAL NOT NULL DEFAULT 0
);
CREATE TABLE payments (
    payment_id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(order_id),
    payment_date TEXT NOT NULL,
    amount REAL NOT NULL,
    method TEXT NOT NULL
);
"""

DEPARTMENTS = [
    ("Sales", "London", 1_200_000),
    ("Marketing", "London", 450_000),
    ("Engineering", "Berlin", 1_800_000),
    ("Finance", "Paris", 380_000),
    ("Human Resources", "Paris", 250_000),
    ("Operations", "Rotterdam", 900_000),
    ("Customer Support", "Lisbon", 420_000),
]
TITLES = {
    "Sales": ["Account Executive", "Sales Representative", "Sales Manager"],
    "Marketing": ["Marketing Specialist", "Content Writer", "Marketing Manager"],
    "Engineering": ["Software Engineer", "Data Engineer", "Engineering Manager"],
    "Finance": ["Accountant", "Financial Analyst", "Finance Manager"],
    "Human Resources": ["HR Generalist", "Recruiter", "HR Manager"],
    "Operations": ["Warehouse Associate", "Logistics Coordinator", "Operations Manager"],
    "Customer Support": ["Support Agent", "Support Specialist", "Support Manager"],
}
SALARY = {"Manager": (70_000, 110_000), "Engineer": (55_000, 95_000)}
FIRST = """Anna Ben Clara David Emma Felix Grace Hugo Ines Jonas Karin Leo Maria Nina Oscar Paula
Quentin Rosa Sven Tara Ugo Vera Walter Xenia Yusuf Zoe Amir Bianca Carlos Dora Elias Fatima
Goran Hanna Ivan Julia Kofi Lena Marco Noor""".split()
LAST = """Almeida Becker Costa Dubois Eriksen Fischer Garcia Hansen Ivanova Jansen Keller Lambert
Moreau Novak Olsen Petrov Quist Rossi Schmidt Torres Uddin Vogel Weber Young Zimmermann""".split()
COUNTRIES = {
    "United Kingdom": ["London", "Manchester", "Leeds"],
    "Germany": ["Berlin", "Munich", "Hamburg"],
    "France": ["Paris", "Lyon", "Lille"],
    "Netherlands": ["Amsterdam", "Rotterdam"],
    "Spain": ["Madrid", "Barcelona", "Valencia"],
    "Italy": ["Milan", "Rome"],
    "Portugal": ["Lisbon", "Porto"],
    "Poland": ["Warsaw", "Krakow"],
    "Sweden": ["Stockholm"],
    "USA": ["New York", "Chicago", "Boston"],
}
SEGMENTS = [("Retail", 0.45), ("Wholesale", 0.3), ("Enterprise", 0.15), ("Public Sector", 0.1)]
COMPANY_WORDS = """Alpine Beacon Cedar Delta Ember Falcon Granite Harbor Iris Juniper Kestrel Lumen
Meridian Nimbus Orchid Pioneer Quartz Riverside Summit Tidal Umber Vertex Willow Zenith""".split()
COMPANY_SUFFIX = ["Ltd", "GmbH", "SA", "BV", "Trading", "Group", "& Co", "Supplies"]
CATEGORIES = [  # (name, parent name)
    ("Office Supplies", None),
    ("Paper", "Office Supplies"),
    ("Writing Instruments", "Office Supplies"),
    ("Furniture", None),
    ("Chairs", "Furniture"),
    ("Desks", "Furniture"),
    ("Electronics", None),
    ("Computers", "Electronics"),
    ("Accessories", "Electronics"),
    ("Cleaning", None),
]
PRODUCT_NOUNS = {
    "Paper": (["A4 Copy Paper", "Recycled Paper", "Photo Paper", "Notebook", "Sticky Notes"], (3, 40)),
    "Writing Instruments": (["Ballpoint Pen", "Gel Pen", "Marker Set", "Pencil Box", "Highlighter"], (2, 25)),
    "Chairs": (["Office Chair", "Ergonomic Chair", "Stool", "Visitor Chair"], (60, 450)),
    "Desks": (["Standing Desk", "Corner Desk", "Meeting Table", "Writing Desk"], (150, 900)),
    "Computers": (["Laptop", "Desktop PC", "Mini PC", "Tablet"], (300, 1800)),
    "Accessories": (["Keyboard", "Mouse", "Monitor", "Headset", "Docking Station", "USB Hub"], (10, 350)),
    "Cleaning": (["Disinfectant", "Paper Towels", "Mop", "Trash Bags", "Hand Soap"], (2, 45)),
}
PRODUCT_STYLES = ["Basic", "Pro", "Eco", "Plus", "Max", "Lite"]
SUPPLIER_COUNTRIES = ["China", "Germany", "Poland", "USA", "Italy", "Taiwan", "Netherlands"]
STATUSES = [("delivered", 0.62), ("shipped", 0.12), ("pending", 0.09), ("cancelled", 0.1), ("returned", 0.07)]
METHODS = [("bank_transfer", 0.45), ("credit_card", 0.4), ("paypal", 0.15)]
DISCOUNTS = [(0.0, 0.55), (0.05, 0.2), (0.1, 0.13), (0.15, 0.06), (0.2, 0.04), (0.25, 0.01), (0.3, 0.01)]
FIRST_ORDER = date(2021, 1, 1)
LAST_ORDER = date(2024, 12, 31)


def pick(rng: random.Random, weighted: Sequence[tuple[object, float]]) -> object:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def day(start: date, end: date, rng: random.Random) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def build(out: Path) -> Path:
    rng = random.Random(SEED)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.unlink()
    conn = sqlite3.connect(out)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(SCHEMA)

    conn.executemany(
        "INSERT INTO departments VALUES (?, ?, ?, ?)", [(i, *d) for i, d in enumerate(DEPARTMENTS, 1)]
    )

    # Employees: a manager per department first (so manager_id points back), then staff.
    employees: list[tuple[object, ...]] = []
    managers: dict[int, int] = {}
    used_names: set[tuple[str, str]] = set()

    def name() -> tuple[str, str]:
        while True:
            pair = (rng.choice(FIRST), rng.choice(LAST))
            if pair not in used_names:
                used_names.add(pair)
                return pair

    def salary(title: str) -> float:
        low, high = next((v for k, v in SALARY.items() if k in title), (32_000, 68_000))
        return float(rng.randrange(low, high, 500))

    for dept_id, (dept, _, _) in enumerate(DEPARTMENTS, 1):
        first, last = name()
        hired = day(date(2015, 1, 1), date(2019, 12, 31), rng)
        employee_id = len(employees) + 1
        managers[dept_id] = employee_id
        title = TITLES[dept][2]
        email: str | None = f"{first}.{last}@northwind-wholesale.example".lower()
        employees.append(
            (employee_id, first, last, email, dept_id, None, title, hired.isoformat(), None, salary(title))
        )
    staff_per_dept = [38, 9, 22, 8, 6, 25, 14]
    for dept_id, count in enumerate(staff_per_dept, 1):
        dept = DEPARTMENTS[dept_id - 1][0]
        for _ in range(count):
            first, last = name()
            hired = day(date(2016, 1, 1), date(2024, 11, 30), rng)
            left = None
            if rng.random() < 0.15 and hired < date(2024, 6, 1):
                left = day(hired + timedelta(days=120), date(2024, 12, 31), rng)
            email = None if rng.random() < 0.06 else f"{first}.{last}@northwind-wholesale.example".lower()
            title = rng.choice(TITLES[dept][:2])
            employees.append(
                (
                    len(employees) + 1,
                    first,
                    last,
                    email,
                    dept_id,
                    managers[dept_id],
                    title,
                    hired.isoformat(),
                    left.isoformat() if left else None,
                    salary(title),
                )
            )
    conn.executemany("INSERT INTO employees VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", employees)
    sales_staff = [e[0] for e in employees if e[4] == 1]

    customers = []
    used_companies: set[str] = set()
    for customer_id in range(1, 321):
        while True:
            company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIX)}"
            if company not in used_companies:
                used_companies.add(company)
                break
        country = rng.choice(list(COUNTRIES))
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = None if rng.random() < 0.08 else f"{first[0]}.{last}@{company.split()[0]}.example".lower()
        customers.append(
            (
                customer_id,
                company,
                f"{first} {last}",
                email,
                rng.choice(COUNTRIES[country]),
                country,
                pick(rng, SEGMENTS),
                day(date(2020, 1, 1), date(2024, 10, 31), rng).isoformat(),
                None if rng.random() < 0.1 else rng.choice(sales_staff),
            )
        )
    conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", customers)

    suppliers = [
        (
            i,
            f"{rng.choice(COMPANY_WORDS)} {s}",
            rng.choice(SUPPLIER_COUNTRIES),
            None if i % 7 == 0 else rng.randint(1, 5),
        )
        for i, s in enumerate(
            [
                "Manufacturing",
                "Industries",
                "Office",
                "Components",
                "Works",
                "Goods",
                "Imports",
                "Paperworks",
                "Electronics",
                "Furnishings",
                "Hygiene",
                "Supply",
            ],
            1,
        )
    ]
    conn.executemany("INSERT INTO suppliers VALUES (?, ?, ?, ?)", suppliers)

    category_ids = {name: i for i, (name, _) in enumerate(CATEGORIES, 1)}
    conn.executemany(
        "INSERT INTO categories VALUES (?, ?, ?)",
        [(category_ids[n], n, category_ids[p] if p else None) for n, p in CATEGORIES],
    )

    products: list[tuple[Any, ...]] = []
    for category, (nouns, (low, high)) in PRODUCT_NOUNS.items():
        for noun in nouns:
            for style in rng.sample(PRODUCT_STYLES, 3):
                price = round(rng.uniform(low, high), 2)
                products.append(
                    (
                        len(products) + 1,
                        f"{noun} {style}",
                        category_ids[category],
                        rng.randint(1, len(suppliers)),
                        price,
                        round(price * rng.uniform(0.45, 0.8), 2),
                        rng.randint(0, 600),
                        1 if rng.random() < 0.1 else 0,
                    )
                )
    conn.executemany("INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, ?)", products)

    orders: list[tuple[Any, ...]] = []
    items: list[tuple[Any, ...]] = []
    payments: list[tuple[Any, ...]] = []
    for order_id in range(1, 2401):
        customer = rng.choice(customers)
        signed = date.fromisoformat(str(customer[7]))
        ordered = day(max(signed, FIRST_ORDER), LAST_ORDER, rng)
        status = str(pick(rng, STATUSES))
        if ordered > LAST_ORDER - timedelta(days=20) and status == "delivered":
            status = "pending"
        shipped = None
        if status in ("shipped", "delivered", "returned"):
            shipped = min(ordered + timedelta(days=rng.randint(1, 9)), LAST_ORDER)
        orders.append(
            (
                order_id,
                customer[0],
                rng.choice(sales_staff),
                ordered.isoformat(),
                shipped.isoformat() if shipped else None,
                status,
                round(rng.uniform(5, 60), 2),
            )
        )
        total = 0.0
        for product in rng.sample(products, rng.choices([1, 2, 3, 4, 5], weights=[30, 30, 20, 12, 8])[0]):
            quantity = rng.choice([1, 1, 2, 2, 3, 5, 10, 20, 50]) if product[4] < 50 else rng.randint(1, 6)
            discount = float(pick(rng, DISCOUNTS))  # type: ignore[arg-type]
            unit_price = product[4]
            items.append((len(items) + 1, order_id, product[0], quantity, unit_price, discount))
            total += quantity * unit_price * (1 - discount)
        if status != "cancelled" and status != "pending":
            method = str(pick(rng, METHODS))
            paid = ordered + timedelta(days=rng.randint(0, 30))
            if rng.random() < 0.15:  # paid in two instalments
                first_part = round(total * 0.5, 2)
                payments.append((len(payments) + 1, order_id, paid.isoformat(), first_part, method))
                later = paid + timedelta(days=30)
                payments.append(
                    (len(payments) + 1, order_id, later.isoformat(), round(total - first_part, 2), method)
                )
            else:
                payments.append((len(payments) + 1, order_id, paid.isoformat(), round(total, 2), method))
    conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)", orders)
    conn.executemany("INSERT INTO order_items VALUES (?, ?, ?, ?, ?, ?)", items)
    conn.executemany("INSERT INTO payments VALUES (?, ?, ?, ?, ?)", payments)
    conn.commit()
    problems = conn.execute("PRAGMA foreign_key_check").fetchall()
    conn.close()
    if problems:
        raise RuntimeError(f"foreign key violations: {problems[:5]}")
    return out


def check_questions(db: Path, questions: Path) -> list[str]:
    """The problems of the gold queries: an error, no row, or a NULL or 0 in the first row (a
    gold answer that a wrong query could match by accident)."""
    problems = []
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        for line in questions.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            for sql in [item["sql"], *item.get("alt_sql", [])] if "sql" in item else []:
                try:
                    rows = conn.execute(sql).fetchall()
                except sqlite3.Error as exc:
                    problems.append(f"{item['id']}: {exc}")
                    continue
                if not rows or any(v in (None, 0) for v in rows[0]):
                    problems.append(f"{item['id']}: first row {rows[:1]}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--check", action="store_true", help="run the gold queries of company_questions.jsonl"
    )
    args = parser.parse_args()
    path = build(args.out)
    if args.check:
        problems = check_questions(path, QUESTIONS)
        if problems:
            raise SystemExit("\n".join(problems))
        print(f"every gold query of {QUESTIONS.name} runs and returns a non-empty result")
    with sqlite3.connect(path) as conn:
        names = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
        ]
        counts = {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    print(f"wrote {path}: {counts}")


if __name__ == "__main__":
    main()
