package dev.hyperrec.topology.internal;

import dev.hyperrec.topology.HyperrecConfig;
import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the native memory of every RocksDB store of this JVM together (Kafka Streams' memory
 * management recipe): one LRU block cache of {@code hyperrec.rocksdb.memory.mb} shared by all stores,
 * which also holds index and filter blocks and is charged for the memtables through a shared
 * {@link WriteBufferManager} ({@code hyperrec.rocksdb.memtable.share} of it). Without this, each of the
 * task's stores gets its own 16 MB memtables and 50 MB cache, and the process RSS grows with the
 * number of stores and tasks instead of staying flat.
 */
public final class BoundedMemoryRocksDBConfig implements RocksDBConfigSetter {
    private static Cache cache;
    private static WriteBufferManager writeBuffers;

    private static synchronized void init(Map<String, Object> configs) {
        if (cache != null) {
            return;
        }
        long total = parse(configs.get(HyperrecConfig.ROCKSDB_MEMORY_MB), 256) * 1024L * 1024L;
        double memtableShare = Double.parseDouble(String.valueOf(
                configs.getOrDefault(HyperrecConfig.ROCKSDB_MEMTABLE_SHARE, "0.5")));
        cache = new LRUCache(total, -1, false, 0.1);
        writeBuffers = new WriteBufferManager((long) (total * memtableShare), cache);
    }

    private static long parse(Object v, long dflt) {
        return v == null ? dflt : Long.parseLong(String.valueOf(v).trim());
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        init(configs);
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(writeBuffers);
        options.setMaxWriteBufferNumber(2);
        options.setWriteBufferSize(8L * 1024 * 1024);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and the write-buffer manager are shared by every store of the JVM: never closed here
    }
}
