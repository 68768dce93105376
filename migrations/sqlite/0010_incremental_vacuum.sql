-- no-transaction
-- Space freed by `veille prune` goes back to the file system: with
-- auto_vacuum = INCREMENTAL, `PRAGMA incremental_vacuum` returns free
-- pages in short steps, without rewriting the file.
--
-- The mode of an existing file only changes with a VACUUM, which rewrites
-- the whole database once: it takes about as long as copying the file,
-- needs that much free disk space again beside it, and holds the write
-- lock meanwhile (a cron run waits, then goes on). A new database does
-- this while still empty, at no cost.
PRAGMA auto_vacuum = INCREMENTAL;
VACUUM;
