-- The dispatch console: declared disaster areas can be lifted (what-ifs are no longer stored),
-- and a reservation keeps where its household was, so a household found by its ref can be
-- shown on the map.
ALTER TABLE disaster_areas
    ADD COLUMN lifted_at   timestamptz,
    ADD COLUMN lifted_by   text,
    ADD COLUMN lift_reason text NOT NULL DEFAULT '';
-- The stores an area changed (listing, lifting) without scanning the whole history.
CREATE INDEX store_status_history_area_idx ON store_status_history (disaster_area_id, store_id)
    WHERE disaster_area_id IS NOT NULL;
-- The console lists declared areas, newest first.
CREATE INDEX disaster_areas_declared_idx ON disaster_areas (created_at DESC) WHERE marked_affected;

ALTER TABLE reservations ADD COLUMN household_geom geometry(Point, 4326);
-- Look-up of a household's reservations by its ref (a phone call quotes the ref).
CREATE INDEX reservations_household_ref_idx ON reservations (household_ref, day)
    WHERE household_ref IS NOT NULL;
