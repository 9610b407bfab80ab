-- What it answers: what goes dark if this twin fails. Every twin downstream of it along the
-- relationship kinds the demo's reach feature follows (feeds, monitors), with its distance in
-- hops and whether it goes dark: a downstream twin stays lit when some path from outside the
-- blast radius reaches it without passing through the failed twin (a backup feed).
-- Parameters: :twin (a device_id); :kinds (default '{feeds,monitors}').
-- Needs: twin.relationships; the demo job's reach columns for the engine's summary line, whose
-- reach_downstream equals the rows listed and dark_if_fails the rows with goes_dark.
-- Example: psql -v twin=city-01/d-01/x-0001/ctl -f queries/blast_radius.sql
\if :{?kinds} \else \set kinds '{feeds,monitors}' \endif
WITH RECURSIVE downstream(device_id, hops) AS (
    SELECT :'twin'::text, 0
    UNION
    SELECT r.target_id, d.hops + 1
    FROM downstream d
    JOIN twin.relationships r ON r.source_id = d.device_id AND r.kind = ANY (:'kinds'::text[])
    WHERE d.hops < 1000
),
radius AS (
    SELECT device_id, min(hops) AS hops FROM downstream WHERE device_id <> :'twin' GROUP BY device_id
),
lit(device_id) AS (  -- fed from outside the radius, then whatever those feed inside it
    SELECT DISTINCT r.target_id FROM twin.relationships r
    WHERE r.kind = ANY (:'kinds'::text[]) AND r.target_id IN (SELECT device_id FROM radius)
      AND r.source_id <> :'twin' AND r.source_id NOT IN (SELECT device_id FROM radius)
    UNION
    SELECT r.target_id FROM lit JOIN twin.relationships r ON r.source_id = lit.device_id
    WHERE r.kind = ANY (:'kinds'::text[]) AND r.target_id IN (SELECT device_id FROM radius)
)
SELECT n.device_id, dv.model, n.hops, n.device_id NOT IN (SELECT device_id FROM lit) AS goes_dark
FROM radius n
JOIN twin.devices dv ON dv.device_id = n.device_id
ORDER BY n.hops, n.device_id;
-- The engine's summary for the same twin.
SELECT device_id, reach_downstream, blast_radius_leaves, reach_depth, dark_if_fails, dark_leaves_if_fails
FROM features.device_features WHERE device_id = :'twin';
