-- /find ranks what it finds and reads notes (issue 13). ``customers.name_key``: the name's
-- own forms and its given name's (domain.names.name_key), so the full name comes first, then
-- the given name, then a prefix. ``interactions.search_text``: the note folded (no accents,
-- lower case, Simplified Chinese), so /find 奶茶 or /find so tiet kiem finds it.
-- Both are worked out in Python: rows written before this migration are NULL until
-- Storage.fill_search_columns (run at start-up) fills them, a batch at a time; the partial
-- indexes find those rows without reading the others.
ALTER TABLE customers ADD COLUMN name_key TEXT;
ALTER TABLE interactions ADD COLUMN search_text TEXT;
CREATE INDEX customers_name_key_missing ON customers(id) WHERE name_key IS NULL;
CREATE INDEX interactions_search_text_missing ON interactions(id) WHERE search_text IS NULL;
