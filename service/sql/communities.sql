-- name: list_communities
SELECT code, name, name_full, street, district, households, residents, elderly,
       elderly_alone, disabled, mothers_infants, children, estimated, is_pilot, properties, geom
FROM communities
WHERE ($1::boolean IS NULL OR is_pilot = $1)
ORDER BY code;

-- name: upsert_community
INSERT INTO communities (code, name, name_full, street, district, households, residents, elderly,
                         elderly_alone, disabled, mothers_infants, children, estimated, is_pilot,
                         properties, geom)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
        ST_Multi(ST_SetSRID($16::geometry, 4326)))
ON CONFLICT (code) DO UPDATE SET
    name = EXCLUDED.name, name_full = EXCLUDED.name_full, street = EXCLUDED.street,
    district = EXCLUDED.district, households = EXCLUDED.households,
    residents = EXCLUDED.residents, elderly = EXCLUDED.elderly,
    elderly_alone = EXCLUDED.elderly_alone, disabled = EXCLUDED.disabled,
    mothers_infants = EXCLUDED.mothers_infants, children = EXCLUDED.children,
    estimated = EXCLUDED.estimated, is_pilot = EXCLUDED.is_pilot,
    properties = EXCLUDED.properties, geom = EXCLUDED.geom, updated_at = now()
RETURNING (xmax = 0) AS inserted;

-- name: count_communities
SELECT count(*) FROM communities;
