-- What it answers: one "criticality" score per twin, as a view to join anywhere: the mean of
-- its percentile ranks on PageRank, betweenness, independent-cascade spread and the twins that go
-- dark if it fails (each in [0, 1], 1 for the largest; ties share a rank). A twin critical on
-- every count scores near 1.
-- Parameters: :schema for the view (default features).
-- Needs: the demo job's columns pagerank, betweenness, influence_ic, dark_if_fails. The view reads
-- the feature table, so it follows every run; it survives runs that keep or append columns, and a
-- run that drops one of these columns refuses until the view is dropped (README: "other views
-- depend on it").
-- Example: psql -f queries/combined_score_view.sql; then SELECT * FROM features.twin_criticality ORDER BY score DESC LIMIT 10
\if :{?schema} \else \set schema features \endif
CREATE OR REPLACE VIEW :"schema".twin_criticality AS
SELECT device_id, run_id,
       (percent_rank() OVER (ORDER BY pagerank)
        + percent_rank() OVER (ORDER BY betweenness)
        + percent_rank() OVER (ORDER BY influence_ic)
        + percent_rank() OVER (ORDER BY coalesce(dark_if_fails, 0))) / 4 AS score,
       pagerank, betweenness, influence_ic, dark_if_fails
FROM features.device_features;
COMMENT ON VIEW :"schema".twin_criticality IS
    'Mean percentile rank of pagerank, betweenness, influence_ic and dark_if_fails (queries/combined_score_view.sql)';
SELECT device_id, round(score::numeric, 4) AS score, pagerank, betweenness, influence_ic, dark_if_fails
FROM :"schema".twin_criticality ORDER BY score DESC, device_id LIMIT 10;
