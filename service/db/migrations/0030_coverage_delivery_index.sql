-- The coverage report lists each community's first delivering stores (store_serves.delivers,
-- ordered by store id). Through the primary key (code, store_id) that read visited every pair
-- of the community until enough delivered, each on its own heap page: at 100,000 stores about
-- 20 random heap reads per community, most of the cold report's database time. This partial
-- index holds only the delivering pairs, in the order read, so the read is an index-only scan
-- of a dozen adjacent entries.
CREATE INDEX store_serves_delivers_idx ON store_serves (code, store_id) WHERE delivers;
