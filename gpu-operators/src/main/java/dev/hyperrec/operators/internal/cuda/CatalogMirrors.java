package dev.hyperrec.operators.internal.cuda;

import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The backend's device copies of item catalogs, one {@link CatalogMirror} per calling thread (and bf16 flag), shared
 * by every operator that thread runs. A Kafka Streams thread runs several tasks, each with its own scorer and updater;
 * with a mirror per operator the device held a copy of the catalog per task and operator (at 1M items x 384 dims,
 * 1.5 GB each). Operators of one thread never run at the same time, so sharing needs no locking beyond this registry's.
 * A mirror is freed when the last operator that used it closes.
 *
 * <p>Thread-safe (registry only; each mirror is used by its own thread).
 */
final class CatalogMirrors {
    private record Key(Thread thread, boolean bf16) {
    }

    private static final class Entry {
        final CatalogMirror mirror;
        final Set<CudaOperator> users = Collections.newSetFromMap(new IdentityHashMap<>());

        Entry(CatalogMirror mirror) {
            this.mirror = mirror;
        }
    }

    private final CudaBackend backend;
    private final Map<Key, Entry> byKey = new HashMap<>();

    CatalogMirrors(CudaBackend backend) {
        this.backend = backend;
    }

    /**
     * The calling thread's mirror for {@code op} (with a bf16 copy when {@code bf16}); {@code op} holds it until it
     * closes. Context bound by the caller.
     */
    synchronized CatalogMirror acquire(CudaOperator op, boolean bf16) {
        Key key = new Key(Thread.currentThread(), bf16);
        Entry e = byKey.computeIfAbsent(key, k -> new Entry(new CatalogMirror(backend, bf16)));
        if (e.users.add(op)) {
            op.own(() -> release(key, op));
        }
        return e.mirror;
    }

    private void release(Key key, CudaOperator op) {
        CatalogMirror toClose = null;
        synchronized (this) {
            Entry e = byKey.get(key);
            if (e != null && e.users.remove(op) && e.users.isEmpty()) {
                byKey.remove(key);
                toClose = e.mirror;
            }
        }
        if (toClose != null) {
            toClose.close();
        }
    }

    /** Mirrors held now (for tests and metrics). */
    synchronized int size() {
        return byKey.size();
    }
}
