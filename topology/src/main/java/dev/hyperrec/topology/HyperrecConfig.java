package dev.hyperrec.topology;

import dev.hyperrec.operators.BackendKind;
import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.CountMinConfig;
import dev.hyperrec.operators.EmbeddingUpdateConfig;
import dev.hyperrec.operators.PopularCacheConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.streams.StreamsConfig;

/**
 * hyperrec's configuration: {@code hyperrec.*} keys for the pipeline, everything else passed to
 * Kafka Streams and the Serdes unchanged. Every key, its default and its meaning is listed in
 * docs/operations.md; invalid values fail at construction with the value and the limit.
 */
public final class HyperrecConfig {
    public static final String BACKEND = "hyperrec.backend";
    /**
     * The CUDA device ordinal of this instance's backend; empty (the default): the JVM's system property of the same
     * name, else 0. Set per instance when app instances in one JVM each have a device of their own.
     */
    public static final String CUDA_DEVICE = Backends.CUDA_DEVICE;
    /** Prepended to every topic name (multi-tenant clusters, isolated test runs); empty by default. */
    public static final String TOPIC_PREFIX = "hyperrec.topic.prefix";
    public static final String EMBEDDING_DIM = "hyperrec.embedding.dim";
    public static final String EMBEDDING_ALPHA = "hyperrec.embedding.alpha";
    public static final String WEIGHT_VIEW = "hyperrec.weight.view";
    public static final String WEIGHT_CLICK = "hyperrec.weight.click";
    public static final String WEIGHT_PURCHASE = "hyperrec.weight.purchase";
    public static final String WEIGHT_SKIP = "hyperrec.weight.skip";
    public static final String RATING_NEUTRAL = "hyperrec.weight.rating.neutral";
    public static final String RATING_SCALE = "hyperrec.weight.rating.scale";
    public static final String RATING_MAX = "hyperrec.rating.max";
    public static final String VALUE_MAX = "hyperrec.value.max";
    /** Whether {@code HyperrecApp} creates missing topics and registers the schemas (BACKWARD) at start. */
    public static final String TOPICS_CREATE = "hyperrec.topics.create";
    public static final String TOPICS_PARTITIONS = "hyperrec.topics.partitions";
    public static final String TOPICS_REPLICATION = "hyperrec.topics.replication";
    /** Native memory of all RocksDB stores of the JVM together (block cache + memtables), in MiB. */
    public static final String ROCKSDB_MEMORY_MB = "hyperrec.rocksdb.memory.mb";
    /** Share of {@link #ROCKSDB_MEMORY_MB} the memtables may use. */
    public static final String ROCKSDB_MEMTABLE_SHARE = "hyperrec.rocksdb.memtable.share";
    public static final String EVENT_TIME_MIN_MS = "hyperrec.event.time.min.ms";
    public static final String EVENT_TIME_MAX_FUTURE_MS = "hyperrec.event.time.max.future.ms";
    public static final String BATCH_MAX_EVENTS = "hyperrec.batch.max.events";
    /**
     * The shortest wall-clock spacing of a task's timed flushes, and so the longest an accepted event waits in the open
     * batch (plus a check period, {@link #batchCheckMs()}): the batch flushes at {@link #BATCH_MAX_EVENTS} events, or at
     * the first check this long after the task's last flush. An event that finds the task idle for this long goes out
     * at the next check.
     */
    public static final String BATCH_FLUSH_INTERVAL_MS = "hyperrec.batch.flush.interval.ms";
    /**
     * Whether a timed flush (not one at the size cap) asks Kafka Streams to commit at once, so that its lists reach
     * read_committed consumers without waiting for {@code commit.interval.ms}. Flushes at the size cap (a backlog) leave
     * commits to the interval.
     */
    public static final String BATCH_COMMIT_ON_TIMED_FLUSH = "hyperrec.batch.commit.on.timed.flush";
    /**
     * With {@link #BATCH_COMMIT_ON_TIMED_FLUSH}, the shortest spacing of a stream thread's requested commits (0: the flush
     * interval, which is also the least). Requests also wait half the time the thread's latest event had waited in
     * Kafka, so under a backlog the commits are {@code commit.interval.ms}'s ({@code internal.CommitGate}).
     */
    public static final String BATCH_COMMIT_REQUEST_INTERVAL_MS = "hyperrec.batch.commit.request.interval.ms";
    /**
     * With {@link #BATCH_COMMIT_ON_TIMED_FLUSH}, the share of the thread's queue time (how long its latest event had
     * waited in Kafka) that a requested commit waits after the last request ({@code internal.CommitGate}).
     */
    public static final String BATCH_COMMIT_QUEUE_SHARE = "hyperrec.batch.commit.queue.share";
    public static final String RECS_K = "hyperrec.recs.k";
    public static final String RECS_CANDIDATES = "hyperrec.recs.candidates";
    /** Whether clicks, ratings and purchases each yield a list (true) or only requests do (false). */
    public static final String RECS_ON_INTERACTIONS = "hyperrec.recs.on.interactions";
    public static final String RECS_POPULAR_CANDIDATES = "hyperrec.recs.popular.candidates";
    public static final String RECS_SIMILAR_PER_ITEM = "hyperrec.recs.similar.per.item";
    public static final String RANK_WEIGHT_PERSONAL = "hyperrec.rank.weight.personal";
    public static final String RANK_WEIGHT_SIMILAR = "hyperrec.rank.weight.similar";
    public static final String RECS_NEIGHBOURS_PER_ITEM = "hyperrec.recs.neighbours.per.item";
    public static final String RECENT_DECAY = "hyperrec.recent.decay";
    /** Whether the streaming item-to-item model runs and every task ranks with it (docs/architecture.md). */
    public static final String NEIGHBOURS_ENABLED = "hyperrec.neighbours.enabled";
    /** Neighbours published per item (the list's length). */
    public static final String NEIGHBOURS_MAX = "hyperrec.neighbours.max";
    /** Co-occurrence window: a positive event co-occurs with the user's last this many positive items. */
    public static final String NEIGHBOURS_WINDOW = "hyperrec.neighbours.window";
    /**
     * How often (wall clock) a lists' task sends the co-occurrence increments of the events it flushed since it last sent
     * them, summed: 0 sends them with every flush. The events wait in the changelogged {@code batch-buffer} store meanwhile,
     * so nothing is lost to a crash, and fewer, larger increment records leave fewer transactions writing to every
     * {@code item-cooccurrence} partition (docs/operations.md).
     */
    public static final String NEIGHBOURS_EMIT_INTERVAL_MS = "hyperrec.neighbours.emit.interval.ms";
    /** How often (wall clock) each changed item's list is published, at most once per interval. */
    public static final String NEIGHBOURS_PUBLISH_INTERVAL_MS = "hyperrec.neighbours.publish.interval.ms";
    public static final String NEIGHBOURS_PUBLISH_BUDGET = "hyperrec.neighbours.publish.budget";
    /**
     * Whether the co-occurrence aggregation runs in a Kafka Streams instance of its own (application id
     * {@code <application.id>-model}, its own stream thread and commit interval), so that its backlog after a
     * burst never sits in front of the lists on their stream thread.
     */
    public static final String NEIGHBOURS_SEPARATE_APP = "hyperrec.neighbours.separate.app";
    /** The model instance's {@code commit.interval.ms} (with {@link #NEIGHBOURS_SEPARATE_APP}). */
    public static final String NEIGHBOURS_COMMIT_INTERVAL_MS = "hyperrec.neighbours.commit.interval.ms";
    /**
     * The longest time (ms) the model's counts stay in memory while records arrive, before they are checkpointed to
     * {@code cooccurrence-counts}; an idle partition checkpoints within a second. After a crash the records since the
     * last checkpoint are read again from {@code item-cooccurrence}, so this also bounds that read.
     */
    public static final String NEIGHBOURS_CHECKPOINT_INTERVAL_MS = "hyperrec.neighbours.checkpoint.interval.ms";
    /** Pending pairs per {@code item-cooccurrence} partition that force a checkpoint (bounds the memory they take). */
    public static final String NEIGHBOURS_CHECKPOINT_MAX_PAIRS = "hyperrec.neighbours.checkpoint.max.pairs";
    /**
     * What this process runs: {@code all} (the lists and, with {@link #NEIGHBOURS_SEPARATE_APP}, the model's instance
     * beside them), {@code lists} (the lists' instance only) or {@code model} (the model's instance only, on the CPU
     * backend: it runs no operator). {@code lists} and {@code model} split one application over processes or machines,
     * e.g. the model on CPU-only machines beside GPU machines that run the lists; both need the model in an instance of
     * its own, and {@code model} needs the model on.
     */
    public static final String ROLE = "hyperrec.role";
    /** The values of {@link #ROLE}. */
    public enum Role {
        ALL, LISTS, MODEL
    }
    /** The model instance's {@code num.stream.threads} (with {@link #NEIGHBOURS_SEPARATE_APP}). */
    public static final String NEIGHBOURS_THREADS = "hyperrec.neighbours.threads";
    /** {@code statestore.cache.max.bytes} of the lists' instance unless set: shared by its stream threads. */
    public static final long DEFAULT_CACHE_BYTES = 8L << 20;

    /** Suffix of the model instance's application id. */
    public static final String MODEL_APP_SUFFIX = "-model";
    public static final String RANK_WEIGHT_BANDIT = "hyperrec.rank.weight.bandit";
    public static final String RANK_WEIGHT_POPULARITY = "hyperrec.rank.weight.popularity";
    public static final String SKETCH_EPSILON = "hyperrec.sketch.epsilon";
    public static final String SKETCH_DELTA = "hyperrec.sketch.delta";
    public static final String SKETCH_HALF_LIFE_MS = "hyperrec.sketch.half.life.ms";
    public static final String SKETCH_HEAVY_HITTERS = "hyperrec.sketch.heavy.hitters";
    public static final String SKETCH_SEED = "hyperrec.sketch.seed";
    /**
     * Count-Min sketches with fewer cells (width × depth) than this stay in host memory (the reference
     * operator) whatever {@link #BACKEND} is: the engine adds each event on its own, so that the next event's
     * list sees it, and on a GPU each add is a kernel launch and a synchronisation, which costs far more than
     * updating a few thousand host counters. The counters are integers, so the lists are the same either way.
     */
    public static final String SKETCH_DEVICE_MIN_CELLS = "hyperrec.sketch.device.min.cells";
    public static final String CACHE_ROW_LENGTH = "hyperrec.cache.row.length";
    public static final String CACHE_DRIFT_THRESHOLD = "hyperrec.cache.drift.threshold";
    public static final String CACHE_PERIOD_MS = "hyperrec.cache.period.ms";
    public static final String CACHE_CHECK_EVERY_EVENTS = "hyperrec.cache.check.every.events";
    public static final String BANDIT_SEED = "hyperrec.bandit.seed";
    /**
     * Thompson-sampling calls with fewer draws than this run on the host reference operator whatever {@link #BACKEND}
     * is: the engine samples one list's candidates at a time (tens of draws), which costs less on the host than a
     * kernel launch and a synchronisation. The draws are the same Philox streams, within the backends' contract
     * tolerance (1e-5).
     */
    public static final String BANDIT_DEVICE_MIN_DRAWS = "hyperrec.bandit.device.min.draws";
    public static final String SEEN_MAX = "hyperrec.seen.max";
    public static final String RECENT_ITEMS = "hyperrec.recent.items";
    public static final String MODEL_VERSION = "hyperrec.model.version";
    public static final String CATALOG_INITIAL_CAPACITY = "hyperrec.catalog.initial.capacity";
    public static final String USERS_INITIAL_CAPACITY = "hyperrec.users.initial.capacity";
    /**
     * Address the metrics and health endpoint binds to; loopback by default, so nothing outside the
     * host can scrape it unless an operator opens it (e.g. {@code 0.0.0.0} in a container).
     */
    public static final String METRICS_HOST = "hyperrec.metrics.host";
    /** Port of the metrics and health endpoint; 0 picks a free port, -1 turns the endpoint off. */
    public static final String METRICS_PORT = "hyperrec.metrics.port";
    /** Weight of the 2-hop graph signal in the final ranking (issue 8); 0 turns the stage off. */
    public static final String RANK_WEIGHT_GRAPH = "hyperrec.rank.weight.graph";
    /** File of the attention reranker's trained weights (hot-swapped when it changes); empty turns the reranker off. */
    public static final String RERANK_WEIGHTS_FILE = "hyperrec.rerank.weights.file";
    /** How many of a list's top candidates the attention reranker reranks. */
    public static final String RERANK_CANDIDATES = "hyperrec.rerank.candidates";
    /** Attention heads of newly trained reranker weights (the file's own count is used when loading). */
    public static final String RERANK_HEADS = "hyperrec.rerank.heads";
    /** How often (wall clock) the weight file is checked for a new version. */
    public static final String RERANK_CHECK_INTERVAL_MS = "hyperrec.rerank.check.interval.ms";
    /** Mixture-of-Logits weight file: when set, personal scoring uses that learned similarity instead of the dot product. */
    public static final String SCORER_MOL_WEIGHTS = "hyperrec.scorer.mol.weights";
    /**
     * With a device scorer, each list's foreseen candidates (similar rows, neighbours, hot set) are scored in the
     * batch's scoring call instead of on the stream thread; {@code false} scores them on the thread (same lists).
     */
    public static final String SCORER_EXTRAS = "hyperrec.scorer.extras";
    /**
     * One list per user and batch: a triggering interaction followed in its batch by another of the same user yields no
     * list of its own, the later list stands for it. Requests always get their own list.
     */
    public static final String RECS_COALESCE = "hyperrec.recs.coalesce";

    /**
     * {@code hyperrec.*} keys without a default that the Serdes read; listed so that the environment
     * mapping ({@link ConfigSources}) knows them.
     */
    public static final Set<String> OPTIONAL_KEYS = Set.of(dev.hyperrec.schemas.RegistrySerdeConfig.SERDE_CLASS,
            dev.hyperrec.schemas.RegistrySerdeConfig.MAX_PAYLOAD_BYTES);

    private static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(BACKEND, "auto");
        d.put(CUDA_DEVICE, "");
        d.put(TOPIC_PREFIX, "");
        d.put(EMBEDDING_DIM, "32");
        d.put(EMBEDDING_ALPHA, "0.1");
        d.put(WEIGHT_VIEW, "0.1");
        d.put(WEIGHT_CLICK, "0.5");
        d.put(WEIGHT_PURCHASE, "1.0");
        d.put(WEIGHT_SKIP, "-0.3");
        d.put(RATING_NEUTRAL, "2.5");
        d.put(RATING_SCALE, "2.5");
        d.put(RATING_MAX, "10");
        d.put(VALUE_MAX, "1000000");
        d.put(TOPICS_CREATE, "false");
        d.put(TOPICS_PARTITIONS, "6");
        d.put(TOPICS_REPLICATION, "1");
        d.put(ROCKSDB_MEMORY_MB, "256");
        d.put(ROCKSDB_MEMTABLE_SHARE, "0.5");
        d.put(EVENT_TIME_MIN_MS, "0");
        d.put(EVENT_TIME_MAX_FUTURE_MS, Long.toString(24L * 3600 * 1000));
        d.put(BATCH_MAX_EVENTS, "512");
        d.put(BATCH_FLUSH_INTERVAL_MS, "100");
        d.put(BATCH_COMMIT_ON_TIMED_FLUSH, "false");
        d.put(BATCH_COMMIT_REQUEST_INTERVAL_MS, "0");
        d.put(BATCH_COMMIT_QUEUE_SHARE, "0.5");
        d.put(RECS_K, "10");
        d.put(RECS_CANDIDATES, "50");
        d.put(RECS_ON_INTERACTIONS, "true");
        d.put(RECS_POPULAR_CANDIDATES, "20");
        d.put(RECS_SIMILAR_PER_ITEM, "10");
        d.put(RANK_WEIGHT_PERSONAL, "0.2");
        d.put(RANK_WEIGHT_SIMILAR, "1.0");
        d.put(RECS_NEIGHBOURS_PER_ITEM, "20");
        d.put(RECENT_DECAY, "0.8");
        d.put(NEIGHBOURS_ENABLED, "true");
        d.put(NEIGHBOURS_MAX, "200");
        d.put(NEIGHBOURS_WINDOW, "50");
        d.put(NEIGHBOURS_PUBLISH_INTERVAL_MS, "1000");
        d.put(NEIGHBOURS_EMIT_INTERVAL_MS, "1000");
        d.put(NEIGHBOURS_PUBLISH_BUDGET, "0.05");
        d.put(NEIGHBOURS_SEPARATE_APP, "true");
        d.put(NEIGHBOURS_COMMIT_INTERVAL_MS, "1000");
        d.put(NEIGHBOURS_THREADS, "1");
        d.put(ROLE, "all");
        d.put(NEIGHBOURS_CHECKPOINT_INTERVAL_MS, "5000");
        d.put(NEIGHBOURS_CHECKPOINT_MAX_PAIRS, "500000");
        d.put(RANK_WEIGHT_BANDIT, "0.02");
        d.put(RANK_WEIGHT_POPULARITY, "0.5");
        d.put(SKETCH_EPSILON, "0.002");
        d.put(SKETCH_DELTA, "0.01");
        d.put(SKETCH_HALF_LIFE_MS, Long.toString(365L * 24 * 3600 * 1000));
        d.put(SKETCH_HEAVY_HITTERS, "200");
        d.put(SKETCH_SEED, "1592594005");
        d.put(SKETCH_DEVICE_MIN_CELLS, Long.toString(1L << 20));
        d.put(CACHE_ROW_LENGTH, "50");
        d.put(CACHE_DRIFT_THRESHOLD, "0.2");
        d.put(CACHE_PERIOD_MS, Long.toString(24L * 3600 * 1000));
        d.put(CACHE_CHECK_EVERY_EVENTS, "2000");
        d.put(BANDIT_SEED, "42");
        d.put(BANDIT_DEVICE_MIN_DRAWS, "1024");
        d.put(SEEN_MAX, "2000");
        d.put(RECENT_ITEMS, "8");
        d.put(MODEL_VERSION, "hyperrec-0.1.0/ema");
        d.put(CATALOG_INITIAL_CAPACITY, "16384");
        d.put(USERS_INITIAL_CAPACITY, "4096");
        d.put(METRICS_HOST, "127.0.0.1");
        d.put(METRICS_PORT, "9464");
        d.put(RANK_WEIGHT_GRAPH, "0");
        d.put(RERANK_WEIGHTS_FILE, "");
        d.put(RERANK_CANDIDATES, "50");
        d.put(RERANK_HEADS, "8");
        d.put(RERANK_CHECK_INTERVAL_MS, "5000");
        d.put(SCORER_MOL_WEIGHTS, "");
        d.put(SCORER_EXTRAS, "true");
        d.put(RECS_COALESCE, "false");
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    private final Map<String, String> values;

    private HyperrecConfig(Map<String, String> values) {
        this.values = values;
        validate();
    }

    /** Defaults overlaid with {@code overrides}. */
    public static HyperrecConfig of(Map<String, ?> overrides) {
        Map<String, String> v = new LinkedHashMap<>(DEFAULTS);
        overrides.forEach((k, val) -> {
            if (val != null) {
                v.put(k, String.valueOf(val));
            }
        });
        return new HyperrecConfig(v);
    }

    public static HyperrecConfig of(Properties props) {
        Map<String, Object> m = new LinkedHashMap<>();
        props.stringPropertyNames().forEach(k -> m.put(k, props.getProperty(k)));
        return of(m);
    }

    public static Map<String, String> defaults() {
        return DEFAULTS;
    }

    /** A copy with {@code key} set to {@code value}. */
    public HyperrecConfig with(String key, Object value) {
        Map<String, String> v = new LinkedHashMap<>(values);
        v.put(key, String.valueOf(value));
        return new HyperrecConfig(v);
    }

    /** Every key, hyperrec's and the pass-through ones. */
    public Map<String, String> asMap() {
        return Collections.unmodifiableMap(values);
    }

    /**
     * Properties for {@link org.apache.kafka.streams.KafkaStreams}: the pass-through keys over
     * hyperrec's Streams defaults (exactly_once_v2, explicit exception handlers).
     */
    public Properties streamsProperties() {
        Properties p = new Properties();
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "hyperrec");
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                org.apache.kafka.streams.errors.LogAndContinueExceptionHandler.class.getName());
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                org.apache.kafka.streams.errors.LogAndFailProcessingExceptionHandler.class.getName());
        // the record cache serves the cached stores only (batch-buffer; the model's progress): their writes reach the
        // changelog once a commit. 0 writes every put through, which for batch-buffer means its open chunk, growing,
        // once an event (docs/operations.md, "batch-buffer")
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.toString(DEFAULT_CACHE_BYTES));
        p.put("processing.exception.handler.global.enabled", "true");
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG,
                dev.hyperrec.topology.internal.BoundedMemoryRocksDBConfig.class.getName());
        // oversize records are dead-lettered whole: the DLQ producer must be able to send them
        p.put(StreamsConfig.producerPrefix(org.apache.kafka.clients.producer.ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                Integer.toString(TopicSetup.MAX_MESSAGE_BYTES));
        // an idle stream thread blocks in poll() up to poll.ms (Streams' default 100 ms), and neither the batch's wait
        // bound nor a commit is checked meanwhile: poll no longer than the batch's check period unless set
        p.put(StreamsConfig.POLL_MS_CONFIG, Long.toString(batchCheckMs()));
        // the transactional producers, unless set: a commit soon after the last one can find that transaction's markers
        // still being written, and the producer retries its end of transaction after retry.backoff.ms (100 ms by
        // default) -- the stream thread blocked that long; and records go out as they are produced (linger.ms 1, not
        // Streams' 100), so that a commit's flush waits for the last of them only (docs/benchmarks.md, "Commits that
        // block the stream threads")
        producerDefault(p, org.apache.kafka.clients.producer.ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "5");
        producerDefault(p, org.apache.kafka.clients.producer.ProducerConfig.LINGER_MS_CONFIG, "1");
        values.forEach((k, v) -> {
            if (!k.startsWith("hyperrec.") || k.startsWith("hyperrec.rocksdb.")) {
                p.put(k, v);
            }
        });
        return p;
    }

    /** Sets {@code producer.<key>} unless the key is configured, for the producers only or for every client. */
    private void producerDefault(Properties p, String key, String value) {
        if (!values.containsKey(key) && !values.containsKey(StreamsConfig.producerPrefix(key))) {
            p.put(StreamsConfig.producerPrefix(key), value);
        }
    }

    /** The pass-through keys an {@link org.apache.kafka.clients.admin.Admin} client understands (bootstrap, security). */
    public Map<String, Object> adminConfig() {
        return clientConfig(org.apache.kafka.clients.admin.AdminClientConfig.configNames());
    }

    /** The client settings of {@link #streamsProperties()} a plain consumer takes (bootstrap servers, security). */
    public Map<String, Object> consumerConfig() {
        return clientConfig(org.apache.kafka.clients.consumer.ConsumerConfig.configNames());
    }

    /** The keys of {@link #streamsProperties()} that a client with these config names understands. */
    private Map<String, Object> clientConfig(java.util.Set<String> names) {
        Map<String, Object> m = new LinkedHashMap<>();
        streamsProperties().forEach((k, v) -> {
            if (names.contains((String) k)) {
                m.put((String) k, v);
            }
        });
        return m;
    }

    /** The pass-through keys (registry URL, credentials, serde class) for the Serdes. */
    public Map<String, Object> serdeConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (!k.startsWith("hyperrec.") || k.startsWith("hyperrec.serde") || k.equals("hyperrec.max.payload.bytes")) {
                m.put(k, v);
            }
        });
        return m;
    }

    /** Whether a key holds a secret: its value never reaches a log line. */
    public static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("jaas") || k.contains("user.info") || k.contains("secret")
                || k.contains("token") || k.endsWith(".key") || k.contains("credentials.inline");
    }

    /** Every key with secrets replaced by {@code [hidden]}, sorted: what the app logs at start. */
    public Map<String, String> redacted() {
        Map<String, String> m = new java.util.TreeMap<>();
        values.forEach((k, v) -> m.put(k, isSecret(k) ? "[hidden]" : v));
        return m;
    }

    @Override
    public String toString() {
        return "HyperrecConfig" + redacted();
    }

    public String get(String key) {
        return values.get(key);
    }

    public int getInt(String key) {
        try {
            return Integer.parseInt(values.get(key).trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(key + " must be an integer, was '" + values.get(key) + "'");
        }
    }

    public long getLong(String key) {
        try {
            return Long.parseLong(values.get(key).trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(key + " must be a long, was '" + values.get(key) + "'");
        }
    }

    public double getDouble(String key) {
        try {
            double d = Double.parseDouble(values.get(key).trim());
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(key + " must be a finite number, was '" + values.get(key) + "'");
        }
    }

    /** A key validated as {@code true} or {@code false} (any case). */
    public boolean getBoolean(String key) {
        return Boolean.parseBoolean(values.get(key).trim());
    }

    public float getFloat(String key) {
        return (float) getDouble(key);
    }

    /** The topic a base name from {@link Topics} maps to under {@code hyperrec.topic.prefix}. */
    public String topic(String base) {
        return values.get(TOPIC_PREFIX) + base;
    }

    public BackendKind backend() {
        return BackendKind.parse(values.get(BACKEND).toLowerCase(Locale.ROOT));
    }

    /** Options for {@link Backends#open(BackendKind, Map)}: {@link #CUDA_DEVICE} when set. */
    public Map<String, String> backendOptions() {
        String device = values.get(CUDA_DEVICE).trim();
        return device.isEmpty() ? Map.of() : Map.of(CUDA_DEVICE, device);
    }

    /** The CUDA device this instance's backend opens on: {@link #CUDA_DEVICE}, else the JVM's system property, else 0. */
    public int cudaDevice() {
        return Backends.cudaDevice(backendOptions());
    }

    /** {@link #NEIGHBOURS_ENABLED}. */
    public boolean neighboursEnabled() {
        return Boolean.parseBoolean(values.get(NEIGHBOURS_ENABLED).trim());
    }

    /** {@link #ROLE}. */
    public Role role() {
        String r = values.get(ROLE).trim();
        for (Role role : Role.values()) {
            if (role.name().equalsIgnoreCase(r)) {
                return role;
            }
        }
        throw new IllegalArgumentException(ROLE + " must be all, lists or model, was '" + r + "'");
    }

    /** {@link #NEIGHBOURS_SEPARATE_APP}, and the model is on at all. */
    public boolean modelInOwnApp() {
        return neighboursEnabled() && Boolean.parseBoolean(values.get(NEIGHBOURS_SEPARATE_APP).trim());
    }

    /**
     * Properties of the model instance ({@link #modelInOwnApp()}): the app's, with application id
     * {@code <application.id>-model}, {@link #NEIGHBOURS_COMMIT_INTERVAL_MS} and {@link #NEIGHBOURS_THREADS}.
     */
    public Properties modelStreamsProperties() {
        Properties p = streamsProperties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, p.getProperty(StreamsConfig.APPLICATION_ID_CONFIG) + MODEL_APP_SUFFIX);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, values.get(NEIGHBOURS_COMMIT_INTERVAL_MS).trim());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, values.get(NEIGHBOURS_THREADS).trim());
        // the only cached store of the model instance is the aggregator's progress (one key per task), written per
        // record: the cache turns that into one changelog record per commit
        if (!values.containsKey(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG)) {
            p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.toString(1L << 20));
        }
        return p;
    }

    /**
     * How often a task checks whether its open batch is due ({@link #BATCH_FLUSH_INTERVAL_MS}): a tenth of that interval
     * (at least 1 ms), so a batch flushes at most 10% later than due while the stream thread runs.
     */
    public long batchCheckMs() {
        return Math.max(1, getLong(BATCH_FLUSH_INTERVAL_MS) / 10);
    }

    public int dim() {
        return getInt(EMBEDDING_DIM);
    }

    public EmbeddingUpdateConfig embeddingUpdate() {
        return new EmbeddingUpdateConfig(getFloat(EMBEDDING_ALPHA));
    }

    public CountMinConfig countMin() {
        return new CountMinConfig(getDouble(SKETCH_EPSILON), getDouble(SKETCH_DELTA), getLong(SKETCH_HALF_LIFE_MS),
                getInt(SKETCH_HEAVY_HITTERS), getLong(SKETCH_SEED));
    }

    public PopularCacheConfig popularCache() {
        return new PopularCacheConfig(getInt(CACHE_ROW_LENGTH), getDouble(CACHE_DRIFT_THRESHOLD), getLong(CACHE_PERIOD_MS));
    }

    private void validate() {
        backend();
        if (!values.get(CUDA_DEVICE).trim().isEmpty()) {
            range(CUDA_DEVICE, 0, 1024);
        }
        range(EMBEDDING_DIM, 1, 4096);
        range(BATCH_MAX_EVENTS, 1, 1_000_000);
        range(BATCH_FLUSH_INTERVAL_MS, 1, 3_600_000);
        range(BATCH_COMMIT_REQUEST_INTERVAL_MS, 0, 3_600_000);
        range(RECS_K, 1, 1024);
        range(RECS_CANDIDATES, 1, 1024);
        range(RECS_POPULAR_CANDIDATES, 0, 1024);
        range(RECS_SIMILAR_PER_ITEM, 0, 1024);
        range(RECS_NEIGHBOURS_PER_ITEM, 0, 1024);
        if (!(getDouble(RECENT_DECAY) > 0 && getDouble(RECENT_DECAY) <= 1)) {
            throw new IllegalArgumentException(RECENT_DECAY + " must be in (0, 1], was " + getDouble(RECENT_DECAY));
        }
        range(CACHE_CHECK_EVERY_EVENTS, 1, Integer.MAX_VALUE);
        range(SEEN_MAX, 1, 1_000_000);
        range(RECENT_ITEMS, 1, 1024);
        range(CATALOG_INITIAL_CAPACITY, 1, 100_000_000);
        range(USERS_INITIAL_CAPACITY, 1, 100_000_000);
        if (getInt(RECS_CANDIDATES) < getInt(RECS_K)) {
            throw new IllegalArgumentException(RECS_CANDIDATES + " (" + getInt(RECS_CANDIDATES) + ") must be >= " + RECS_K + " (" + getInt(RECS_K) + ")");
        }
        if (getDouble(RATING_SCALE) <= 0) {
            throw new IllegalArgumentException(RATING_SCALE + " must be > 0, was " + getDouble(RATING_SCALE));
        }
        for (String k : new String[] {WEIGHT_VIEW, WEIGHT_CLICK, WEIGHT_PURCHASE, WEIGHT_SKIP, RANK_WEIGHT_PERSONAL,
                RANK_WEIGHT_SIMILAR, RANK_WEIGHT_BANDIT, RANK_WEIGHT_POPULARITY, RATING_NEUTRAL, RATING_MAX}) {
            getDouble(k);
        }
        double queueShare = getDouble(BATCH_COMMIT_QUEUE_SHARE);
        if (!(queueShare >= 0) || queueShare > 1_000) {
            throw new IllegalArgumentException(BATCH_COMMIT_QUEUE_SHARE + " must be in [0, 1000], was " + queueShare);
        }
        for (String k : new String[] {RECS_ON_INTERACTIONS, NEIGHBOURS_ENABLED, BATCH_COMMIT_ON_TIMED_FLUSH, SCORER_EXTRAS,
                RECS_COALESCE}) {
            String b = values.get(k).trim();
            if (!b.equalsIgnoreCase("true") && !b.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException(k + " must be true or false, was '" + b + "'");
            }
        }
        range(NEIGHBOURS_MAX, 1, 1024);
        range(NEIGHBOURS_WINDOW, 1, 1024);
        range(NEIGHBOURS_PUBLISH_INTERVAL_MS, 1, 3_600_000);
        range(NEIGHBOURS_EMIT_INTERVAL_MS, 0, 60_000);
        range(NEIGHBOURS_COMMIT_INTERVAL_MS, 1, 3_600_000);
        range(NEIGHBOURS_THREADS, 1, 64);
        range(NEIGHBOURS_CHECKPOINT_INTERVAL_MS, 1, 3_600_000);
        range(NEIGHBOURS_CHECKPOINT_MAX_PAIRS, 1, 1_000_000_000);
        range(SKETCH_DEVICE_MIN_CELLS, 0, Long.MAX_VALUE);
        range(BANDIT_DEVICE_MIN_DRAWS, 0, Integer.MAX_VALUE);
        String separate = values.get(NEIGHBOURS_SEPARATE_APP).trim();
        if (!separate.equalsIgnoreCase("true") && !separate.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException(NEIGHBOURS_SEPARATE_APP + " must be true or false, was '" + separate + "'");
        }
        Role role = role();
        if (role == Role.MODEL && !neighboursEnabled()) {
            throw new IllegalArgumentException(ROLE + "=model runs the item-to-item model only, but "
                    + NEIGHBOURS_ENABLED + " is false");
        }
        if (role != Role.ALL && neighboursEnabled() && !separate.equalsIgnoreCase("true")) {
            throw new IllegalArgumentException(ROLE + "=" + role.name().toLowerCase(Locale.ROOT) + " needs the model in an"
                    + " instance of its own (" + NEIGHBOURS_SEPARATE_APP + "=true)");
        }
        if (!(getDouble(NEIGHBOURS_PUBLISH_BUDGET) >= 0 && getDouble(NEIGHBOURS_PUBLISH_BUDGET) <= 1)) {
            throw new IllegalArgumentException(NEIGHBOURS_PUBLISH_BUDGET + " must be in [0, 1], was "
                    + getDouble(NEIGHBOURS_PUBLISH_BUDGET));
        }
        embeddingUpdate();
        countMin();
        popularCache();
        getLong(BANDIT_SEED);
        getLong(EVENT_TIME_MIN_MS);
        if (getLong(EVENT_TIME_MAX_FUTURE_MS) < 0) {
            throw new IllegalArgumentException(EVENT_TIME_MAX_FUTURE_MS + " must be >= 0, was " + getLong(EVENT_TIME_MAX_FUTURE_MS));
        }
        range(ROCKSDB_MEMORY_MB, 16, 1_048_576);
        range(TOPICS_PARTITIONS, 1, 10_000);
        range(TOPICS_REPLICATION, 1, 32);
        if (!Set.of("true", "false").contains(values.get(TOPICS_CREATE).trim().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException(TOPICS_CREATE + " must be true or false, was '" + values.get(TOPICS_CREATE) + "'");
        }
        range(METRICS_PORT, -1, 65_535);
        if (values.get(METRICS_HOST) == null || values.get(METRICS_HOST).isBlank()) {
            throw new IllegalArgumentException(METRICS_HOST + " must be a host name or address, was '" + values.get(METRICS_HOST) + "'");
        }
        double share = getDouble(ROCKSDB_MEMTABLE_SHARE);
        if (!(share > 0 && share < 1)) {
            throw new IllegalArgumentException(ROCKSDB_MEMTABLE_SHARE + " must be in (0, 1), was " + share);
        }
        if (getDouble(VALUE_MAX) <= 0) {
            throw new IllegalArgumentException(VALUE_MAX + " must be > 0, was " + getDouble(VALUE_MAX));
        }
        getDouble(RANK_WEIGHT_GRAPH);
        range(RERANK_CANDIDATES, 1, 1024);
        range(RERANK_HEADS, 1, 4096);
        range(RERANK_CHECK_INTERVAL_MS, 0, 86_400_000);
    }

    private void range(String key, long min, long max) {
        long v = getLong(key);
        if (v < min || v > max) {
            throw new IllegalArgumentException(key + " must be in [" + min + ", " + max + "], was " + v);
        }
    }
}
