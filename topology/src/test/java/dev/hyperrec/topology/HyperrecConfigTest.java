package dev.hyperrec.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class HyperrecConfigTest {

    @Test
    void defaultsAreValidAndStreamsGetsExactlyOnceAndPassThroughKeys() {
        HyperrecConfig c = HyperrecConfig.of(Map.of("bootstrap.servers", "b:9092", "num.stream.threads", "3"));
        var p = c.streamsProperties();
        assertThat(p.getProperty("processing.guarantee")).isEqualTo("exactly_once_v2");
        assertThat(p.getProperty("bootstrap.servers")).isEqualTo("b:9092");
        assertThat(p.getProperty("num.stream.threads")).isEqualTo("3");
        assertThat(p.stringPropertyNames()).noneMatch(k -> k.startsWith("hyperrec.") && !k.startsWith("hyperrec.rocksdb."));
        assertThat(p.getProperty("rocksdb.config.setter")).endsWith("BoundedMemoryRocksDBConfig");
        assertThat(c.serdeConfig()).containsEntry("bootstrap.servers", "b:9092").doesNotContainKey(HyperrecConfig.BACKEND);
    }

    @Test
    void theProducersRetryAfterFiveMsAndLingerOneUnlessConfigured() {
        var p = HyperrecConfig.of(Map.of()).streamsProperties();
        assertThat(p.getProperty("producer.retry.backoff.ms")).isEqualTo("5");
        assertThat(p.getProperty("producer.linger.ms")).isEqualTo("1");
        assertThat(p.getProperty("retry.backoff.ms")).isNull();
        // Streams gives a client's prefixed key precedence over the plain one: a plain key the user set must not be shadowed
        var plain = HyperrecConfig.of(Map.of("retry.backoff.ms", "250", "linger.ms", "20")).streamsProperties();
        assertThat(plain.getProperty("producer.retry.backoff.ms")).isNull();
        assertThat(plain.getProperty("producer.linger.ms")).isNull();
        assertThat(plain.getProperty("retry.backoff.ms")).isEqualTo("250");
        var prefixed = HyperrecConfig.of(Map.of("producer.linger.ms", "50")).streamsProperties();
        assertThat(prefixed.getProperty("producer.linger.ms")).isEqualTo("50");
        assertThat(prefixed.getProperty("producer.retry.backoff.ms")).isEqualTo("5");
        // and the model's instance has them too
        assertThat(HyperrecConfig.of(Map.of()).modelStreamsProperties().getProperty("producer.retry.backoff.ms")).isEqualTo("5");
    }

    @Test
    void topicPrefixAppliesToEveryTopic() {
        HyperrecConfig c = HyperrecConfig.of(Map.of(HyperrecConfig.TOPIC_PREFIX, "tenant1."));
        assertThat(c.topic(Topics.INTERACTIONS)).isEqualTo("tenant1.interactions");
        assertThat(TopicSetup.topics("tenant1.", 3, (short) 1)).allMatch(t -> t.name().startsWith("tenant1."));
    }

    @Test
    void invalidValuesFailWithTheValueAndTheLimit() {
        assertThatThrownBy(() -> HyperrecConfig.of(Map.of(HyperrecConfig.RECS_K, "0")))
                .hasMessageContaining(HyperrecConfig.RECS_K).hasMessageContaining("[1, 1024]").hasMessageContaining("0");
        assertThatThrownBy(() -> HyperrecConfig.of(Map.of(HyperrecConfig.EMBEDDING_ALPHA, "1.5")))
                .hasMessageContaining("alpha").hasMessageContaining("1.5");
        assertThatThrownBy(() -> HyperrecConfig.of(Map.of(HyperrecConfig.BACKEND, "tpu"))).hasMessageContaining("tpu");
        assertThatThrownBy(() -> HyperrecConfig.of(Map.of(HyperrecConfig.RECS_K, "20", HyperrecConfig.RECS_CANDIDATES, "10")))
                .hasMessageContaining("must be >=");
        assertThatThrownBy(() -> HyperrecConfig.of(Map.of(HyperrecConfig.WEIGHT_CLICK, "NaN")))
                .hasMessageContaining("finite");
        assertThatThrownBy(() -> HyperrecConfig.of(Map.of(HyperrecConfig.BATCH_COMMIT_QUEUE_SHARE, "-0.5")))
                .hasMessageContaining(HyperrecConfig.BATCH_COMMIT_QUEUE_SHARE).hasMessageContaining("-0.5");
        assertThatThrownBy(() -> HyperrecConfig.of(Map.of(HyperrecConfig.BATCH_COMMIT_REQUEST_INTERVAL_MS, "-1")))
                .hasMessageContaining(HyperrecConfig.BATCH_COMMIT_REQUEST_INTERVAL_MS);
    }

    @Test
    void theModelInstanceGetsItsOwnApplicationIdCommitIntervalAndThreads() {
        HyperrecConfig c = HyperrecConfig.of(Map.of("application.id", "shop", "commit.interval.ms", "100",
                "num.stream.threads", "4", HyperrecConfig.NEIGHBOURS_COMMIT_INTERVAL_MS, "2500",
                HyperrecConfig.NEIGHBOURS_THREADS, "2"));
        assertThat(c.modelInOwnApp()).isTrue();
        var model = c.modelStreamsProperties();
        assertThat(model.getProperty("application.id")).isEqualTo("shop-model");
        assertThat(model.getProperty("commit.interval.ms")).isEqualTo("2500");
        assertThat(model.getProperty("num.stream.threads")).isEqualTo("2");
        assertThat(model.getProperty("processing.guarantee")).isEqualTo("exactly_once_v2");
        // the app's own instance keeps its settings
        assertThat(c.streamsProperties().getProperty("application.id")).isEqualTo("shop");
        assertThat(c.streamsProperties().getProperty("commit.interval.ms")).isEqualTo("100");
        assertThat(HyperrecConfig.of(Map.of(HyperrecConfig.NEIGHBOURS_SEPARATE_APP, "false")).modelInOwnApp()).isFalse();
        assertThat(HyperrecConfig.of(Map.of(HyperrecConfig.NEIGHBOURS_ENABLED, "false")).modelInOwnApp()).isFalse();
        assertThatThrownBy(() -> HyperrecConfig.of(Map.of(HyperrecConfig.NEIGHBOURS_SEPARATE_APP, "yes")))
                .hasMessageContaining(HyperrecConfig.NEIGHBOURS_SEPARATE_APP).hasMessageContaining("yes");
        assertThatThrownBy(() -> HyperrecConfig.of(Map.of(HyperrecConfig.NEIGHBOURS_COMMIT_INTERVAL_MS, "0")))
                .hasMessageContaining(HyperrecConfig.NEIGHBOURS_COMMIT_INTERVAL_MS);
    }

    @Test
    void aRoleRunsTheListsOrTheModelAloneAndTheModelsRoleNeedsNoGpu() {
        assertThat(HyperrecConfig.of(Map.of()).role()).isEqualTo(HyperrecConfig.Role.ALL);
        assertThat(HyperrecConfig.of(Map.of(HyperrecConfig.ROLE, " Lists ")).role()).isEqualTo(HyperrecConfig.Role.LISTS);
        HyperrecConfig model = HyperrecConfig.of(Map.of(HyperrecConfig.ROLE, "model", HyperrecConfig.BACKEND, "cuda"));
        assertThat(model.role()).isEqualTo(HyperrecConfig.Role.MODEL);
        // the model's process opens the CPU backend whatever the file says; the others keep theirs
        assertThat(HyperrecApp.runtimeConfig(model).get(HyperrecConfig.BACKEND)).isEqualTo("cpu");
        assertThat(HyperrecApp.runtimeConfig(model.with(HyperrecConfig.ROLE, "lists")).get(HyperrecConfig.BACKEND))
                .isEqualTo("cuda");
        // lists without the model is the whole app without it; the model's role without the model is a mistake
        assertThat(HyperrecConfig.of(Map.of(HyperrecConfig.ROLE, "lists", HyperrecConfig.NEIGHBOURS_ENABLED, "false")).role())
                .isEqualTo(HyperrecConfig.Role.LISTS);
        assertThatThrownBy(() -> HyperrecConfig.of(Map.of(HyperrecConfig.ROLE, "model", HyperrecConfig.NEIGHBOURS_ENABLED,
                "false"))).hasMessageContaining(HyperrecConfig.ROLE).hasMessageContaining(HyperrecConfig.NEIGHBOURS_ENABLED);
        // a split needs the model in an instance of its own
        for (String role : new String[] {"lists", "model"}) {
            assertThatThrownBy(() -> HyperrecConfig.of(Map.of(HyperrecConfig.ROLE, role,
                    HyperrecConfig.NEIGHBOURS_SEPARATE_APP, "false"))).hasMessageContaining(HyperrecConfig.NEIGHBOURS_SEPARATE_APP);
        }
        assertThatThrownBy(() -> HyperrecConfig.of(Map.of(HyperrecConfig.ROLE, "scorer"))).hasMessageContaining("scorer")
                .hasMessageContaining("all, lists or model");
    }

    /**
     * An instance's CUDA device: unset, no backend option and the JVM's property (else 0); set, the option and that
     * ordinal; anything but an ordinal is refused with the key and the value.
     */
    @Test
    void theCudaDeviceIsAnInstancesBackendOption() {
        HyperrecConfig unset = HyperrecConfig.of(Map.of());
        assertThat(unset.backendOptions()).isEmpty();
        String before = System.getProperty(HyperrecConfig.CUDA_DEVICE);
        try {
            System.clearProperty(HyperrecConfig.CUDA_DEVICE);
            assertThat(unset.cudaDevice()).isZero();
            System.setProperty(HyperrecConfig.CUDA_DEVICE, "2");
            assertThat(unset.cudaDevice()).isEqualTo(2);
            HyperrecConfig one = HyperrecConfig.of(Map.of(HyperrecConfig.CUDA_DEVICE, "1"));
            assertThat(one.backendOptions()).containsExactly(Map.entry(HyperrecConfig.CUDA_DEVICE, "1"));
            assertThat(one.cudaDevice()).isEqualTo(1);
        } finally {
            if (before == null) {
                System.clearProperty(HyperrecConfig.CUDA_DEVICE);
            } else {
                System.setProperty(HyperrecConfig.CUDA_DEVICE, before);
            }
        }
        for (String bad : new String[] {"-1", "gpu1"}) {
            assertThatThrownBy(() -> HyperrecConfig.of(Map.of(HyperrecConfig.CUDA_DEVICE, bad)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(HyperrecConfig.CUDA_DEVICE)
                    .hasMessageContaining(bad);
        }
    }
}
