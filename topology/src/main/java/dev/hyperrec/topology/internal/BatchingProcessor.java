package dev.hyperrec.topology.internal;

import dev.hyperrec.avro.InteractionEvent;
import dev.hyperrec.avro.InteractionType;
import dev.hyperrec.avro.RecommendationRequest;
import dev.hyperrec.operators.ItemKeys;
import dev.hyperrec.operators.Scorer;
import dev.hyperrec.operators.SketchState;
import dev.hyperrec.operators.UserTable;
import dev.hyperrec.operators.Vectors;
import dev.hyperrec.schemas.serde.RecordDecodingException;
import dev.hyperrec.topology.DeadLetter;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.NodeNames;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.engine.PendingEvent;
import dev.hyperrec.topology.engine.RecommenderEngine;
import dev.hyperrec.topology.engine.Segments;
import dev.hyperrec.topology.engine.UserHistory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * The pipeline's stream processor, one instance per task. Validates and decodes each interaction or
 * request (bad ones go to the dead-letter topic with the reason), appends it to the open batch (kept
 * in a changelogged store, so a commit never loses an accepted event), and flushes the batch through
 * the task's {@link RecommenderEngine} when it reaches {@code hyperrec.batch.max.events}, or at a check (a wall-clock
 * punctuation every tenth of {@code hyperrec.batch.flush.interval.ms}) once that interval, and at least twice as long as
 * the last flush took, has passed since the task's last flush began: at most one timed flush per interval, timed flushes at
 * most half the task's time, and an event that finds the task idle is flushed at the next check. With
 * {@code hyperrec.batch.commit.on.timed.flush} a timed flush asks Kafka Streams to commit at once, paced per stream
 * thread by a {@link CommitGate}. Lists go downstream in the same transaction as the state they came
 * from; state the flush changed is written back to the stores once, at its end. With
 * {@code hyperrec.neighbours.enabled} the engine ranks with the published item-to-item lists and the
 * flush also sends the batch's co-occurrence increments to {@code item-cooccurrence}
 * ({@link CoOccurrenceEmitter}), or, with {@code hyperrec.neighbours.emit.interval.ms}, the increments of every batch
 * flushed since they were last sent, summed, once that interval has passed: the flushed events that feed the model stay in
 * {@code batch-buffer} until then (below the {@code seq} watermark, so a restart sends their increments and does not
 * apply them again).
 *
 * <p>On init the engine's in-memory (device-side) state is rebuilt from the stores, which are the
 * source of truth; so a restart or a rebalance resumes from exactly the committed state.
 *
 * <p>Thread affinity: the task's stream thread.
 */
public final class BatchingProcessor implements Processor<byte[], byte[], Object, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(BatchingProcessor.class);
    private static final String KEY_SEQ = "seq";
    /** {@code sketch-state} key of the task's done watermark: every event below it is applied and its increments sent. */
    private static final String KEY_DONE = "done";
    private static final String KEY_SKETCH = "cms";
    private static final String KEY_CACHE = "cache";
    /**
     * Count-Min cells per {@code sketch-counters} record: chunk {@code c} holds cells {@code [64c, 64c + 64)} (the last
     * one fewer). A flush changes a few cells in every row, spread over the sketch, and one record per changed cell was
     * about four changelog records per event; a chunk's record carries all the cells near each other that changed.
     */
    public static final int SKETCH_CHUNK_CELLS = 64;
    /**
     * With {@code hyperrec.neighbours.emit.interval.ms}, increments are also sent once this many full batches' events
     * await them, whatever the interval: bounds the events held, and the increments' size.
     */
    static final int UNSENT_BATCHES = 8;

    private final HyperrecRuntime runtime;
    private final HyperrecConfig config;
    private final int maxBatch;
    private final long flushIntervalMs;
    private final boolean commitOnTimedFlush;
    /** The shortest spacing of a stream thread's requested commits: the flush interval or more. */
    private final long commitRequestIntervalMs;
    private final long emitIntervalMs;
    private final int dim;
    private static final int MAX_ID_LENGTH = 512;
    private final double ratingMax;
    private final double valueMax;
    private final long eventTimeMin;
    private final long eventTimeMaxFuture;
    private final String interactionsTopic;
    private final String requestsTopic;

    private ProcessorContext<Object, Object> context;
    private KeyValueStore<String, byte[]> userVectors;
    private KeyValueStore<String, Integer> idDictionary;
    private KeyValueStore<String, byte[]> seenSets;
    private KeyValueStore<Bytes, byte[]> banditStore;
    private BanditLog banditLog;
    private KeyValueStore<String, byte[]> sketchStore;
    private KeyValueStore<Integer, byte[]> sketchCounters;
    private KeyValueStore<Long, byte[]> buffer;
    private Deserializer<InteractionEvent> interactions;
    private Deserializer<RecommendationRequest> requests;

    private RecommenderEngine engine;
    /** The item-to-item model's per-user half; null while {@code hyperrec.neighbours.enabled} is false. */
    private CoOccurrenceEmitter cooccurrence;
    private final List<PendingEvent> pending = new ArrayList<>();
    /**
     * Flushed events whose co-occurrence increments are not sent yet (with {@code hyperrec.neighbours.emit.interval.ms}),
     * in order; they are still in {@code batch-buffer}, below the {@code seq} watermark.
     */
    private final List<PendingEvent> unsent = new ArrayList<>();
    /** Wall clock ({@link ProcessorContext#currentSystemTimeMs}) when the task last sent increments (or started). */
    private long lastEmitMs;
    /** Wall clock (epoch ms) at which each event of {@link #pending} was accepted, by position (its wait metric). */
    private long[] acceptedMs = new long[64];
    /**
     * Wall clock ({@link ProcessorContext#currentSystemTimeMs}, which Kafka Streams advances between its loop's steps,
     * not within a flush) when the task's last flush began.
     */
    private long lastFlushMs = Long.MIN_VALUE / 2;
    /** How long the task's last flush took, ms. */
    private long lastFlushTookMs;
    private CommitGate commitGate;
    private long nextSeq;
    /**
     * Every event of a sequence number below this is done (applied, and its co-occurrence increments sent where it has
     * any); its chunks below {@code doneSeq / BufferChunk.EVENTS} are deleted from {@code batch-buffer}.
     */
    private long doneSeq;
    /** The lowest {@code batch-buffer} chunk not deleted yet. */
    private long liveChunkFrom;
    /** The chunk the next accepted event is appended to (its events so far). */
    private final BufferChunk openChunk = new BufferChunk();
    private int persistedUsers;
    private long[] persistedCounters;

    public BatchingProcessor(HyperrecRuntime runtime) {
        this.runtime = runtime;
        this.config = runtime.config();
        this.maxBatch = config.getInt(HyperrecConfig.BATCH_MAX_EVENTS);
        this.flushIntervalMs = config.getLong(HyperrecConfig.BATCH_FLUSH_INTERVAL_MS);
        this.commitOnTimedFlush = config.getBoolean(HyperrecConfig.BATCH_COMMIT_ON_TIMED_FLUSH);
        this.commitRequestIntervalMs = Math.max(flushIntervalMs, config.getLong(HyperrecConfig.BATCH_COMMIT_REQUEST_INTERVAL_MS));
        this.emitIntervalMs = config.getLong(HyperrecConfig.NEIGHBOURS_EMIT_INTERVAL_MS);
        this.dim = config.dim();
        this.ratingMax = config.getDouble(HyperrecConfig.RATING_MAX);
        this.valueMax = config.getDouble(HyperrecConfig.VALUE_MAX);
        this.eventTimeMin = config.getLong(HyperrecConfig.EVENT_TIME_MIN_MS);
        this.eventTimeMaxFuture = config.getLong(HyperrecConfig.EVENT_TIME_MAX_FUTURE_MS);
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
        engine = new RecommenderEngine(config, runtime.backend(), runtime.catalog(), runtime.metrics());
        if (config.neighboursEnabled()) {
            cooccurrence = new CoOccurrenceEmitter(config, context.getStateStore(StoreNames.COOCCURRENCE_WINDOWS));
            engine.itemNeighbours(runtime.neighbours());
        }
        restore();
        lastEmitMs = context.currentSystemTimeMs();
        commitGate = runtime.commitGate();
        context.schedule(Duration.ofMillis(config.batchCheckMs()), PunctuationType.WALL_CLOCK_TIME, this::check);
    }

    /**
     * The timed flush: the open batch flushes once {@code hyperrec.batch.flush.interval.ms}, and at least twice as long as
     * the last flush took, has passed since the task's last flush began (so at least as long as it took since it ended).
     * So an event waits at most the interval (plus a check period) while flushes are short, an event that arrives after
     * a quiet interval goes out at the next check instead of waiting for a beat, and under a backlog, where a flush of
     * many events takes longer than the interval, batches grow until the size cap flushes them full instead of being cut
     * short by a check that fell due meanwhile. Then the commit: a timed flush owes one, and any task's check of this
     * stream thread asks for an owed commit once its {@link CommitGate} allows (a requested commit commits them all).
     * Held co-occurrence increments sent once their interval has passed owe one too.
     */
    private void check(long nowMs) {
        if (!pending.isEmpty() && nowMs - lastFlushMs >= Math.max(flushIntervalMs, 2 * lastFlushTookMs)) {
            flush(true);
            if (commitOnTimedFlush) {
                commitGate.owe();
            }
        }
        if (!unsent.isEmpty() && nowMs - lastEmitMs >= emitIntervalMs) {
            sendIncrements();
            if (commitOnTimedFlush) {
                // the model reads them read_committed: left to a long commit.interval.ms, held increments sent by an
                // idle thread waited up to that interval (9 s on the H100, where this looked like a slow model)
                commitGate.owe();
            }
        }
        if (commitOnTimedFlush && commitGate.take(nowMs, commitRequestIntervalMs)) {
            context.commit();
        }
    }

    /** Rebuilds the engine's in-memory state from the task's stores: the stores are the truth. */
    private void restore() {
        byte[] seq = sketchStore.get(KEY_SEQ);
        nextSeq = seq == null ? 0 : Codecs.longs(seq)[0];
        byte[] cms = sketchStore.get(KEY_SKETCH);
        if (cms != null) {
            SketchState meta = Codecs.sketch(cms);
            long[] counters = new long[meta.width() * meta.depth()];
            try (KeyValueIterator<Integer, byte[]> it = sketchCounters.all()) {
                while (it.hasNext()) {
                    KeyValue<Integer, byte[]> kv = it.next();
                    long[] chunk = Codecs.longs(kv.value);
                    long from = (long) kv.key * SKETCH_CHUNK_CELLS;
                    if (kv.key < 0 || from >= counters.length || chunk.length != Math.min(SKETCH_CHUNK_CELLS, counters.length - from)) {
                        throw new IllegalStateException(StoreNames.SKETCH_COUNTERS + " chunk " + kv.key + " holds " + chunk.length
                                + " cells, which does not fit a " + meta.depth() + " x " + meta.width() + " sketch in chunks of "
                                + SKETCH_CHUNK_CELLS + " (a store written before the chunked layout holds one cell per record:"
                                + " see docs/operations.md, \"sketch-counters\")");
                    }
                    System.arraycopy(chunk, 0, counters, (int) from, chunk.length);
                }
            }
            engine.sketch().restore(new SketchState(meta.width(), meta.depth(), counters, meta.total(), meta.epoch(),
                    meta.heavyKeys()));
            persistedCounters = counters.clone();
        } else {
            persistedCounters = engine.sketch().snapshot().counters();
        }
        try (KeyValueIterator<Bytes, byte[]> it = banditStore.all()) {
            banditLog = BanditLog.restore(it, engine.bandit());
        }
        restoreUsers();
        engine.users().clearDirty();
        persistedUsers = engine.users().size();
        byte[] cacheState = sketchStore.get(KEY_CACHE);
        if (cacheState != null) {
            long[] v = Codecs.longs(cacheState);
            engine.cache().restore(runtime.catalog(), Arrays.copyOfRange(v, 1, v.length), v[0]);
        }
        restoreBuffer();
        LOG.info("task {}: restored {} users, {} bandit arms, {} open events, {} events whose increments are unsent,"
                + " sequence {}", context.taskId(), engine.users().size(), engine.bandit().size(), pending.size(), unsent.size(),
                nextSeq);
    }

    /**
     * The open events from {@code batch-buffer}: those not flushed yet go back into the open batch, the flushed ones whose
     * increments are not sent yet are learned again (to be sent, not applied again). The buffer is then written again, in
     * the task's first transaction, as chunks of those live events only: so a buffer of one event a record (written before
     * chunks) is moved to chunks, and chunks' done events are dropped.
     */
    private void restoreBuffer() {
        byte[] done = sketchStore.get(KEY_DONE);
        long processed = nextSeq;
        // a store written before the done watermark holds live events only (each was deleted when done)
        doneSeq = done == null ? Long.MIN_VALUE : Codecs.longs(done)[0];
        List<Long> keys = new ArrayList<>();
        List<PendingEvent> events = new ArrayList<>();
        try (KeyValueIterator<Long, byte[]> it = buffer.all()) {
            while (it.hasNext()) {
                KeyValue<Long, byte[]> kv = it.next();
                keys.add(kv.key);
                if (BufferChunk.isChunk(kv.value)) {
                    events.addAll(BufferChunk.decode(kv.value));
                } else {
                    events.add(PendingEvent.decode(kv.value)); // one event a record, keyed by its sequence number
                }
            }
        }
        events.sort((a, b) -> Long.compare(a.seq(), b.seq()));
        long now = System.currentTimeMillis();
        List<PendingEvent> live = new ArrayList<>();
        for (PendingEvent e : events) {
            if (e.seq() < doneSeq) {
                continue;
            }
            if (e.seq() < processed) {
                // flushed (applied, its list sent): learned again if its increments are unsent, not applied again; with
                // the model turned off meanwhile, or an event that feeds no increments, it is done
                if (cooccurrence != null && cooccurrence.learn(e)) { // as at its flush: windows are as of the last send
                    unsent.add(e);
                    live.add(e);
                }
                continue;
            }
            noteAccepted(now); // events restored with the task count their wait from here
            pending.add(e);
            live.add(e);
        }
        nextSeq += pending.size();
        for (Long k : keys) {
            buffer.delete(k);
        }
        liveChunkFrom = BufferChunk.of(live.isEmpty() ? nextSeq : live.get(0).seq());
        for (PendingEvent e : live) {
            buffer(e);
        }
        markDone(unsent.isEmpty() ? (pending.isEmpty() ? nextSeq : pending.get(0).seq()) : unsent.get(0).seq());
    }

    /**
     * Puts an accepted event into {@code batch-buffer}: appends it to its chunk and writes the chunk again (into the
     * store's cache until the commit). A chunk starts empty when it is not the open one: events come in sequence order,
     * and a chunk deleted as done starts again with later events only.
     */
    private void buffer(PendingEvent e) {
        long chunk = BufferChunk.of(e.seq());
        if (openChunk.id() != chunk) {
            openChunk.start(chunk);
        }
        buffer.put(chunk, openChunk.append(e.encode()));
    }

    /**
     * Moves the done watermark to {@code seq} (every event below it is done) and deletes the chunks wholly below it; with
     * every accepted event done, the open chunk too, so that an idle task's buffer is empty.
     */
    private void markDone(long seq) {
        if (seq == doneSeq) {
            return;
        }
        doneSeq = seq;
        sketchStore.put(KEY_DONE, Codecs.longs(seq));
        long upTo = BufferChunk.of(seq);
        for (long c = liveChunkFrom; c < upTo; c++) {
            buffer.delete(c);
        }
        liveChunkFrom = Math.max(liveChunkFrom, upTo);
        if (seq == nextSeq && openChunk.id() >= liveChunkFrom) {
            buffer.delete(openChunk.id());
            openChunk.reset();
        }
    }

    /**
     * The users' rows and histories, by three sequential scans (no point lookups: at 10M users those
     * dominate a restart): the id dictionary places each user at its dense index, then the vectors and
     * the seen-sets are streamed into place through the user table's id index.
     */
    private void restoreUsers() {
        long t0 = System.nanoTime();
        // the entries as stored (key order), then placed by index: a corrupt index is refused, never allocated
        String[] names = new String[1024];
        int[] indices = new int[1024];
        int count = 0;
        try (KeyValueIterator<String, Integer> it = idDictionary.all()) {
            while (it.hasNext()) {
                KeyValue<String, Integer> kv = it.next();
                if (count == names.length) {
                    int grown = (int) Math.min(Integer.MAX_VALUE - 8L, names.length * 2L);
                    names = Arrays.copyOf(names, grown);
                    indices = Arrays.copyOf(indices, grown);
                }
                names[count] = kv.key;
                indices[count++] = kv.value;
            }
        }
        String[] ids = new String[count];
        for (int e = 0; e < count; e++) {
            int idx = indices[e];
            if (idx < 0 || idx >= count) {
                throw new IllegalStateException("id dictionary is not dense: user " + names[e] + " has index " + idx
                        + ", outside [0, " + count + ")");
            }
            if (ids[idx] != null) {
                throw new IllegalStateException("id dictionary is not dense: users " + ids[idx] + " and " + names[e]
                        + " share index " + idx);
            }
            ids[idx] = names[e];
        }
        long t1 = System.nanoTime();
        engine.restoreUsers(ids, count);
        long t2 = System.nanoTime();
        UserTable users = engine.users();
        try (KeyValueIterator<String, byte[]> it = userVectors.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                engine.restoreRow(indexOfRestored(users, kv.key, StoreNames.USER_VECTORS), kv.value);
            }
        }
        long t3 = System.nanoTime();
        int recentCap = engine.recentCapacity();
        try (KeyValueIterator<String, byte[]> it = seenSets.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                engine.restoreHistory(indexOfRestored(users, kv.key, StoreNames.SEEN_SETS), UserHistory.decode(kv.value, recentCap));
            }
        }
        engine.finishRestore();
        long t4 = System.nanoTime();
        LOG.info("task {}: {} users restored in {} ms (dictionary scan {} ms, index {} ms, rows {} ms, histories {} ms)",
                context.taskId(), count, (t4 - t0) / 1_000_000, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000,
                (t3 - t2) / 1_000_000, (t4 - t3) / 1_000_000);
    }

    private static int indexOfRestored(UserTable users, String userId, String store) {
        int idx = users.indexOf(userId);
        if (idx < 0) {
            // every write-back registers the user in the dictionary in the same transaction
            throw new IllegalStateException(store + " holds user " + userId + ", who is not in the id dictionary");
        }
        return idx;
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
        buffer(event);
        long now = System.currentTimeMillis();
        noteAccepted(now);
        pending.add(event);
        runtime.metrics().accepted(record.timestamp(), now);
        if (commitOnTimedFlush) {
            commitGate.accepted(now, record.timestamp()); // only the requested commits' pacing reads it
        }
        if (pending.size() >= maxBatch) {
            flush(false);
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
        if (Math.abs(v) > valueMax) {
            throw new Rejected(DeadLetter.VALUE_OUT_OF_RANGE, "value " + v + " outside [-" + valueMax + ", " + valueMax + "]");
        }
        checkEventTime(e.getTimestamp().toEpochMilli(), record.timestamp());
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
        checkEventTime(r.getRequestedAt().toEpochMilli(), record.timestamp());
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
        if (s.length() > MAX_ID_LENGTH) {
            throw new Rejected(DeadLetter.INVALID_FIELD, field + " has " + s.length() + " characters, at most "
                    + MAX_ID_LENGTH + " are allowed");
        }
    }

    /**
     * Event time must not precede {@code hyperrec.event.time.min.ms} nor lie more than
     * {@code hyperrec.event.time.max.future.ms} after the record's own timestamp: both bounds depend
     * on the record only, so a replay accepts and rejects exactly the same records.
     */
    private void checkEventTime(long eventTimeMs, long recordTimeMs) {
        if (eventTimeMs < eventTimeMin) {
            throw new Rejected(DeadLetter.TIMESTAMP_OUT_OF_RANGE, "event time " + eventTimeMs + " precedes "
                    + HyperrecConfig.EVENT_TIME_MIN_MS + " = " + eventTimeMin);
        }
        if (recordTimeMs >= 0 && eventTimeMs - recordTimeMs > eventTimeMaxFuture) {
            throw new Rejected(DeadLetter.TIMESTAMP_OUT_OF_RANGE, "event time " + eventTimeMs + " is more than "
                    + eventTimeMaxFuture + " ms after the record's timestamp " + recordTimeMs);
        }
    }

    private void deadLetter(Record<byte[], byte[]> record, DeadLetter reason, String detail) {
        LOG.debug("dead letter ({}): {}", reason, detail);
        runtime.metrics().deadLettered(reason);
        context.forward(DeadLetters.of(record, reason, detail, context.recordMetadata()), NodeNames.DLQ_SINK);
    }

    /**
     * Applies the open batch through the engine, forwards its lists and writes the changed state back; {@code timed}
     * when the check's interval triggered it, else the size cap.
     */
    private void flush(boolean timed) {
        if (pending.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        long c0 = runtime.nanoTime();
        lastFlushMs = context.currentSystemTimeMs();
        var metrics = runtime.metrics();
        if (metrics.enabled()) {
            long startMs = System.currentTimeMillis();
            for (int i = 0; i < pending.size(); i++) {
                metrics.batchWait(acceptedMs[i], startMs);
            }
        }
        RecommenderEngine.Applied applied = engine.apply(pending, out -> {
            context.forward(new Record<Object, Object>(out.event().userId(), out.recommendations(), out.event().recordTimeMs()),
                    NodeNames.RECOMMENDATIONS_SINK);
            metrics.recommendation(out.event().recordTimeMs(), out.recommendations().getGeneratedAt().toEpochMilli());
            for (PendingEvent c : out.covers()) {
                metrics.coalesced(c.recordTimeMs(), out.recommendations().getGeneratedAt().toEpochMilli());
            }
        });
        writeBack(applied);
        if (cooccurrence != null && emitIntervalMs > 0) {
            // learned now, so that sending the increments later is a short step
            for (PendingEvent e : pending) {
                if (cooccurrence.learn(e)) {
                    unsent.add(e); // stays in batch-buffer until its increments are sent
                }
            }
        } else if (cooccurrence != null) {
            cooccurrence.emit(pending, context);
        }
        long flushedTo = pending.get(pending.size() - 1).seq() + 1;
        metrics.batch(pending.size(), System.nanoTime() - t0, timed);
        pending.clear();
        if (unsent.isEmpty()) {
            markDone(flushedTo);
        } else if (unsent.size() >= UNSENT_BATCHES * maxBatch) {
            sendIncrements();
        } else {
            markDone(unsent.get(0).seq());
        }
        lastFlushTookMs = (runtime.nanoTime() - c0) / 1_000_000;
    }

    /**
     * Sends the summed co-occurrence increments of the flushed events not sent yet (learned at their flushes, or again at
     * a restart) and drops the events from {@code batch-buffer}: in the same transaction, so a crash before the commit
     * learns and sends them again from the buffer.
     */
    private void sendIncrements() {
        cooccurrence.send(context);
        unsent.clear();
        // the open batch's events (none after a flush; accepted since, at a check) are the only ones not done
        markDone(pending.isEmpty() ? nextSeq : pending.get(0).seq());
        lastEmitMs = context.currentSystemTimeMs();
    }

    /**
     * Writes the state the flush changed back to the stores. The per-user records and the bandit log's records
     * ({@link BanditLog}: a delta and a share of chunks, not a record an arm) go in with one {@code putAll} per store:
     * one RocksDB write batch instead of a write per record (a write per record cost about as much again as the memtable
     * insert itself on the GPU machine's drains, docs/benchmarks.md "Session 29"); the same records reach the stores and
     * their changelogs, in the same order.
     */
    private void writeBack(RecommenderEngine.Applied applied) {
        UserTable users = engine.users();
        List<KeyValue<String, byte[]>> vectors = new ArrayList<>(users.dirtyCount());
        users.forEachDirty(u -> vectors.add(KeyValue.pair(users.idAt(u), Codecs.floats(users.page(u), users.offset(u), dim))));
        putAll(userVectors, vectors);
        users.clearDirty();
        for (int u = persistedUsers; u < users.size(); u++) {
            idDictionary.put(users.idAt(u), u);
        }
        persistedUsers = users.size();
        java.util.BitSet touched = applied.touchedUsers();
        List<KeyValue<String, byte[]>> seen = new ArrayList<>(touched.cardinality());
        for (int u = touched.nextSetBit(0); u >= 0; u = touched.nextSetBit(u + 1)) {
            seen.add(KeyValue.pair(users.idAt(u), engine.history(u).encode()));
        }
        putAll(seenSets, seen);
        // the arms as a per-flush delta and their share of bucket chunks, not a record an arm (BanditLog)
        putAll(banditStore, banditLog.flush());
        engine.bandit().clearDirty();
        SketchState state = engine.sketch().snapshot();
        long[] counters = state.counters();
        for (int from = 0; from < counters.length; from += SKETCH_CHUNK_CELLS) {
            int to = Math.min(counters.length, from + SKETCH_CHUNK_CELLS);
            // only the chunks with a cell this flush changed reach RocksDB and the changelog, one record a chunk
            if (!Arrays.equals(counters, from, to, persistedCounters, from, to)) {
                long[] chunk = Arrays.copyOfRange(counters, from, to);
                sketchCounters.put(from / SKETCH_CHUNK_CELLS, Codecs.longs(chunk));
                System.arraycopy(chunk, 0, persistedCounters, from, chunk.length);
            }
        }
        sketchStore.put(KEY_SKETCH, Codecs.sketch(new SketchState(state.width(), state.depth(), new long[0],
                state.total(), state.epoch(), state.heavyKeys())));
        if (applied.cacheRebuilt()) {
            long[] hot = engine.cache().cachedHotKeys();
            long[] v = new long[hot.length + 1];
            v[0] = engine.cache().lastRebuildMs();
            System.arraycopy(hot, 0, v, 1, hot.length);
            sketchStore.put(KEY_CACHE, Codecs.longs(v));
        }
        long processed = pending.get(pending.size() - 1).seq() + 1;
        sketchStore.put(KEY_SEQ, Codecs.longs(processed));
    }

    /**
     * {@code store.putAll(records)}: one RocksDB write batch for a persistent store; a single record as a {@code put}, and
     * nothing for none (no empty write batch). Also {@link CoOccurrenceEmitter}'s.
     */
    static <K> void putAll(KeyValueStore<K, byte[]> store, List<KeyValue<K, byte[]>> records) {
        if (records.size() == 1) {
            store.put(records.get(0).key, records.get(0).value);
        } else if (!records.isEmpty()) {
            store.putAll(records);
        }
    }

    /** Notes the acceptance time of the event about to join {@link #pending} at its next position. */
    private void noteAccepted(long nowMs) {
        if (pending.size() == acceptedMs.length) {
            acceptedMs = Arrays.copyOf(acceptedMs, 2 * acceptedMs.length);
        }
        acceptedMs[pending.size()] = nowMs;
    }

    /** Users in the task's engine (restored or added since); for tools and diagnostics. */
    public int userCount() {
        return engine == null ? 0 : engine.users().size();
    }

    @Override
    public void close() {
        // Open events stay in the batch-buffer store and are applied after the task is reassigned.
        if (engine != null) {
            engine.close();
        }
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
