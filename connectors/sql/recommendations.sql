-- hyperrec: the table the Debezium JDBC sink upserts the latest recommendation list of every user into
-- (one row per user, the ranked list as parallel arrays in rank order), and a view with one row per
-- user and rank. Applied by scripts/connect-demo.sh and the IT (RecommendationsSink.createTable), and
-- by the postgres service of compose.yaml (mounted into /docker-entrypoint-initdb.d).
-- The sink runs with schema.evolution=none: it writes these columns and never alters the table.

CREATE TABLE IF NOT EXISTS recommendations (
    user_id           text        PRIMARY KEY,          -- the record key of the recommendations topic
    recommendation_id text        NOT NULL,             -- id of the list; clicks cite it
    request_id        text,                             -- set when a request (not an interaction) triggered it
    item_ids          text[]      NOT NULL,             -- item_ids[1] is rank 1
    scores            real[]      NOT NULL,             -- final ranking score of each item
    reasons           text[]      NOT NULL,             -- PERSONAL, POPULAR, EXPLORE or SIMILAR
    generated_at      timestamptz NOT NULL,             -- when the app computed the list
    source_event_time timestamptz NOT NULL,             -- event time of the triggering event
    model_version     text        NOT NULL,
    synced_at         timestamptz NOT NULL DEFAULT clock_timestamp()  -- when the sink last wrote the row
);

-- synced_at is set by the database on every insert and upsert, so synced_at - generated_at is each
-- row's end-to-end lag (app -> Kafka -> Connect -> PostgreSQL) on one clock per host.
CREATE OR REPLACE FUNCTION hyperrec_touch_synced_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.synced_at := clock_timestamp();
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS recommendations_synced_at ON recommendations;
CREATE TRIGGER recommendations_synced_at BEFORE INSERT OR UPDATE ON recommendations
    FOR EACH ROW EXECUTE FUNCTION hyperrec_touch_synced_at();

-- One row per user and rank: SELECT * FROM recommendation_ranks WHERE user_id = 'u42' ORDER BY rank;
CREATE OR REPLACE VIEW recommendation_ranks AS
SELECT r.user_id,
       t.rank::int AS rank,
       t.item_id,
       t.score,
       t.reason,
       r.recommendation_id,
       r.generated_at,
       r.synced_at
FROM recommendations r
CROSS JOIN LATERAL unnest(r.item_ids, r.scores, r.reasons) WITH ORDINALITY AS t(item_id, score, reason, rank);
