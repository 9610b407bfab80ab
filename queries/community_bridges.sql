-- What it answers: the links between communities. Relationships and parent links whose two
-- twins fall in different Leiden communities, counted per pair of communities, with an example
-- link: the few wires that hold the graph together, and the twins to watch.
-- Parameters: :limit pairs shown (default 20).
-- Needs: the demo job's community_leiden column (computed on the union of hierarchy,
-- relationships and the spatial "near" layer; spatial links are not rows, so they are not listed).
-- Example: psql -v limit=10 -f queries/community_bridges.sql
\if :{?limit} \else \set limit 20 \endif
WITH links AS (
    SELECT source_id AS a, target_id AS b, kind FROM twin.relationships
    UNION ALL
    SELECT parent_id, device_id, 'parent' FROM twin.devices WHERE parent_id IS NOT NULL
),
crossing AS (
    SELECT least(fa.community_leiden, fb.community_leiden) AS community_a,
           greatest(fa.community_leiden, fb.community_leiden) AS community_b,
           l.a, l.b, l.kind
    FROM links l
    JOIN features.device_features fa ON fa.device_id = l.a
    JOIN features.device_features fb ON fb.device_id = l.b
    WHERE fa.community_leiden <> fb.community_leiden
)
SELECT community_a, community_b, count(*) AS links,
       count(DISTINCT kind) AS kinds,
       min(a || ' -[' || kind || ']-> ' || b) AS example
FROM crossing
GROUP BY community_a, community_b
ORDER BY links DESC, community_a, community_b
LIMIT (:'limit')::bigint;
