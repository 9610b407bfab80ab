-- What it answers: how the Leiden communities sit in the hierarchy. Per district (or another
-- level): its twins, the communities they fall in, the largest community's share, and how many
-- of those communities also reach outside the district.
-- Parameters: :level (default 'district').
-- Needs: the demo job's community_leiden column; twin.devices for the hierarchy.
-- Example: psql -v level=city -f queries/community_summary.sql
\if :{?level} \else \set level district \endif
WITH RECURSIVE up AS (
    SELECT device_id, device_id AS ancestor, parent_id, model FROM twin.devices
    UNION ALL
    SELECT up.device_id, d.device_id, d.parent_id, d.model FROM up JOIN twin.devices d ON d.device_id = up.parent_id
) CYCLE ancestor SET on_cycle USING walked,  -- a parent cycle ends the walk
member AS (
    SELECT up.ancestor AS group_id, f.device_id, f.community_leiden
    FROM up JOIN features.device_features f ON f.device_id = up.device_id
    WHERE up.model = :'level'
),
per_community AS (
    SELECT group_id, community_leiden, count(*) AS twins FROM member GROUP BY 1, 2
),
spread AS (  -- communities that have twins in more than one group
    SELECT community_leiden FROM per_community GROUP BY 1 HAVING count(*) > 1
)
SELECT p.group_id,
       sum(p.twins) AS twins,
       count(*) AS communities,
       round(max(p.twins)::numeric / sum(p.twins), 3) AS largest_community_share,
       count(*) FILTER (WHERE p.community_leiden IN (SELECT community_leiden FROM spread)) AS communities_reaching_out
FROM per_community p
GROUP BY p.group_id
ORDER BY communities DESC, p.group_id;
