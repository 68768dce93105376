-- no-transaction
-- Space freed by `veille prune` goes back to the file system: with
-- auto_vacuum = INCREMENTAL, `PRAGMA incremental_vacuum` returns free
-- pages in short steps, without rewriting the file.
--
-- The mode of an existing file only changes with a VACUUM, which rewrites
-- the whole database once: it takes about as long as copying the file,
-- needs free disk space for two more copies (the temporary copy, on disk
-- rather than in memory, and the WAL), and holds the write lock meanwhile:
-- a command started meanwhile gives up after its 10-second wait (exit
-- code 1) and the next cron run goes on. A new database does this while
-- still empty, at no cost.
PRAGMA temp_store = FILE;
PRAGMA auto_vacuum = INCREMENTAL;
VACUUM;
PRAGMA temp_store = MEMORY;
