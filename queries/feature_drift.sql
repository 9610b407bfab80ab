-- What it answers: which twins moved most between two runs. Each twin's rank on a feature (PageRank
-- by default) in run :run_a and in run :run_b (default: the two latest kept runs), biggest movers
-- first: a twin that jumped in centrality was rewired, or its neighbourhood was.
-- Parameters: :run_a, :run_b (run ids in features.runs); :feature, any numeric column of the
-- table (default pagerank; a name the table lacks is an error); :limit (default 20).
-- Needs: "output": {"history": {...}} in the job, for features.device_features_history.
-- Example: psql -v run_a=41 -v run_b=42 -v feature=betweenness -f queries/feature_drift.sql
\if :{?feature} \else \set feature pagerank \endif
\if :{?limit} \else \set limit 20 \endif
\if :{?run_a} \else
SELECT min(run_id) AS run_a, max(run_id) AS run_b
FROM (SELECT DISTINCT run_id FROM features.device_features_history ORDER BY run_id DESC LIMIT 2) latest \gset
\endif
WITH ranks AS (
    SELECT run_id, device_id, value,
           rank() OVER (PARTITION BY run_id ORDER BY value DESC NULLS LAST) AS value_rank
    FROM (SELECT run_id, device_id,
                 (:"feature")::float8 AS value  -- a column of the table; another name is an error
          FROM features.device_features_history
          WHERE run_id IN ((:'run_a')::bigint, (:'run_b')::bigint)) v
)
SELECT coalesce(a.device_id, b.device_id) AS device_id,
       a.value AS value_a, b.value AS value_b,
       a.value_rank AS rank_a, b.value_rank AS rank_b,
       b.value_rank - a.value_rank AS rank_change
FROM (SELECT * FROM ranks WHERE run_id = (:'run_a')::bigint) a
FULL JOIN (SELECT * FROM ranks WHERE run_id = (:'run_b')::bigint) b USING (device_id)
ORDER BY abs(b.value_rank - a.value_rank) DESC NULLS FIRST, device_id
LIMIT (:'limit')::bigint;
