-- What it answers: which twins lie within :radius_m metres of a point, nearest first, with
-- their features: "what is around this accident / this closed street".
-- Parameters: :lat, :lon (degrees, WGS84), :radius_m (default 500).
-- Needs: twin.devices.lat/lon and the feature table; no extension (great-circle distance on a
-- sphere of radius 6,371,008.8 m; within 0.5 % of the ellipsoidal distance PostGIS's
-- ST_Distance(geography) gives).
-- Example: psql -v lat=1.3521 -v lon=103.8198 -v radius_m=300 -f queries/twins_near_point.sql
\if :{?radius_m} \else \set radius_m 500 \endif
WITH located AS (
    SELECT d.device_id, d.model, d.lat, d.lon,
           2 * 6371008.8 * asin(sqrt(power(sin(radians(d.lat - (:'lat')::float8) / 2), 2)
               + cos(radians((:'lat')::float8)) * cos(radians(d.lat))
                 * power(sin(radians(d.lon - (:'lon')::float8) / 2), 2))) AS distance_m
    FROM twin.devices d
    WHERE d.lat IS NOT NULL AND d.lon IS NOT NULL
      -- a cheap box first: a degree of latitude is at least 110.5 km
      AND d.lat BETWEEN (:'lat')::float8 - (:'radius_m')::float8 / 110500 AND (:'lat')::float8 + (:'radius_m')::float8 / 110500
)
SELECT l.device_id, l.model, round(l.distance_m::numeric, 1) AS distance_m,
       f.degree, f.pagerank, f.betweenness, f.influence_ic, f.reach_downstream
FROM located l JOIN features.device_features f USING (device_id)
WHERE l.distance_m <= (:'radius_m')::float8
ORDER BY l.distance_m, l.device_id;
