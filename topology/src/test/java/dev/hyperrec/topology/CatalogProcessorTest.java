package dev.hyperrec.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperrec.avro.CatalogItem;
import dev.hyperrec.operators.ItemCatalog;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

class CatalogProcessorTest {

    @Test
    void upsertsUpdatesAndDeletesItemsInTheStoreAndTheSharedCatalog() {
        try (TestPipeline p = new TestPipeline(Map.of())) {
            ItemCatalog catalog = p.runtime.catalog();
            p.catalog(Fixtures.axisItem(0));
            p.catalog(Fixtures.axisItem(1));
            assertThat(catalog.activeCount()).isEqualTo(2);
            int idx = catalog.indexOf("i0");
            float[] row = new float[8];
            catalog.copyEmbedding(idx, row, 0);
            assertThat(row[0]).isEqualTo(1f);

            p.catalog(Fixtures.item("i0", 0, 0, 0, 0, 0, 0, 0, 1));
            catalog.copyEmbedding(idx, row, 0);
            assertThat(row[7]).isEqualTo(1f);
            assertThat(catalog.indexOf("i0")).as("an update keeps the index").isEqualTo(idx);

            p.deleteItem("i1");
            assertThat(catalog.indexOf("i1")).isEqualTo(-1);
            CatalogItem inactive = Fixtures.axisItem(0);
            inactive.setActive(false);
            p.catalog(inactive);
            assertThat(catalog.indexOf("i0")).isEqualTo(-1);
            assertThat(catalog.activeCount()).isZero();

            KeyValueStore<String, byte[]> store = p.driver.getKeyValueStore(StoreNames.CATALOG);
            assertThat(store.get("i1")).isNull();
            assertThat(store.get("i0")).isNotNull();
        }
    }

    @Test
    void badCatalogRecordsAreSkippedAndTheRestLoads() {
        try (TestPipeline p = new TestPipeline(Map.of())) {
            TestInputTopic<String, byte[]> raw = p.driver.createInputTopic(Topics.CATALOG, new StringSerializer(),
                    new ByteArraySerializer());
            raw.pipeInput("junk", "not avro".getBytes(StandardCharsets.UTF_8));
            p.catalog(Fixtures.item("short", 1, 2, 3));
            p.catalog(Fixtures.item("nan", Float.NaN, 0, 0, 0, 0, 0, 0, 0));
            CatalogItem mismatch = Fixtures.axisItem(5);
            raw.pipeInput("other-key", p.catalogSerde.serializer().serialize(Topics.CATALOG, mismatch));
            p.catalog(Fixtures.axisItem(3));

            ItemCatalog catalog = p.runtime.catalog();
            assertThat(catalog.activeCount()).isEqualTo(1);
            assertThat(catalog.indexOf("i3")).isNotNegative();
            KeyValueStore<String, byte[]> store = p.driver.getKeyValueStore(StoreNames.CATALOG);
            assertThat(store.get("junk")).isNull();
            assertThat(store.get("short")).isNull();
            assertThat(store.get("nan")).isNull();
            assertThat(store.get("other-key")).isNull();
        }
    }
}
