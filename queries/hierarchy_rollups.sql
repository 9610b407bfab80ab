-- What it answers: how the features differ by level of the hierarchy. Per model (city,
-- district, intersection, camera, ...) and depth: how many twins, and the mean and largest
-- degree, PageRank, betweenness and downstream reach: where the structural weight sits. Twins no
-- root reaches (on a parent cycle, or under a missing parent) have depth NULL.
-- Parameters: none.
-- Needs: the demo job's columns degree, pagerank, betweenness, reach_downstream; twin.devices.
-- Example: psql -f queries/hierarchy_rollups.sql
WITH RECURSIVE depth(device_id, depth) AS (
    SELECT device_id, 0 FROM twin.devices WHERE parent_id IS NULL
    UNION ALL
    SELECT d.device_id, depth.depth + 1 FROM twin.devices d JOIN depth ON d.parent_id = depth.device_id
)
SELECT dv.model, dp.depth, count(*) AS twins,
       round(avg(f.degree), 3) AS mean_degree, max(f.degree) AS max_degree,
       avg(f.pagerank) AS mean_pagerank, max(f.pagerank) AS max_pagerank,
       avg(f.betweenness) AS mean_betweenness,
       round(avg(f.reach_downstream), 3) AS mean_reach_downstream
FROM features.device_features f
JOIN twin.devices dv USING (device_id)
LEFT JOIN depth dp USING (device_id)
GROUP BY dv.model, dp.depth
ORDER BY dp.depth NULLS LAST, dv.model;
