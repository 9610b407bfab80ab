-- What it answers: twins whose data look wrong, each with every reason that applies: no
-- location; a location at (0, 0) (a default, not a place); no relationship and no child (an
-- isolated leaf); farther than :max_parent_m metres from its parent (a wrong parent or a wrong
-- location).
-- Parameters: :max_parent_m (default 5000).
-- Needs: twin.devices, twin.relationships; the demo job's geo_parent_dist_m column.
-- Example: psql -v max_parent_m=2000 -f queries/suspicious_twins.sql
\if :{?max_parent_m} \else \set max_parent_m 5000 \endif
WITH reasons AS (
    SELECT d.device_id, d.model, d.parent_id,
           array_remove(ARRAY[
               CASE WHEN d.lat IS NULL OR d.lon IS NULL THEN 'no location' END,
               CASE WHEN d.lat = 0 AND d.lon = 0 THEN 'at (0, 0)' END,
               -- three NOT EXISTS, not one with OR: each is an anti-join on one indexed column
               CASE WHEN NOT EXISTS (SELECT 1 FROM twin.relationships r WHERE r.source_id = d.device_id)
                     AND NOT EXISTS (SELECT 1 FROM twin.relationships r WHERE r.target_id = d.device_id)
                     AND NOT EXISTS (SELECT 1 FROM twin.devices c WHERE c.parent_id = d.device_id)
                    THEN 'no relationships and no children' END,
               CASE WHEN f.geo_parent_dist_m > (:'max_parent_m')::float8 THEN 'far from its parent' END
           ], NULL) AS reasons,
           round(f.geo_parent_dist_m::numeric, 1) AS parent_distance_m
    FROM twin.devices d
    LEFT JOIN features.device_features f USING (device_id)
)
SELECT device_id, model, parent_id, reasons, parent_distance_m
FROM reasons
WHERE cardinality(reasons) > 0
ORDER BY cardinality(reasons) DESC, device_id;
