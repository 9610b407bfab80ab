-- What it answers: where a model rollout is stuck. Twins whose reported model version is not
-- the desired one, grouped by their parent (an intersection in the demo), worst parents first:
-- how many lag, the parent subtree's share in sync, and the stragglers' neighbourhood share in
-- sync (a straggler among synced neighbours is a device problem; a whole stuck neighbourhood is
-- a network or gateway problem).
-- Parameters: :limit parents shown (default 20).
-- Needs: the demo job's rollout feature (key modelVersion): rollout_in_sync, rollout_version_lag,
-- rollout_nbr_sync_frac, rollout_subtree_sync_frac.
-- Example: psql -v limit=10 -f queries/rollout_stragglers.sql
\if :{?limit} \else \set limit 20 \endif
SELECT d.parent_id,
       count(*) FILTER (WHERE NOT f.rollout_in_sync) AS stragglers,
       count(*) AS twins_with_the_key,
       round(p.rollout_subtree_sync_frac::numeric, 3) AS parent_subtree_sync_frac,
       round(avg(f.rollout_nbr_sync_frac) FILTER (WHERE NOT f.rollout_in_sync)::numeric, 3) AS stragglers_nbr_sync_frac,
       max(f.rollout_version_lag) AS worst_version_lag,
       string_agg(f.device_id, ' ' ORDER BY f.device_id) FILTER (WHERE NOT f.rollout_in_sync) AS straggler_ids
FROM features.device_features f
JOIN twin.devices d ON d.device_id = f.device_id
LEFT JOIN features.device_features p ON p.device_id = d.parent_id
WHERE f.rollout_in_sync IS NOT NULL
GROUP BY d.parent_id, p.rollout_subtree_sync_frac
HAVING count(*) FILTER (WHERE NOT f.rollout_in_sync) > 0
ORDER BY stragglers DESC, parent_subtree_sync_frac NULLS LAST, d.parent_id
LIMIT (:'limit')::bigint;
