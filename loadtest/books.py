"""A synthetic bookshop of any size: publisher, author, book, book_author.

``books`` books, ``books // 5`` authors (each book has one or two), ``max(10,
books // 100)`` publishers. Generated inside Postgres with ``generate_series``,
so a million books take seconds. The document is ``schemas/book.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "book.json"  # the document of these tables

DDL = """
DROP TABLE IF EXISTS book_author, book, author, publisher CASCADE;
CREATE TABLE publisher (
    id integer PRIMARY KEY,
    name text NOT NULL,
    country text
);
CREATE TABLE author (
    id integer PRIMARY KEY,
    name text NOT NULL,
    born date
);
CREATE TABLE book (
    id integer PRIMARY KEY,
    isbn text NOT NULL UNIQUE,
    title text NOT NULL,
    description text,
    price numeric(8, 2),
    published_on date,
    publisher_id integer REFERENCES publisher,
    copies_sold integer NOT NULL DEFAULT 0
);
CREATE INDEX ON book (publisher_id);
CREATE TABLE book_author (
    book_id integer NOT NULL REFERENCES book ON DELETE CASCADE,
    author_id integer NOT NULL REFERENCES author,
    PRIMARY KEY (book_id, author_id)
);
CREATE INDEX ON book_author (author_id);
"""

FILL = """
INSERT INTO publisher SELECT p, 'Publisher ' || p, (ARRAY['UK','US','FR','DE','JP'])[1 + p %% 5]
FROM generate_series(1, %(publishers)s) p;
INSERT INTO author SELECT a, 'Author ' || a || ' ' || md5(a::text), date '1950-01-01' + (a %% 15000)
FROM generate_series(1, %(authors)s) a;
INSERT INTO book
SELECT b, 'isbn-' || b, 'Title ' || b || ' ' || substr(md5(b::text), 1, 12),
       repeat('A story about ' || md5((b * 7)::text) || '. ', 3),
       (b %% 5000) / 100.0 + 1, date '2000-01-01' + (b %% 8000), 1 + b %% %(publishers)s, b %% 1000
FROM generate_series(1, %(books)s) b;
INSERT INTO book_author
SELECT b, 1 + (b::bigint * 7919) %% %(authors)s FROM generate_series(1, %(books)s) b
UNION
SELECT b, 1 + (b::bigint * 104729 + 17) %% %(authors)s FROM generate_series(1, %(books)s) b WHERE b %% 2 = 0;
ANALYZE publisher; ANALYZE author; ANALYZE book; ANALYZE book_author;
"""


def create(conn: Any, books: int) -> dict[str, int]:
    """(Re)create the tables in ``conn``'s database with ``books`` books."""
    sizes = {"books": books, "authors": max(10, books // 5), "publishers": max(10, books // 100)}
    with conn.cursor() as cur:
        cur.execute(DDL)
        cur.execute(FILL, sizes)
    conn.commit()
    return sizes
