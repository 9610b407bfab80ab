-- What it answers: the twins within :radius_m metres of a given twin, nearest first, with their
-- features and whether they are related to it in the graph (same parent, or a relationship
-- either way): spatial neighbours that the topology does not know about are wiring gaps.
-- Parameters: :twin (a device_id), :radius_m (default 200).
-- Needs: twin.devices.lat/lon, twin.relationships, the feature table. Great-circle distance as in
-- twins_near_point.sql.
-- Example: psql -v twin=city-01/d-01/x-0001/cam-1 -v radius_m=150 -f queries/twins_near_twin.sql
\if :{?radius_m} \else \set radius_m 200 \endif
WITH me AS (
    SELECT device_id, parent_id, lat, lon FROM twin.devices WHERE device_id = :'twin' AND lat IS NOT NULL
),
around AS (
    SELECT d.device_id, d.model, d.parent_id,
           2 * 6371008.8 * asin(sqrt(power(sin(radians(d.lat - me.lat) / 2), 2)
               + cos(radians(me.lat)) * cos(radians(d.lat)) * power(sin(radians(d.lon - me.lon) / 2), 2))) AS distance_m
    FROM twin.devices d, me
    WHERE d.device_id <> me.device_id AND d.lat IS NOT NULL
      AND d.lat BETWEEN me.lat - (:'radius_m')::float8 / 110500 AND me.lat + (:'radius_m')::float8 / 110500
)
SELECT a.device_id, a.model, round(a.distance_m::numeric, 1) AS distance_m,
       a.parent_id = me.parent_id AS same_parent,
       EXISTS (SELECT 1 FROM twin.relationships r
               WHERE (r.source_id = me.device_id AND r.target_id = a.device_id)
                  OR (r.target_id = me.device_id AND r.source_id = a.device_id)) AS related,
       f.degree, f.pagerank, f.reach_downstream
FROM around a CROSS JOIN me JOIN features.device_features f ON f.device_id = a.device_id
WHERE a.distance_m <= (:'radius_m')::float8
ORDER BY a.distance_m, a.device_id;
