package dev.hyperrec.topology.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.ItemKeys;
import org.junit.jupiter.api.Test;

/** A published list's catalog slots: resolved once, kept while they hold, resolved again when they may not. */
class NeighbourTableTest {

    private static long key(String id) {
        return ItemKeys.hash64(id);
    }

    private static ItemCatalog catalog(String... ids) {
        ItemCatalog c = new ItemCatalog(2, 4);
        for (String id : ids) {
            c.upsert(id, new float[] {1f, 0f});
        }
        return c;
    }

    @Test
    void slotsAreTheKeysCatalogSlotsInListOrderAndFollowTheCatalog() {
        ItemCatalog catalog = catalog("a", "b", "c");
        NeighbourTable.Entry e = new NeighbourTable.Entry(5, new long[] {key("c"), key("x"), key("a")}, new float[] {0.9f, 0.5f, 0.1f});
        int[] first = catalog.read(e::catalogSlots);
        assertThat(first).containsExactly(2, -1, 0);
        // nothing added: the same slots, not resolved again
        assertThat(catalog.read(e::catalogSlots)).isSameAs(first);
        // a removal keeps every slot (the ranking tests activity itself)
        catalog.remove("a");
        assertThat(catalog.read(e::catalogSlots)).isSameAs(first);
        // an item added: the missing key may be it, so the list is resolved again
        catalog.upsert("y", new float[] {0f, 1f});
        int[] second = catalog.read(e::catalogSlots);
        assertThat(second).containsExactly(2, -1, 0).isNotSameAs(first);
        catalog.upsert("x", new float[] {0f, 1f});
        int[] third = catalog.read(e::catalogSlots);
        assertThat(third).containsExactly(2, 4, 0);
        // complete now: further additions keep it
        catalog.upsert("z", new float[] {0f, 1f});
        assertThat(catalog.read(e::catalogSlots)).isSameAs(third);
    }

    @Test
    void anotherCatalogResolvesItsOwnSlots() {
        ItemCatalog one = catalog("a", "b");
        ItemCatalog other = catalog("b", "a");
        NeighbourTable.Entry e = new NeighbourTable.Entry(1, new long[] {key("a"), key("b")}, new float[] {0.5f, 0.4f});
        assertThat(one.read(e::catalogSlots)).containsExactly(0, 1);
        assertThat(other.read(e::catalogSlots)).containsExactly(1, 0);
        assertThat(one.read(e::catalogSlots)).containsExactly(0, 1);
    }

    @Test
    void theTableAnswersThroughItsLists() {
        NeighbourTable t = new NeighbourTable();
        t.put(key("a"), new NeighbourTable.Entry(3, new long[] {key("b"), key("c")}, new float[] {0.8f, 0.2f}));
        assertThat(t.list(key("a")).keys()).containsExactly(key("b"), key("c"));
        assertThat(t.list(key("b"))).isNull();
        long[] keys = new long[1];
        float[] sim = new float[1];
        assertThat(t.neighbours(key("a"), 1, keys, sim)).isEqualTo(1);
        assertThat(keys).containsExactly(key("b"));
        assertThat(sim).containsExactly(0.8f);
        assertThat(t.neighbours(key("b"), 1, keys, sim)).isZero();
        assertThat(t.similarity(key("a"), key("c"))).isEqualTo(0.2f);
        assertThat(t.similarity(key("a"), key("a"))).isZero();
        assertThat(t.similarity(key("b"), key("a"))).isZero();
    }
}
