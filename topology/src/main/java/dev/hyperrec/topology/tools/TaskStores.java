package dev.hyperrec.topology.tools;

import dev.hyperrec.topology.HyperrecConfig;
import dev.hyperrec.topology.HyperrecTopology;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * One task's {@code BatchingProcessor} stores opened outside Kafka Streams, in a
 * {@link MockProcessorContext}: the topology's own store builders (persistent RocksDB with the app's
 * RocksDB settings) with the changelog off, under {@code dir/task-1_<task>}. Reopening the same
 * directory is what a restarted instance whose state directory survived does; the processor's
 * {@code init} then rebuilds its engine from them. For {@link RestoreBench} and restore tests.
 */
public final class TaskStores implements AutoCloseable {
    private final MockProcessorContext<Object, Object> context;
    private final List<StateStore> stores = new ArrayList<>();

    private TaskStores(HyperrecConfig config, Path dir, int task) {
        Properties p = config.streamsProperties();
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        context = new MockProcessorContext<>(p, new TaskId(1, task), dir.resolve("task-1_" + task).toFile());
        // the batching processor reads the wall clock from its context (its batch's wait bound)
        context.setCurrentSystemTimeMs(System.currentTimeMillis());
        try {
            for (StoreBuilder<? extends StateStore> b : HyperrecTopology.batchingStores(config)) {
                // no record cache outside Kafka Streams (it needs a stream thread's); writes go straight to the store
                StateStore store = b.withLoggingDisabled().withCachingDisabled().build();
                store.init(context.getStateStoreContext(), store);
                stores.add(store);
                context.addStateStore(store);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Opens (creating when absent) task {@code task}'s stores under {@code dir}. */
    public static TaskStores open(HyperrecConfig config, Path dir, int task) {
        return new TaskStores(config, dir, task);
    }

    /** The context to {@code init} a processor with; it also captures what the processor forwards. */
    public MockProcessorContext<Object, Object> context() {
        return context;
    }

    /** Flushes and closes every store (RocksDB's files stay for the next {@link #open}). */
    @Override
    public void close() {
        RuntimeException first = null;
        for (StateStore s : stores) {
            try {
                s.flush();
                s.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        stores.clear();
        if (first != null) {
            throw first;
        }
    }
}
