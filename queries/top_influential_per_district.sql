-- What it answers: the most influential twins of each district (or any other level of the
-- hierarchy): the top :k by PageRank, with their betweenness and independent-cascade spread and
-- their rank on each, so a twin central on one measure only stands out.
-- Parameters: :k twins per group (default 5); :level the model whose twins group the others
-- (default 'district'); :order_by pagerank | betweenness | influence_ic (default pagerank).
-- Needs: the demo job's columns pagerank, betweenness, influence_ic; twin.devices for the hierarchy.
-- Example: psql -v k=3 -v level=district -v order_by=influence_ic -f queries/top_influential_per_district.sql
\if :{?k} \else \set k 5 \endif
\if :{?level} \else \set level district \endif
\if :{?order_by} \else \set order_by pagerank \endif
WITH RECURSIVE up AS (          -- every twin with each of its ancestors (itself included)
    SELECT device_id, device_id AS ancestor, parent_id, model FROM twin.devices
    UNION ALL
    SELECT up.device_id, d.device_id, d.parent_id, d.model
    FROM up JOIN twin.devices d ON d.device_id = up.parent_id
) CYCLE ancestor SET on_cycle USING walked,  -- a parent cycle ends the walk
grouped AS (
    SELECT up.device_id, up.ancestor AS group_id FROM up WHERE up.model = :'level'
),
ranked AS (
    SELECT g.group_id, f.device_id, d.model, f.pagerank, f.betweenness, f.influence_ic,
           rank() OVER (PARTITION BY g.group_id ORDER BY f.pagerank DESC, f.device_id) AS pagerank_rank,
           rank() OVER (PARTITION BY g.group_id ORDER BY f.betweenness DESC, f.device_id) AS betweenness_rank,
           rank() OVER (PARTITION BY g.group_id ORDER BY f.influence_ic DESC, f.device_id) AS influence_rank
    FROM grouped g
    JOIN features.device_features f ON f.device_id = g.device_id
    JOIN twin.devices d ON d.device_id = g.device_id
    WHERE g.device_id <> g.group_id
)
SELECT group_id, device_id, model, pagerank, betweenness, influence_ic,
       pagerank_rank, betweenness_rank, influence_rank
FROM ranked
WHERE CASE :'order_by' WHEN 'betweenness' THEN betweenness_rank
                       WHEN 'influence_ic' THEN influence_rank
                       ELSE pagerank_rank END <= (:'k')::bigint
ORDER BY group_id, CASE :'order_by' WHEN 'betweenness' THEN betweenness_rank
                                    WHEN 'influence_ic' THEN influence_rank
                                    ELSE pagerank_rank END, device_id;
