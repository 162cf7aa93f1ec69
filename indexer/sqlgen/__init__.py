"""Generated SQL: document queries and capture triggers, composed with
``psycopg2.sql`` so that every identifier is quoted by the driver."""
