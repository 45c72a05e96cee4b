package dev.hyperrec.topology.internal;

import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.Reason;
import dev.hyperrec.avro.RecommendedItem;
import dev.hyperrec.avro.RecommendationRequest;
import dev.hyperrec.avro.Recommendations;
import dev.hyperrec.operators.BanditTable;
import dev.hyperrec.operators.EmbeddingUpdater;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.operators.PopularItemCache;
import dev.hyperrec.operators.PopularitySketch;
import dev.hyperrec.operators.ScoreBatch;
import dev.hyperrec.operators.SketchState;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.ThompsonSampler;
import dev.hyperrec.operators.TopKResult;
import dev.hyperrec.operators.UpdateBatch;
import dev.hyperrec.operators.UserTable;
import dev.hyperrec.operators.Vectors;
import dev.hyperrec.schemas.serde.RecordDecodingException;
import dev.hyperrec.topology.DeadLetter;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.NodeNames;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heart of the pipeline, one instance per stream task. Validates and decodes each interaction or
 * request (bad ones go to the dead-letter topic with the reason), appends it to the open batch (kept
 * in a changelogged store, so a commit never loses an accepted event), and flushes the batch through
 * the operators when it reaches {@code hyperrec.batch.max.events} or when the wall-clock punctuation
 * fires.
 *
 * <p><b>Determinism.</b> A flush applies its events exactly as if they were applied one at a time in
 * partition order, so results never depend on where batch boundaries fall:
 * <ol>
 *   <li>Rounds: round r holds each user's r-th event of the batch. A round's embedding updates touch
 *       each user once, so they run as one operator call; right after it, every triggering event of
 *       the round captures its query vector, seen-set and recent items, and the round's queries are
 *       scored in one batched top-M call. Personal scores depend only on the user's own state, so this
 *       equals the sequential order.</li>
 *   <li>Sequential pass in partition order: Count-Min adds (decayed on event time), bandit rewards,
 *       popular-cache drift checks, then each triggering event's final ranking with Thompson draws
 *       keyed by its event id, and the impressions of the list it emits.</li>
 * </ol>
 * State changed by the flush is written back to the stores once, at its end.
 *
 * <p>Thread affinity: the task's stream thread.
 */
public final class BatchingProcessor implements Processor<byte[], byte[], Object, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(BatchingProcessor.class);
    private static final String KEY_SEQ = "seq";
    private static final String KEY_SKETCH = "cms";
    private static final String KEY_CACHE = "cache";

    private final HyperrecRuntime runtime;
    private final HyperrecConfig config;
    private final EventWeights weights;
    private final int maxBatch;
    private final int dim;
    private final int candidates;
    private final int popularCandidates;
    private final int similarPerItem;
    private final int defaultK;
    private final int seenMax;
    private final int recentCap;
    private final int cacheCheckEvery;
    private final float wPersonal;
    private final float wBandit;
    private final float wPopularity;
    private final double ratingMax;
    private final String modelVersion;
    private final String interactionsTopic;
    private final String requestsTopic;

    private ProcessorContext<Object, Object> context;
    private KeyValueStore<String, byte[]> userVectors;
    private KeyValueStore<String, Integer> idDictionary;
    private KeyValueStore<String, byte[]> seenSets;
    private KeyValueStore<Bytes, byte[]> banditStore;
    private KeyValueStore<String, byte[]> sketchStore;
    private KeyValueStore<Long, byte[]> buffer;
    private KeyValueStore<Integer, Long> sketchCounters;
    private long[] persistedCounters;
    private Deserializer<InteractionEvent> interactions;
    private Deserializer<RecommendationRequest> requests;

    private EmbeddingUpdater updater;
    private Scorer scorer;
    private PopularitySketch sketch;
    private ThompsonSampler sampler;
    private PopularItemCache cache;
    private BanditTable bandit;
    private UserTable users;
    private final List<UserHistory> histories = new ArrayList<>();
    private final List<PendingEvent> pending = new ArrayList<>();
    private long nextSeq;
    private int persistedUsers;

    private UpdateBatch updateBatch;
    private ScoreBatch scoreBatch;
    private final TopKResult topK = new TopKResult();
    private final CandidateSet candidateSet = new CandidateSet();
    private float[] row;
    private long[] hotBuffer = new long[0];

    public BatchingProcessor(HyperrecRuntime runtime) {
        this.runtime = runtime;
        this.config = runtime.config();
        this.weights = new EventWeights(config);
        this.maxBatch = config.getInt(HyperrecConfig.BATCH_MAX_EVENTS);
        this.dim = config.dim();
        this.candidates = config.getInt(HyperrecConfig.RECS_CANDIDATES);
        this.popularCandidates = config.getInt(HyperrecConfig.RECS_POPULAR_CANDIDATES);
        this.similarPerItem = config.getInt(HyperrecConfig.RECS_SIMILAR_PER_ITEM);
        this.defaultK = config.getInt(HyperrecConfig.RECS_K);
        this.seenMax = config.getInt(HyperrecConfig.SEEN_MAX);
        this.recentCap = config.getInt(HyperrecConfig.RECENT_ITEMS);
        this.cacheCheckEvery = config.getInt(HyperrecConfig.CACHE_CHECK_EVERY_EVENTS);
        this.wPersonal = config.getFloat(HyperrecConfig.RANK_WEIGHT_PERSONAL);
        this.wBandit = config.getFloat(HyperrecConfig.RANK_WEIGHT_BANDIT);
        this.wPopularity = config.getFloat(HyperrecConfig.RANK_WEIGHT_POPULARITY);
        this.ratingMax = config.getDouble(HyperrecConfig.RATING_MAX);
        this.modelVersion = config.get(HyperrecConfig.MODEL_VERSION);
        this.interactionsTopic = config.topic(Topics.INTERACTIONS);
        this.requestsTopic = config.topic(Topics.REQUESTS);
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        userVectors = context.getStateStore(StoreNames.USER_VECTORS);
        idDictionary = context.getStateStore(StoreNames.ID_DICTIONARY);
        seenSets = context.getStateStore(StoreNames.SEEN_SETS);
        banditStore = context.getStateStore(StoreNames.BANDIT);
        sketchStore = context.getStateStore(StoreNames.SKETCH);
        sketchCounters = context.getStateStore(StoreNames.SKETCH_COUNTERS);
        buffer = context.getStateStore(StoreNames.BATCH_BUFFER);
        interactions = runtime.serdes().serde(InteractionEvent.class, false).deserializer();
        requests = runtime.serdes().serde(RecommendationRequest.class, false).deserializer();

        updater = runtime.backend().newEmbeddingUpdater(config.embeddingUpdate());
        scorer = runtime.backend().newScorer();
        sketch = runtime.backend().newPopularitySketch(config.countMin());
        sampler = runtime.backend().newThompsonSampler(config.getLong(HyperrecConfig.BANDIT_SEED));
        cache = new PopularItemCache(scorer, config.popularCache());
        bandit = new BanditTable();
        users = new UserTable(dim, config.getInt(HyperrecConfig.USERS_INITIAL_CAPACITY));
        updateBatch = new UpdateBatch(Math.max(16, maxBatch));
        scoreBatch = new ScoreBatch(dim, Math.max(16, maxBatch));
        row = new float[dim];

        restore();
        context.schedule(Duration.ofMillis(config.getLong(HyperrecConfig.BATCH_FLUSH_INTERVAL_MS)),
                PunctuationType.WALL_CLOCK_TIME, ts -> flush());
    }

    /** Rebuilds the in-memory (device-side) state from the task's stores: the stores are the truth. */
    private void restore() {
        byte[] seq = sketchStore.get(KEY_SEQ);
        nextSeq = seq == null ? 0 : Codecs.longs(seq)[0];
        byte[] cms = sketchStore.get(KEY_SKETCH);
        if (cms != null) {
            SketchState meta = Codecs.sketch(cms);
            long[] counters = new long[meta.width() * meta.depth()];
            try (KeyValueIterator<Integer, Long> it = sketchCounters.all()) {
                while (it.hasNext()) {
                    KeyValue<Integer, Long> kv = it.next();
                    counters[kv.key] = kv.value;
                }
            }
            sketch.restore(new SketchState(meta.width(), meta.depth(), counters, meta.total(), meta.epoch(),
                    meta.heavyKeys()));
            persistedCounters = counters.clone();
        } else {
            persistedCounters = sketch.snapshot().counters();
        }
        try (KeyValueIterator<Bytes, byte[]> it = banditStore.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                java.nio.ByteBuffer key = java.nio.ByteBuffer.wrap(kv.key.get());
                long[] counts = Codecs.longs(kv.value);
                bandit.put(key.getInt(), key.getLong(), counts[0], counts[1]);
            }
        }
        bandit.clearDirty();
        List<KeyValue<String, Integer>> dictionary = new ArrayList<>();
        try (KeyValueIterator<String, Integer> it = idDictionary.all()) {
            it.forEachRemaining(dictionary::add);
        }
        dictionary.sort((a, b) -> Integer.compare(a.value, b.value));
        for (KeyValue<String, Integer> kv : dictionary) {
            int idx = users.indexOrAdd(kv.key);
            if (idx != kv.value) {
                throw new IllegalStateException("id dictionary is not dense: user " + kv.key + " has index " + kv.value
                        + " but was restored at " + idx);
            }
            byte[] vec = userVectors.get(kv.key);
            if (vec != null) {
                users.setRow(idx, Codecs.floats(vec));
            }
            byte[] hist = seenSets.get(kv.key);
            histories.add(hist == null ? new UserHistory(recentCap) : UserHistory.decode(hist, recentCap));
        }
        users.clearDirty();
        persistedUsers = users.size();
        byte[] cacheState = sketchStore.get(KEY_CACHE);
        if (cacheState != null) {
            long[] v = Codecs.longs(cacheState);
            cache.restore(runtime.catalog(), Arrays.copyOfRange(v, 1, v.length), v[0]);
        }
        List<KeyValue<Long, byte[]>> open = new ArrayList<>();
        try (KeyValueIterator<Long, byte[]> it = buffer.all()) {
            it.forEachRemaining(open::add);
        }
        open.sort((a, b) -> Long.compare(a.key, b.key));
        for (KeyValue<Long, byte[]> kv : open) {
            pending.add(PendingEvent.decode(kv.value));
        }
        nextSeq += pending.size();
        LOG.info("task {}: restored {} users, {} bandit arms, {} open events, sequence {}", context.taskId(),
                users.size(), bandit.size(), pending.size(), nextSeq);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse(interactionsTopic);
        PendingEvent event;
        try {
            event = requestsTopic.equals(topic) ? acceptRequest(record) : acceptInteraction(record);
        } catch (Rejected r) {
            deadLetter(record, r.reason, r.getMessage());
            return;
        } catch (RecordDecodingException e) {
            if (e.reason().retriable()) {
                // the registry is down: fail the task so the record is retried, not dead-lettered
                throw e;
            }
            deadLetter(record, DeadLetter.valueOf(e.reason().name()), e.getMessage());
            return;
        } catch (RuntimeException e) {
            deadLetter(record, DeadLetter.PROCESSING_ERROR, String.valueOf(e));
            return;
        }
        buffer.put(event.seq(), event.encode());
        pending.add(event);
        if (pending.size() >= maxBatch) {
            flush();
        }
    }

    private PendingEvent acceptInteraction(Record<byte[], byte[]> record) {
        String key = key(record);
        InteractionEvent e = interactions.deserialize(interactionsTopic, record.headers(), record.value());
        if (e == null) {
            throw new Rejected(DeadLetter.EMPTY, "null value (tombstone) on the interactions topic");
        }
        requireText(e.getEventId(), "eventId");
        requireText(e.getUserId(), "userId");
        requireText(e.getItemId(), "itemId");
        if (!key.equals(e.getUserId())) {
            throw new Rejected(DeadLetter.KEY_MISMATCH, "record key '" + key + "' differs from userId '" + e.getUserId() + "'");
        }
        float v = e.getValue();
        if (!Float.isFinite(v)) {
            throw new Rejected(DeadLetter.NON_FINITE_VALUE, "value is " + v);
        }
        if (e.getType() == InteractionType.RATING && (v < 0 || v > ratingMax)) {
            throw new Rejected(DeadLetter.VALUE_OUT_OF_RANGE, "rating " + v + " outside [0, " + ratingMax + "]");
        }
        if (runtime.catalog().indexOf(e.getItemId()) < 0) {
            throw new Rejected(DeadLetter.UNKNOWN_ITEM, "item '" + e.getItemId() + "' is not in the catalog");
        }
        return new PendingEvent(nextSeq++, false, e.getEventId(), e.getUserId(), e.getItemId(), e.getType().ordinal(), v,
                e.getTimestamp().toEpochMilli(), record.timestamp(), e.getRecommendationId(), Segments.of(e.getContext()), 0,
                null);
    }

    private PendingEvent acceptRequest(Record<byte[], byte[]> record) {
        String key = key(record);
        RecommendationRequest r = requests.deserialize(requestsTopic, record.headers(), record.value());
        if (r == null) {
            throw new Rejected(DeadLetter.EMPTY, "null value (tombstone) on the requests topic");
        }
        requireText(r.getRequestId(), "requestId");
        requireText(r.getUserId(), "userId");
        if (!key.equals(r.getUserId())) {
            throw new Rejected(DeadLetter.KEY_MISMATCH, "record key '" + key + "' differs from userId '" + r.getUserId() + "'");
        }
        if (r.getK() < 1 || r.getK() > Scorer.MAX_K) {
            throw new Rejected(DeadLetter.VALUE_OUT_OF_RANGE, "k " + r.getK() + " outside [1, " + Scorer.MAX_K + "]");
        }
        float[] q = null;
        if (r.getQueryEmbedding() != null) {
            List<Float> list = r.getQueryEmbedding();
            if (list.size() != dim) {
                throw new Rejected(DeadLetter.DIMENSION_MISMATCH, "query embedding has " + list.size() + " values, expected " + dim);
            }
            q = new float[dim];
            for (int i = 0; i < dim; i++) {
                q[i] = list.get(i);
            }
            if (!Vectors.allFinite(q)) {
                throw new Rejected(DeadLetter.NON_FINITE_VALUE, "query embedding has a NaN or infinite component");
            }
        }
        return new PendingEvent(nextSeq++, true, r.getRequestId(), r.getUserId(), null, -1, 0f,
                r.getRequestedAt().toEpochMilli(), record.timestamp(), null, Segments.of(r.getContext()), r.getK(), q);
    }

    private static String key(Record<byte[], byte[]> record) {
        if (record.key() == null || record.key().length == 0) {
            throw new Rejected(DeadLetter.MISSING_KEY, "records must be keyed by userId");
        }
        return new String(record.key(), StandardCharsets.UTF_8);
    }

    private static void requireText(String s, String field) {
        if (s == null || s.isBlank()) {
            throw new Rejected(DeadLetter.INVALID_FIELD, field + " is empty");
        }
    }

    private void deadLetter(Record<byte[], byte[]> record, DeadLetter reason, String detail) {
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.add(DeadLetter.HEADER_REASON, reason.name().getBytes(StandardCharsets.UTF_8));
        headers.add(DeadLetter.HEADER_DETAIL, truncate(detail).getBytes(StandardCharsets.UTF_8));
        context.recordMetadata().ifPresent(m -> {
            headers.add(DeadLetter.HEADER_TOPIC, m.topic().getBytes(StandardCharsets.UTF_8));
            headers.add(DeadLetter.HEADER_PARTITION, Integer.toString(m.partition()).getBytes(StandardCharsets.UTF_8));
            headers.add(DeadLetter.HEADER_OFFSET, Long.toString(m.offset()).getBytes(StandardCharsets.UTF_8));
        });
        LOG.debug("dead letter ({}): {}", reason, detail);
        context.forward(new Record<Object, Object>(record.key(), record.value(), record.timestamp(), headers), NodeNames.DLQ_SINK);
    }

    private static String truncate(String s) {
        return s == null ? "" : s.length() > 500 ? s.substring(0, 500) : s;
    }

    /** What a triggering event captured right after its own update: its query, exclusions and seeds. */
    private static final class Capture {
        float[] query;
        boolean zero;
        int[] exclude;
        long[] recent;
        int[] personalIdx = new int[0];
        float[] personalScore = new float[0];
    }

    /** Applies the open batch (see the class comment) and writes the changed state back. */
    void flush() {
        int n = pending.size();
        if (n == 0) {
            return;
        }
        ItemCatalog catalog = runtime.catalog();
        int[] userIdx = new int[n];
        int[] itemIdx = new int[n];
        int[] round = new int[n];
        int[] perUser = new int[users.size() + n];
        int maxRound = 0;
        java.util.BitSet touched = new java.util.BitSet();
        for (int i = 0; i < n; i++) {
            PendingEvent e = pending.get(i);
            int u = users.indexOrAdd(e.userId());
            if (u == histories.size()) {
                histories.add(new UserHistory(recentCap));
            }
            userIdx[i] = u;
            itemIdx[i] = e.request() ? -1 : catalog.indexOf(e.itemId());
            round[i] = perUser[u]++;
            maxRound = Math.max(maxRound, round[i]);
            touched.set(u);
        }
        int[][] byRound = new int[maxRound + 1][];
        int[] roundSize = new int[maxRound + 1];
        for (int r : round) {
            roundSize[r]++;
        }
        for (int r = 0; r <= maxRound; r++) {
            byRound[r] = new int[roundSize[r]];
            roundSize[r] = 0;
        }
        for (int i = 0; i < n; i++) {
            byRound[round[i]][roundSize[round[i]]++] = i;
        }

        Capture[] captures = new Capture[n];
        for (int r = 0; r <= maxRound; r++) {
            updateBatch.clear();
            for (int i : byRound[r]) {
                PendingEvent e = pending.get(i);
                if (!e.request() && itemIdx[i] >= 0) {
                    float w = weights.weight(InteractionType.values()[e.type()], e.value());
                    if (w != 0f) {
                        updateBatch.add(userIdx[i], itemIdx[i], w);
                    }
                }
            }
            if (updateBatch.size() > 0) {
                updater.apply(users, catalog, updateBatch);
            }
            scoreBatch.clear();
            List<Capture> scored = new ArrayList<>();
            for (int i : byRound[r]) {
                PendingEvent e = pending.get(i);
                UserHistory h = histories.get(userIdx[i]);
                if (!e.request()) {
                    long key = ItemKeys.hash64(e.itemId());
                    h.addSeen(key, seenMax);
                    InteractionType type = InteractionType.values()[e.type()];
                    if (weights.weight(type, e.value()) > 0f) {
                        h.touchRecent(key);
                    }
                    if (!EventWeights.triggers(type)) {
                        continue;
                    }
                }
                Capture c = capture(e, userIdx[i], h, catalog);
                captures[i] = c;
                if (!c.zero) {
                    scoreBatch.add(c.query, c.exclude);
                    scored.add(c);
                }
            }
            if (scoreBatch.size() > 0) {
                scorer.topK(catalog, scoreBatch, candidates, topK);
                for (int q = 0; q < scored.size(); q++) {
                    Capture c = scored.get(q);
                    int cnt = topK.count(q);
                    c.personalIdx = new int[cnt];
                    c.personalScore = new float[cnt];
                    for (int j = 0; j < cnt; j++) {
                        c.personalIdx[j] = topK.index(q, j);
                        c.personalScore[j] = topK.score(q, j);
                    }
                }
            }
        }

        boolean cacheRebuilt = false;
        long[] one = new long[1];
        long[] time = new long[1];
        for (int i = 0; i < n; i++) {
            PendingEvent e = pending.get(i);
            if (!e.request()) {
                long key = ItemKeys.hash64(e.itemId());
                one[0] = key;
                time[0] = e.eventTimeMs();
                sketch.add(one, time, 1);
                if (e.recommendationId() != null && EventWeights.rewards(InteractionType.values()[e.type()])) {
                    bandit.recordClick(e.segment(), key);
                }
            }
            if (e.seq() % cacheCheckEvery == 0) {
                cacheRebuilt |= cache.maybeRebuild(catalog, hotKeys(sketch.config().heavyHitters()), e.eventTimeMs());
            }
            if (captures[i] != null) {
                emit(e, captures[i], catalog);
            }
        }
        writeBack(touched, cacheRebuilt);
        for (PendingEvent e : pending) {
            buffer.delete(e.seq());
        }
        pending.clear();
    }

    private Capture capture(PendingEvent e, int u, UserHistory h, ItemCatalog catalog) {
        Capture c = new Capture();
        float[] q = new float[dim];
        users.copyRow(u, q, 0);
        if (e.query() != null) {
            float[] fused = new float[dim];
            Vectors.fuse(e.query(), q, Vectors.QUERY_WEIGHT, fused);
            q = fused;
        }
        boolean zero = true;
        for (float x : q) {
            if (x != 0f) {
                zero = false;
                break;
            }
        }
        c.query = q;
        c.zero = zero;
        int[] ex = new int[h.seenSize()];
        int m = 0;
        for (int j = 0; j < h.seenSize(); j++) {
            int idx = catalog.indexOfKey(h.seenAt(j));
            if (idx >= 0) {
                ex[m++] = idx;
            }
        }
        ex = Arrays.copyOf(ex, m);
        Arrays.sort(ex);
        c.exclude = ex;
        c.recent = h.recent();
        return c;
    }

    private long[] hotKeys(int limit) {
        if (hotBuffer.length < limit) {
            hotBuffer = new long[limit];
        }
        int n = sketch.hotKeys(limit, hotBuffer);
        return Arrays.copyOf(hotBuffer, n);
    }

    static final int SRC_PERSONAL = CandidateSet.PERSONAL;
    static final int SRC_SIMILAR = CandidateSet.SIMILAR;
    static final int SRC_POPULAR = CandidateSet.POPULAR;

    /** Final ranking of one triggering event's candidates (DESIGN.md §3, "Final ranking") and its list. */
    private void emit(PendingEvent e, Capture c, ItemCatalog catalog) {
        candidateSet.clear(catalog.size());
        for (int j = 0; j < c.personalIdx.length; j++) {
            candidateSet.add(c.personalIdx[j], SRC_PERSONAL, c.personalScore[j]);
        }
        for (long recentKey : c.recent) {
            int[] row = cache.similar(recentKey);
            if (row == null) {
                continue;
            }
            int taken = 0;
            for (int j = 0; j < row.length && taken < similarPerItem; j++) {
                int idx = row[j];
                if (catalog.isActive(idx) && Arrays.binarySearch(c.exclude, idx) < 0) {
                    candidateSet.add(idx, SRC_SIMILAR, Float.NaN);
                    taken++;
                }
            }
        }
        if (popularCandidates > 0) {
            for (long key : hotKeys(popularCandidates)) {
                int idx = catalog.indexOfKey(key);
                if (idx >= 0 && Arrays.binarySearch(c.exclude, idx) < 0) {
                    candidateSet.add(idx, SRC_POPULAR, Float.NaN);
                }
            }
        }
        int nc = candidateSet.size();
        int[] idx = candidateSet.indices();
        int[] src = candidateSet.sources();
        float[] pers = candidateSet.personal();
        long[] keys = new long[nc];
        for (int j = 0; j < nc; j++) {
            keys[j] = catalog.keyAt(idx[j]);
            if (Float.isNaN(pers[j])) {
                pers[j] = c.zero ? 0f : dot(catalog, idx[j], c.query);
            }
        }
        long[] est = new long[nc];
        sketch.estimate(keys, nc, est);
        double logN = Math.log1p(Math.max(1, sketch.total()));
        double[] alpha = new double[nc];
        double[] beta = new double[nc];
        bandit.fill(e.segment(), keys, nc, alpha, beta);
        float[] theta = new float[nc];
        sampler.sample(ItemKeys.hash64(e.eventId()), keys, alpha, beta, nc, theta);

        Integer[] order = new Integer[nc];
        float[] total = new float[nc];
        float[] pop = new float[nc];
        String[] ids = new String[nc];
        for (int j = 0; j < nc; j++) {
            pop[j] = (float) (Math.log1p(est[j]) / logN);
            total[j] = wPersonal * pers[j] + wBandit * theta[j] + wPopularity * pop[j];
            ids[j] = catalog.idAt(idx[j]);
            order[j] = j;
        }
        Arrays.sort(order, (a, b) -> {
            int cmp = Float.compare(total[b], total[a]);
            return cmp != 0 ? cmp : ids[a].compareTo(ids[b]);
        });
        int k = Math.min(e.k() > 0 ? e.k() : defaultK, nc);
        List<RecommendedItem> items = new ArrayList<>(k);
        for (int r = 0; r < k; r++) {
            int o = order[r];
            items.add(RecommendedItem.newBuilder().setItemId(ids[o]).setScore(total[o]).setRank(r + 1)
                    .setReason(reason(src[o], wPersonal * pers[o], wBandit * theta[o], wPopularity * pop[o])).build());
            bandit.recordImpression(e.segment(), keys[o]);
        }
        Recommendations recs = Recommendations.newBuilder()
                .setUserId(e.userId())
                .setRecommendationId(recommendationId(e))
                .setRequestId(e.request() ? e.eventId() : null)
                .setItems(items)
                .setGeneratedAt(Instant.ofEpochMilli(System.currentTimeMillis()))
                .setSourceEventTime(Instant.ofEpochMilli(e.eventTimeMs()))
                .setModelVersion(modelVersion)
                .build();
        context.forward(new Record<Object, Object>(e.userId(), recs, e.recordTimeMs()), NodeNames.RECOMMENDATIONS_SINK);
    }

    /** The largest contribution names the reason; a personal-looking item found only through the cache is SIMILAR. */
    static Reason reason(int sources, float personal, float bandit, float popularity) {
        if (personal >= bandit && personal >= popularity) {
            return (sources & SRC_PERSONAL) == 0 && (sources & SRC_SIMILAR) != 0 ? Reason.SIMILAR : Reason.PERSONAL;
        }
        return bandit >= popularity ? Reason.EXPLORE : Reason.POPULAR;
    }

    private float dot(ItemCatalog catalog, int item, float[] query) {
        catalog.copyEmbedding(item, row, 0);
        double dot = 0;
        for (int d = 0; d < dim; d++) {
            dot += (double) row[d] * query[d];
        }
        return (float) dot;
    }

    /** The id of the list a triggering event yields: derived from the event, so a replay yields the same id. */
    public static String recommendationId(PendingEvent e) {
        return (e.request() ? "req:" : "evt:") + e.eventId();
    }

    private void writeBack(java.util.BitSet touched, boolean cacheRebuilt) {
        users.forEachDirty(u -> userVectors.put(users.idAt(u), Codecs.floats(users.raw(), u * dim, dim)));
        users.clearDirty();
        for (int u = persistedUsers; u < users.size(); u++) {
            idDictionary.put(users.idAt(u), u);
        }
        persistedUsers = users.size();
        for (int u = touched.nextSetBit(0); u >= 0; u = touched.nextSetBit(u + 1)) {
            seenSets.put(users.idAt(u), histories.get(u).encode());
        }
        bandit.forEachDirty((segment, key, impressions, clicks) ->
                banditStore.put(Bytes.wrap(Codecs.banditKey(segment, key)), Codecs.longs(impressions, clicks)));
        bandit.clearDirty();
        SketchState state = sketch.snapshot();
        long[] counters = state.counters();
        for (int i = 0; i < counters.length; i++) {
            if (counters[i] != persistedCounters[i]) {
                // only the cells this flush changed reach RocksDB and the changelog
                sketchCounters.put(i, counters[i]);
                persistedCounters[i] = counters[i];
            }
        }
        sketchStore.put(KEY_SKETCH, Codecs.sketch(new SketchState(state.width(), state.depth(), new long[0],
                state.total(), state.epoch(), state.heavyKeys())));
        if (cacheRebuilt) {
            long[] hot = cache.cachedHotKeys();
            long[] v = new long[hot.length + 1];
            v[0] = cache.lastRebuildMs();
            System.arraycopy(hot, 0, v, 1, hot.length);
            sketchStore.put(KEY_CACHE, Codecs.longs(v));
        }
        long processed = pending.get(pending.size() - 1).seq() + 1;
        sketchStore.put(KEY_SEQ, Codecs.longs(processed));
    }

    @Override
    public void close() {
        // Open events stay in the batch-buffer store and are applied after the task is reassigned.
        updater.close();
        sampler.close();
        sketch.close();
        scorer.close();
    }

    /** A record refused with a dead-letter reason. */
    private static final class Rejected extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient DeadLetter reason;

        Rejected(DeadLetter reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }
}
