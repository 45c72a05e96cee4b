package dev.hyperrec.topology.internal;

import dev.hyperrec.topology.DeadLetter;
import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecRuntime;
import dev.hyperrec.topology.NodeNames;
import dev.hyperrec.topology.StoreNames;
import dev.hyperrec.topology.Topics;
import dev.hyperrec.topology.engine.CoOccurrenceCosine;
import dev.hyperrec.topology.engine.NeighbourTable;
import dev.hyperrec.topology.metrics.PipelineMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Bytes;
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
 * per {@code item-cooccurrence} partition: adds the increments {@link CoOccurrenceEmitter} sent to the counts
 * ({@link CoOccurrenceCounts}: checkpointed chunks of each item's row in the changelogged {@code cooccurrence-counts}
 * store, the increments since in memory), marks the item as changed, and every
 * {@code hyperrec.neighbours.publish.interval.ms} (wall clock) publishes changed items' top
 * {@code hyperrec.neighbours.max} neighbours to the compacted {@code item-neighbours} topic, round-robin
 * within a time budget of the interval (so a backlog of changed items takes several intervals).
 *
 * <p><b>Checkpoints and recovery.</b> The counts are written to the store at checkpoints: when the partition has been
 * idle for a tick (one second at most), every {@code hyperrec.neighbours.checkpoint.interval.ms} while records arrive,
 * and whenever {@code hyperrec.neighbours.checkpoint.max.pairs} pairs are pending. The {@code cooccurrence-progress}
 * store (changelogged, behind Kafka Streams' record cache so that it costs one record per commit) holds the offset of
 * the last record read ({@value #READ}) and the first offset the checkpoint does not cover ({@value #CHECKPOINTED});
 * both are committed in the same transaction as the input offsets (exactly-once). When a task starts with
 * {@code read >= checkpointed} (a crash, a rebalance or a clean shutdown since the last checkpoint), it reads
 * {@code item-cooccurrence} again over {@code [checkpointed, read]} ({@link IncrementLog}) and adds those records to
 * the pending counts before it processes anything: the counts are then exactly those of every record up to
 * {@code read}, and processing resumes at {@code read + 1}.
 *
 * <p>The cosine needs each neighbour's occurrence count: taken from this task's counts when the
 * neighbour's key belongs to this partition, else from the published lists ({@link NeighbourTable},
 * fed by the global store). A neighbour whose count has not been published yet is left out and the
 * item stays marked, so its list is computed again at a later interval, up to
 * {@link #MAX_PUBLICATIONS} times (then it waits for the item's next change). Which partition a neighbour's key
 * belongs to is computed, not looked up ({@link NeighbourCodecs#partition}, Kafka's default partitioner over
 * {@code hyperrec.topics.partitions}): the store is read only for this partition's keys, since it holds no other.
 * Before, a list's neighbours of other partitions were a store read each the first time this task met them (a
 * RocksDB lookup of an absent key: 14% of the model's threads in a drain on the H100 at 62,423 items). Every item this
 * task counts or publishes is checked against that computation; the first that does not match (the topic has another
 * partition count than the setting, or a custom partitioner wrote it) turns the shortcut off for the task's life,
 * with a warning, and every neighbour is looked up in the store again.
 *
 * <p>Records that do not decode go to {@code interactions-dlq} with the reason
 * {@link DeadLetter#MALFORMED_COOCCURRENCE} (and are skipped when read again). Thread affinity: the task's stream
 * thread.
 */
public final class NeighbourAggregator implements Processor<byte[], byte[], Object, Object> {
    private static final Logger LOG = LoggerFactory.getLogger(NeighbourAggregator.class);

    private final HyperrecRuntime runtime;
    private final int max;
    private final long intervalMs;
    /** Share of the publish interval one punctuation may spend publishing lists ({@code hyperrec.neighbours.publish.budget}). */
    private final double budget;
    private final Supplier<IncrementLog> log;
    private final long checkpointIntervalMs;
    private final long checkpointMaxPairs;
    private ProcessorContext<Object, Object> context;
    private CoOccurrenceCounts counts;
    private KeyValueStore<Bytes, Long> changed;
    private KeyValueStore<String, Long> progress;
    /** Progress keys: the last offset read, and the first offset the stored counts do not include. */
    public static final String READ = "read";
    public static final String CHECKPOINTED = "checkpointed";
    /** The longest wait between checks for an idle partition's checkpoint. */
    public static final long TICK_MS = 1_000;
    private long lastRead = -1;
    private long checkpointed;
    private long lastCheckpointNanos;
    private boolean readSinceTick;
    /** How often an item's list is published while a neighbour's occurrence count is still unknown. */
    static final long MAX_PUBLICATIONS = 3;

    /** The last item published, where the next punctuation continues (round-robin over the changed items). */
    private Bytes cursor;
    private long[] keys = new long[64];
    private float[] similarity = new float[64];
    /** {@code hyperrec.topics.partitions}: the partition count {@code item-cooccurrence} is taken to have. */
    private final int partitions;
    /** This task's partition of {@code item-cooccurrence}, and the topic's name. */
    private int partition;
    private String topic;
    /** Whether every item seen so far is one {@link NeighbourCodecs#partition} sends to this partition. */
    private boolean partitionedByKey = true;

    public NeighbourAggregator(HyperrecRuntime runtime) {
        this(runtime, () -> IncrementLog.kafka(runtime.config().consumerConfig(), REPLAY_TIMEOUT));
    }

    /** An aggregator that reads the increments since the last checkpoint again from {@code log} (tests). */
    NeighbourAggregator(HyperrecRuntime runtime, Supplier<IncrementLog> log) {
        this.runtime = runtime;
        this.log = log;
        this.max = runtime.config().getInt(HyperrecConfig.NEIGHBOURS_MAX);
        this.intervalMs = runtime.config().getLong(HyperrecConfig.NEIGHBOURS_PUBLISH_INTERVAL_MS);
        this.budget = runtime.config().getDouble(HyperrecConfig.NEIGHBOURS_PUBLISH_BUDGET);
        this.checkpointIntervalMs = runtime.config().getLong(HyperrecConfig.NEIGHBOURS_CHECKPOINT_INTERVAL_MS);
        this.checkpointMaxPairs = runtime.config().getLong(HyperrecConfig.NEIGHBOURS_CHECKPOINT_MAX_PAIRS);
        this.partitions = runtime.config().getInt(HyperrecConfig.TOPICS_PARTITIONS);
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        counts = new CoOccurrenceCounts(context.getStateStore(StoreNames.COOCCURRENCE_COUNTS));
        changed = context.getStateStore(StoreNames.NEIGHBOURS_CHANGED);
        progress = context.getStateStore(StoreNames.COOCCURRENCE_PROGRESS);
        topic = runtime.config().topic(Topics.ITEM_COOCCURRENCE);
        partition = context.taskId().partition();
        lastRead = recover(counts, progress, topic, partition, log, runtime.metrics(), this::check);
        Long cp = progress.get(CHECKPOINTED);
        checkpointed = cp == null ? 0 : cp;
        lastCheckpointNanos = System.nanoTime();
        context.schedule(Duration.ofMillis(intervalMs), PunctuationType.WALL_CLOCK_TIME, ts -> publish(ts));
        context.schedule(Duration.ofMillis(Math.min(TICK_MS, checkpointIntervalMs)), PunctuationType.WALL_CLOCK_TIME,
                ts -> tick());
    }

    /** How long the read-back of the increments since the last checkpoint may take. */
    static final Duration REPLAY_TIMEOUT = Duration.ofMinutes(2);

    /**
     * Adds the records of {@code [checkpointed, read]} (the progress store's offsets) to {@code counts} from
     * {@code log}, skipping those that do not decode (they were dead-lettered when first read).
     *
     * @return the last offset read ({@code read}, or -1 when the partition was never read)
     */
    static long recover(CoOccurrenceCounts counts, KeyValueStore<String, Long> progress, String topic, int partition,
            Supplier<IncrementLog> log, PipelineMetrics metrics, LongConsumer counted) {
        Long read = progress.get(READ);
        if (read == null) {
            return -1;
        }
        Long cp = progress.get(CHECKPOINTED);
        long from = cp == null ? 0 : cp;
        if (read >= from) {
            long t0 = System.nanoTime();
            long[] n = {0, 0};
            long first = log.get().read(topic, partition, from, read, (offset, key, value) -> {
                n[0]++;
                try {
                    NeighbourCodecs.Increment inc = NeighbourCodecs.increment(value);
                    long item = NeighbourCodecs.key(key);
                    counted.accept(item);
                    counts.add(item, inc.occurrences(), inc.others(), inc.counts());
                } catch (IllegalArgumentException e) {
                    n[1]++;
                }
            });
            metrics.neighbourReadBack(n[0]);
            LOG.info("{}-{}: read offsets {}..{} again since the last checkpoint: {} records ({} skipped as malformed),"
                    + " {} pairs pending, in {} ms", topic, partition, first, read, n[0], n[1], counts.pendingPairs(),
                    (System.nanoTime() - t0) / 1_000_000);
        }
        return read;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        long offset = context.recordMetadata().map(m -> m.offset()).orElse(-1L);
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
            read(offset);
            return;
        }
        check(item);
        counts.add(item, inc.occurrences(), inc.others(), inc.counts());
        Bytes own = Bytes.wrap(NeighbourCodecs.key(item));
        // a changelogged write only when the mark changes: most increments are for an item that is already marked
        Long mark = changed.get(own);
        if (mark == null || mark != 1L) {
            changed.put(own, 1L);
        }
        read(offset);
        if (counts.pendingPairs() >= checkpointMaxPairs) {
            checkpoint();
        }
    }

    /**
     * Turns the partition shortcut off, for good, when {@code item} (counted or published here) is not one the default
     * partitioner sends to this partition over {@code hyperrec.topics.partitions}.
     */
    private void check(long item) {
        if (partitionedByKey && NeighbourCodecs.partition(item, partitions) != partition) {
            partitionedByKey = false;
            LOG.warn("{}-{}: item {} is here but Kafka's default partitioner over hyperrec.topics.partitions={} sends it"
                    + " to partition {}: the topic has another partition count, or another partitioner wrote it. Every"
                    + " neighbour's occurrence count is now looked up in this task's store (slower, the same lists)",
                    topic, partition, Long.toHexString(item), partitions,
                    NeighbourCodecs.partition(item, partitions));
        }
    }

    /** Whether neighbours of other partitions are still taken without a store read (tests). */
    boolean partitionedByKey() {
        return partitionedByKey;
    }

    /** Whether this task's store may hold {@code key}'s counts: false only for keys of other partitions. */
    boolean mayHold(long key) {
        return !partitionedByKey || NeighbourCodecs.partition(key, partitions) == partition;
    }

    /** Records that {@code offset} was read (the progress store is cached: one changelog record per commit). */
    private void read(long offset) {
        readSinceTick = true;
        if (offset >= 0) {
            lastRead = offset;
            progress.put(READ, offset);
        }
    }

    /** Checkpoints when the partition was idle since the last tick, or when the last checkpoint is an interval old. */
    void tick() {
        boolean due = counts.pending() || checkpointed <= lastRead;
        if (due && (!readSinceTick || System.nanoTime() - lastCheckpointNanos >= checkpointIntervalMs * 1_000_000L)) {
            checkpoint();
        }
        readSinceTick = false;
    }

    /** Writes the pending counts to the store and moves the checkpoint offset past the last record read. */
    void checkpoint() {
        long t0 = System.nanoTime();
        int written = counts.checkpoint();
        if (lastRead >= 0) {
            checkpointed = lastRead + 1;
            progress.put(CHECKPOINTED, checkpointed);
        }
        lastCheckpointNanos = System.nanoTime();
        runtime.metrics().neighbourCheckpoint(written, counts.lastPairsChanged(), counts.lastPairsWritten(),
                lastCheckpointNanos - t0);
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
            long item = NeighbourCodecs.key(key.get());
            check(item);
            boolean complete = publish(item, timestamp);
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
        long occurrences = Math.max(0, counts.occurrencesOrMissing(item));
        CoOccurrenceCounts.Row row = counts.row(item);
        int n = row.size();
        if (n > keys.length) {
            keys = new long[Math.max(n, 2 * keys.length)];
            similarity = new float[keys.length];
        }
        NeighbourTable published = runtime.neighbours();
        boolean complete = true;
        int m = 0;
        for (int j = 0; j < n; j++) {
            long key = row.key(j);
            long local = mayHold(key) ? counts.occurrencesOrMissing(key) : -1;
            long other = local >= 0 ? local : published.occurrences(key);
            if (other <= 0) {
                complete = false;
                continue;
            }
            keys[m] = key;
            similarity[m++] = CoOccurrenceCosine.cosine(row.count(j), occurrences, other);
        }
        int top = CoOccurrenceCosine.top(keys, similarity, m, max);
        context.forward(new Record<Object, Object>(NeighbourCodecs.key(item),
                NeighbourCodecs.list(occurrences, keys, similarity, top), timestamp), NodeNames.NEIGHBOURS_SINK);
        return complete;
    }
}
