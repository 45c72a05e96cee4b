package dev.hyperrec.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The catalog's lock-free reader answers as the locked accessors do, and {@link ItemCatalog#read} holds the read lock. */
class ItemCatalogTest {

    private static ItemCatalog catalog() {
        ItemCatalog c = new ItemCatalog(2, 2); // grows past its first capacity
        c.upsert("a", new float[] {1f, 0f});
        c.upsert("b", new float[] {0f, 1f});
        c.upsert("c", new float[] {0.6f, 0.8f});
        c.remove("b");
        return c;
    }

    @Test
    void theReaderAnswersAsTheLockedAccessors() {
        ItemCatalog c = catalog();
        c.read(r -> {
            assertThat(r.size()).isEqualTo(c.size()).isEqualTo(3);
            for (String id : new String[] {"a", "b", "c", "x"}) {
                assertThat(r.indexOfKey(ItemKeys.hash64(id))).isEqualTo(c.indexOfKey(ItemKeys.hash64(id)));
            }
            assertThat(r.indexOfKey(ItemKeys.hash64("b"))).isEqualTo(-1); // removed
            for (int i = -1; i <= 3; i++) {
                assertThat(r.isActive(i)).isEqualTo(c.isActive(i));
            }
            for (int i = 0; i < 3; i++) {
                assertThat(r.idAt(i)).isEqualTo(c.idAt(i));
                assertThat(r.keyAt(i)).isEqualTo(c.keyAt(i));
                float[] x = new float[3];
                float[] y = new float[3];
                r.copyEmbedding(i, x, 1);
                c.copyEmbedding(i, y, 1);
                assertThat(x).containsExactly(y);
            }
            assertThatThrownBy(() -> r.idAt(3)).isInstanceOf(OperatorException.class);
            return null;
        });
    }

    @Test
    void aKeysSlotIsItsIndexForLifeActiveOrNot() {
        ItemCatalog c = catalog();
        c.read(r -> {
            assertThat(r.slotOfKey(ItemKeys.hash64("a"))).isEqualTo(0);
            assertThat(r.slotOfKey(ItemKeys.hash64("b"))).isEqualTo(1); // removed: the slot stays, indexOfKey says -1
            assertThat(r.indexOfKey(ItemKeys.hash64("b"))).isEqualTo(-1);
            assertThat(r.slotOfKey(ItemKeys.hash64("c"))).isEqualTo(2);
            assertThat(r.slotOfKey(ItemKeys.hash64("x"))).isEqualTo(-1); // never added
            return null;
        });
        c.upsert("b", new float[] {0f, 2f}); // re-added: the same slot, active again
        c.upsert("x", new float[] {1f, 1f}); // added: the next slot, and the catalog's size changes with it
        c.read(r -> {
            assertThat(r.slotOfKey(ItemKeys.hash64("b"))).isEqualTo(1).isEqualTo(r.indexOfKey(ItemKeys.hash64("b")));
            assertThat(r.slotOfKey(ItemKeys.hash64("x"))).isEqualTo(3).isEqualTo(r.size() - 1);
            return null;
        });
    }

    @Test
    void aWriterWaitsUntilTheReadBodyReturns() throws Exception {
        ItemCatalog c = catalog();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            ExecutorService reader = Executors.newSingleThreadExecutor();
            try {
                Future<Integer> read = reader.submit(() -> c.read(r -> {
                    inside.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return r.size();
                }));
                assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();
                Future<Integer> write = writer.submit(() -> c.upsert("d", new float[] {1f, 1f}));
                assertThatThrownBy(() -> write.get(200, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
                release.countDown();
                assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(3); // the body saw the catalog before the write
                assertThat(write.get(5, TimeUnit.SECONDS)).isEqualTo(3);
                assertThat(c.size()).isEqualTo(4);
            } finally {
                reader.shutdownNow();
            }
        } finally {
            writer.shutdownNow();
        }
    }
}
