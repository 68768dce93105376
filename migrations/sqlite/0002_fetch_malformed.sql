-- A feed that is not well-formed XML but could still be read (undefined
-- entity, bare `&`, truncated document…) is stored, and the fetch records
-- why it was malformed so users can tell the outlet.
ALTER TABLE fetches ADD COLUMN malformed TEXT;
