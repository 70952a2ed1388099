-- Runs once, when the Postgres volume is first created. The query API connects as tally_reader,
-- which can read every table the migrations create (as tally) and write none.
CREATE ROLE tally_reader LOGIN PASSWORD 'tally_reader';
GRANT CONNECT ON DATABASE tally TO tally_reader;
GRANT USAGE ON SCHEMA public TO tally_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE tally IN SCHEMA public GRANT SELECT ON TABLES TO tally_reader;
