-- A community's interior (10 cm in), stored once instead of buffered per query: a delivery
-- zone serves a community when it reaches inside it, not when it merely touches its edge.
-- Coverage, scoring's network counts and disaster-area losses all test against it.
ALTER TABLE communities
    ADD COLUMN interior geometry GENERATED ALWAYS AS (ST_Buffer(geom, -0.000001)) STORED;
