package dev.hyperrec.topology.internal;

import dev.hyperrec.topology.DeadLetter;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.NodeNames;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.engine.CoOccurrenceCosine;
import dev.hyperrec.topology.engine.NeighbourTable;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The item-keyed half of the streaming item-to-item model ({@link CoOccurrenceCosine}), one instance
 * per {@code item-cooccurrence} partition: adds the increments {@link CoOccurrenceEmitter} sent into
 * the changelogged {@code cooccurrence-counts} store (8-byte item key → occurrence count; 16-byte
 * item pair key → co-occurrence count), marks the item as changed, and every
 * {@code hyperrec.neighbours.publish.interval.ms} (wall clock) publishes changed items' top
 * {@code hyperrec.neighbours.max} neighbours to the compacted {@code item-neighbours} topic, round-robin
 * within a time budget of the interval (so a backlog of changed items takes several intervals).
 *
 * <p>The cosine needs each neighbour's occurrence count: taken from this task's store when the
 * neighbour's key belongs to this partition, else from the published lists ({@link NeighbourTable},
 * fed by the global store). A neighbour whose count has not been published yet is left out and the
 * item stays marked, so its list is computed again at a later interval, up to
 * {@link #MAX_PUBLICATIONS} times (then it waits for the item's next change).
 *
 * <p>Records that do not decode go to {@code interactions-dlq} with the reason
 * {@link DeadLetter#MALFORMED_COOCCURRENCE}. Thread affinity: the task's stream thread.
 */
public final class NeighbourAggregator implements Processor<byte[], byte[], Object, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(NeighbourAggregator.class);
    private static final byte[] LOWEST = new byte[8];
    private static final byte[] HIGHEST = {-1, -1, -1, -1, -1, -1, -1, -1};

    private final HyperrecRuntime runtime;
    private final int max;
    private final long intervalMs;
    /** Share of the publish interval one punctuation may spend publishing lists ({@code hyperrec.neighbours.publish.budget}). */
    private final double budget;
    private ProcessorContext<Object, Object> context;
    private KeyValueStore<Bytes, Long> counts;
    private KeyValueStore<Bytes, Long> changed;
    /** How often an item's list is published while a neighbour's occurrence count is still unknown. */
    static final long MAX_PUBLICATIONS = 3;

    /** The last item published, where the next punctuation continues (round-robin over the changed items). */
    private Bytes cursor;
    /** The counts one record changes, in the order it first touches them. */
    private final LinkedHashMap<Bytes, Long> updated = new LinkedHashMap<>();
    private long[] keys = new long[64];
    private long[] together = new long[64];
    private float[] similarity = new float[64];

    public NeighbourAggregator(HyperrecRuntime runtime) {
        this.runtime = runtime;
        this.max = runtime.config().getInt(HyperrecConfig.NEIGHBOURS_MAX);
        this.intervalMs = runtime.config().getLong(HyperrecConfig.NEIGHBOURS_PUBLISH_INTERVAL_MS);
        this.budget = runtime.config().getDouble(HyperrecConfig.NEIGHBOURS_PUBLISH_BUDGET);
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        counts = context.getStateStore(StoreNames.COOCCURRENCE_COUNTS);
        changed = context.getStateStore(StoreNames.NEIGHBOURS_CHANGED);
        context.schedule(Duration.ofMillis(intervalMs), PunctuationType.WALL_CLOCK_TIME, ts -> publish(ts));
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        long item;
        NeighbourCodecs.Increment inc;
        try {
            item = NeighbourCodecs.key(record.key());
            inc = NeighbourCodecs.increment(record.value());
        } catch (IllegalArgumentException e) {
            LOG.debug("dead letter ({}): {}", DeadLetter.MALFORMED_COOCCURRENCE, e.getMessage());
            runtime.metrics().deadLettered(DeadLetter.MALFORMED_COOCCURRENCE);
            context.forward(DeadLetters.of(record, DeadLetter.MALFORMED_COOCCURRENCE, e.getMessage(), context.recordMetadata()),
                    NodeNames.COOCCURRENCE_DLQ_SINK);
            return;
        }
        Bytes own = Bytes.wrap(NeighbourCodecs.key(item));
        // the record's new counts are read first and written in one putAll: one RocksDB write batch for the record
        // instead of a native call per pair (the changelog still gets one record per pair)
        updated.clear();
        if (inc.occurrences() > 0) {
            add(own, inc.occurrences());
        }
        for (int i = 0; i < inc.others().length; i++) {
            add(pair(item, inc.others()[i]), inc.counts()[i]);
        }
        if (!updated.isEmpty()) {
            List<KeyValue<Bytes, Long>> writes = new ArrayList<>(updated.size());
            updated.forEach((k, v) -> writes.add(KeyValue.pair(k, v)));
            counts.putAll(writes);
        }
        // a changelogged write only when the mark changes: most increments are for an item that is already marked
        Long mark = changed.get(own);
        if (mark == null || mark != 1L) {
            changed.put(own, 1L);
        }
    }

    /** Adds {@code delta} to {@code key}'s count in {@link #updated} (a key twice in one record adds up there). */
    private void add(Bytes key, long delta) {
        Long old = updated.get(key);
        if (old == null) {
            old = counts.get(key);
        }
        updated.put(key, (old == null ? 0L : old) + delta);
    }

    /**
     * Publishes the lists of the items changed since they were last published, round-robin from where
     * the previous punctuation stopped, for at most {@code hyperrec.neighbours.publish.budget} of the interval
     * (at least one list): a punctuation runs on the task's stream thread, and publishing every changed item at once
     * (a range scan and a lookup per neighbour each) kept the thread from processing for minutes once
     * thousands of items had changed. Items not reached stay marked for the next interval.
     */
    void publish(long timestamp) {
        List<Bytes> due = new ArrayList<>();
        List<Long> marks = new ArrayList<>();
        try (KeyValueIterator<Bytes, Long> it = changed.all()) {
            it.forEachRemaining(kv -> {
                due.add(kv.key);
                marks.add(kv.value);
            });
        }
        if (due.isEmpty()) {
            return;
        }
        int start = 0;
        if (cursor != null) {
            while (start < due.size() && due.get(start).compareTo(cursor) <= 0) {
                start++;
            }
        }
        long deadline = System.nanoTime() + (long) (intervalMs * 1_000_000L * budget);
        int published = 0;
        for (int i = 0; i < due.size() && (published == 0 || System.nanoTime() < deadline); i++) {
            int at = (start + i) % due.size();
            Bytes key = due.get(at);
            boolean complete = publish(NeighbourCodecs.key(key.get()), timestamp);
            published++;
            cursor = key;
            // the mark counts publications; a list with neighbours whose count is not known yet is
            // published again, at most MAX_PUBLICATIONS times, or when the item changes again
            long mark = marks.get(at);
            if (complete || mark >= MAX_PUBLICATIONS) {
                changed.delete(key);
            } else {
                changed.put(key, mark + 1);
            }
        }
        runtime.metrics().neighbourListsPublished(published);
    }

    /** Computes and forwards {@code item}'s list; false when a neighbour's occurrence count is not known yet. */
    private boolean publish(long item, long timestamp) {
        Long own = counts.get(Bytes.wrap(NeighbourCodecs.key(item)));
        long occurrences = own == null ? 0 : own;
        int n = 0;
        try (KeyValueIterator<Bytes, Long> it = counts.range(pair(item, LOWEST), pair(item, HIGHEST))) {
            while (it.hasNext()) {
                KeyValue<Bytes, Long> kv = it.next();
                if (n == keys.length) {
                    keys = Arrays.copyOf(keys, 2 * n);
                    together = Arrays.copyOf(together, 2 * n);
                    similarity = Arrays.copyOf(similarity, 2 * n);
                }
                keys[n] = ByteBuffer.wrap(kv.key.get(), 8, 8).getLong();
                together[n++] = kv.value;
            }
        }
        NeighbourTable published = runtime.neighbours();
        boolean complete = true;
        int m = 0;
        for (int j = 0; j < n; j++) {
            Long local = counts.get(Bytes.wrap(NeighbourCodecs.key(keys[j])));
            long other = local != null ? local : published.occurrences(keys[j]);
            if (other <= 0) {
                complete = false;
                continue;
            }
            keys[m] = keys[j];
            similarity[m++] = CoOccurrenceCosine.cosine(together[j], occurrences, other);
        }
        int top = CoOccurrenceCosine.top(keys, similarity, m, max);
        NeighbourTable.Entry entry = new NeighbourTable.Entry(occurrences, Arrays.copyOf(keys, top),
                Arrays.copyOf(similarity, top));
        context.forward(new Record<Object, Object>(NeighbourCodecs.key(item), NeighbourCodecs.list(entry), timestamp),
                NodeNames.NEIGHBOURS_SINK);
        return complete;
    }

    private static Bytes pair(long item, long other) {
        return Bytes.wrap(ByteBuffer.allocate(16).putLong(item).putLong(other).array());
    }

    private static Bytes pair(long item, byte[] other) {
        return Bytes.wrap(ByteBuffer.allocate(16).putLong(item).put(other).array());
    }
}
