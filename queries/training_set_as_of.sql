-- What it answers: a training set without leakage. Labels joined to the features as they were
-- at :as_of (the latest run that succeeded at or before it), not as they are now: a model
-- trained on it never sees features computed after the events it learns from.
-- Parameters: :as_of (a time, e.g. 2026-11-01 00:00+00); :labels (a table or view with
-- device_id and a label column; default: the demo's rollout outcome, rollout_in_sync, as of now).
-- Needs: "output": {"history": {...}} in the job (the demo job keeps 30 runs), which creates
-- features.device_features_as_of(timestamptz).
-- Example: psql -v as_of='2026-11-01 00:00+00' -v labels=ml.rollout_labels -f queries/training_set_as_of.sql
\if :{?labels}
SELECT *  -- USING merges the two device_id columns into one
FROM :labels l
JOIN features.device_features_as_of((:'as_of')::timestamptz) f USING (device_id)
ORDER BY device_id;
\else
SELECT now_.rollout_in_sync AS label, f.*
FROM features.device_features_as_of((:'as_of')::timestamptz) f
JOIN features.device_features now_ USING (device_id)
WHERE now_.rollout_in_sync IS NOT NULL
ORDER BY f.device_id;
\endif
