package dev.hyperrec.topology.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.ItemKeys;
import org.junit.jupiter.api.Test;

/**
 * A neighbour list's catalog indices are resolved once per catalog version and shared by every caller: they must be
 * what the catalog says now, for the catalog asked, after any change to it.
 */
class NeighbourTableTest {

    private static long key(String id) {
        return ItemKeys.hash64(id);
    }

    private static int[] indices(NeighbourTable t, String item, int max, ItemCatalog catalog) {
        int[] out = new int[max];
        int m = catalog.read(r -> t.neighbourIndices(key(item), max, catalog, r, out));
        return java.util.Arrays.copyOf(out, m);
    }

    @Test
    void indicesFollowTheCatalogAskedAndItsChanges() {
        NeighbourTable t = new NeighbourTable();
        t.put(key("a"), new NeighbourTable.Entry(5, new long[] {key("b"), key("x"), key("c")}, new float[] {0.9f, 0.5f, 0.1f}));
        ItemCatalog one = new ItemCatalog(2, 4);
        one.upsert("a", new float[] {1, 0});
        one.upsert("b", new float[] {0, 1});
        one.upsert("c", new float[] {1, 1});
        ItemCatalog two = new ItemCatalog(2, 4);
        two.upsert("c", new float[] {1, 1});
        two.upsert("b", new float[] {0, 1});

        assertThat(indices(t, "a", 20, one)).containsExactly(1, -1, 2);
        assertThat(indices(t, "a", 2, one)).containsExactly(1, -1);
        // another catalog at the same version number gets its own indices, not the first one's
        assertThat(two.version()).isEqualTo(one.version() - 1);
        two.upsert("z", new float[] {0, 0});
        assertThat(two.version()).isEqualTo(one.version());
        assertThat(indices(t, "a", 20, two)).containsExactly(1, -1, 0);
        assertThat(indices(t, "a", 20, one)).containsExactly(1, -1, 2);
        // an item added to the catalog later is found once the version moves on
        one.upsert("x", new float[] {2, 2});
        assertThat(indices(t, "a", 20, one)).containsExactly(1, 3, 2);
        // a list replaced whole is resolved anew
        t.put(key("a"), new NeighbourTable.Entry(6, new long[] {key("c")}, new float[] {0.4f}));
        assertThat(indices(t, "a", 20, one)).containsExactly(2);
        assertThat(indices(t, "nobody", 20, one)).isEmpty();
    }

    @Test
    void theDefaultResolvesWhatNeighboursLists() {
        NeighbourTable t = new NeighbourTable();
        t.put(key("a"), new NeighbourTable.Entry(5, new long[] {key("b"), key("x"), key("c")}, new float[] {0.9f, 0.5f, 0.1f}));
        ItemNeighbours plain = new ItemNeighbours() {
            @Override
            public int neighbours(long itemKey, int max, long[] keys, float[] similarity) {
                return t.neighbours(itemKey, max, keys, similarity);
            }

            @Override
            public float similarity(long a, long b) {
                return t.similarity(a, b);
            }
        };
        ItemCatalog catalog = new ItemCatalog(2, 4);
        catalog.upsert("c", new float[] {1, 1});
        catalog.upsert("b", new float[] {0, 1});
        int[] out = new int[3];
        int m = catalog.read(r -> plain.neighbourIndices(key("a"), 3, catalog, r, out));
        assertThat(java.util.Arrays.copyOf(out, m)).containsExactly(1, -1, 0).containsExactly(indices(t, "a", 3, catalog));
    }
}
