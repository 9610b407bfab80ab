-- schema.sql - the twin source tables twingraph reads (idempotent: apply with psql any number of times).
--
-- twingraph only reads these tables. A user with tables of their own points the job spec's
-- "source" at any table or view that has the same column names and types (see README).

CREATE SCHEMA IF NOT EXISTS twin;

-- One row per twin: every node of the hierarchy (city, district, intersection, building, floor,
-- room) is a twin, as is every device. parent_id is not a foreign key on purpose: twins load in
-- any order, and the engine reports parents that name no twin (see "on_dangling" in the job spec).
CREATE TABLE IF NOT EXISTS twin.devices (
    device_id  text PRIMARY KEY,
    parent_id  text,
    model      text,
    lat        double precision CHECK (lat BETWEEN -90 AND 90),
    lon        double precision CHECK (lon BETWEEN -180 AND 180),
    twin       jsonb
);

COMMENT ON TABLE  twin.devices IS 'Digital twins: hierarchy nodes and devices, one row each';
COMMENT ON COLUMN twin.devices.device_id IS 'Twin id, unique; the vertex id of every feature table';
COMMENT ON COLUMN twin.devices.parent_id IS 'Id of the parent twin in the hierarchy (NULL at a root); layer "hierarchy" has an edge parent_id -> device_id';
COMMENT ON COLUMN twin.devices.model     IS 'Twin type or model, e.g. city, district, intersection, camera';
COMMENT ON COLUMN twin.devices.lat       IS 'WGS84 latitude in degrees (NULL when unknown)';
COMMENT ON COLUMN twin.devices.lon       IS 'WGS84 longitude in degrees (NULL when unknown)';
COMMENT ON COLUMN twin.devices.twin      IS 'IoT-Hub-style device twin: {deviceId, etag, version, tags, properties: {desired, reported}}';

-- Typed, directed relationships in the Azure Digital Twins style (feeds, monitors, connectedTo, ...).
CREATE TABLE IF NOT EXISTS twin.relationships (
    source_id  text NOT NULL,
    target_id  text NOT NULL,
    kind       text NOT NULL,
    properties jsonb
);

CREATE INDEX IF NOT EXISTS relationships_kind_idx ON twin.relationships (kind);

COMMENT ON TABLE  twin.relationships IS 'Typed directed relationships between twins';
COMMENT ON COLUMN twin.relationships.source_id  IS 'Twin the relationship starts at';
COMMENT ON COLUMN twin.relationships.target_id  IS 'Twin the relationship points to';
COMMENT ON COLUMN twin.relationships.kind       IS 'Relationship name, e.g. feeds, monitors, connectedTo';
COMMENT ON COLUMN twin.relationships.properties IS 'Relationship properties (free-form JSON)';
