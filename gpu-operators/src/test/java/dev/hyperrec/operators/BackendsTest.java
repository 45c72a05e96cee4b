package dev.hyperrec.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.operators.internal.cpu.CpuBackend;
import dev.hyperrec.operators.internal.cuda.CudaBackend;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class BackendsTest {

    /** A hand-written fake CUDA backend: it only reports its name. */
    private static final class FakeBackend implements OperatorBackend {
        boolean closed;

        @Override
        public String name() {
            return "cuda";
        }

        @Override
        public EmbeddingUpdater newEmbeddingUpdater(EmbeddingUpdateConfig config) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Scorer newScorer() {
            throw new UnsupportedOperationException();
        }

        @Override
        public PopularitySketch newPopularitySketch(CountMinConfig config) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ThompsonSampler newThompsonSampler(long seed) {
            throw new UnsupportedOperationException();
        }

        @Override
        public GraphSignal newGraphSignal() {
            throw new UnsupportedOperationException();
        }

        @Override
        public AttentionReranker newAttentionReranker() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Scorer newMixtureOfLogitsScorer(MixtureOfLogits weights) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** A CUDA provider; {@code opened} records the options of each {@link #open(java.util.Map)}. */
    private record FakeProvider(boolean usable, boolean failOpen, List<java.util.Map<String, String>> opened)
            implements BackendProvider {
        FakeProvider(boolean usable, boolean failOpen) {
            this(usable, failOpen, new java.util.ArrayList<>());
        }

        @Override
        public OperatorBackend open(java.util.Map<String, String> options) {
            opened.add(options);
            return open();
        }

        @Override
        public BackendKind kind() {
            return BackendKind.CUDA;
        }

        @Override
        public boolean isUsable() {
            return usable;
        }

        @Override
        public String unusableReason() {
            return "fake: no device";
        }

        @Override
        public OperatorBackend open() {
            if (failOpen) {
                throw new OperatorException("fake: CUDA_ERROR_OUT_OF_MEMORY");
            }
            return new FakeBackend();
        }
    }

    @Test
    void cpuIsTheReferenceBackend() {
        try (OperatorBackend b = Backends.open(BackendKind.CPU)) {
            assertThat(b).isInstanceOf(CpuBackend.class);
            assertThat(b.name()).isEqualTo("cpu");
        }
        try (OperatorBackend b = Backends.open(BackendKind.CPU, List.of(new FakeProvider(true, false)))) {
            assertThat(b.name()).as("cpu never picks a provider").isEqualTo("cpu");
        }
    }

    @Test
    void thisBuildRegistersTheCudaProvider() {
        List<BackendKind> kinds = new java.util.ArrayList<>();
        java.util.ServiceLoader.load(BackendProvider.class).forEach(p -> kinds.add(p.kind()));
        assertThat(kinds).containsExactly(BackendKind.CUDA);
    }

    @Test
    void withoutAUsableDeviceAutoFallsBackAndCudaFails() {
        Assumptions.assumeFalse(CudaBackend.isUsable(), "a CUDA device is usable here");
        try (OperatorBackend b = Backends.open(BackendKind.AUTO)) {
            assertThat(b.name()).isEqualTo("cpu");
        }
        assertThatThrownBy(() -> Backends.open(BackendKind.CUDA))
                .isInstanceOf(OperatorException.class)
                .hasMessageContaining("no CUDA device is usable")
                .hasMessageContaining(CudaBackend.unusableReason());
    }

    @Test
    void withAUsableDeviceAutoAndCudaOpenTheCudaBackend() {
        Assumptions.assumeTrue(CudaBackend.isUsable(), () -> "no usable CUDA device: " + CudaBackend.unusableReason());
        try (OperatorBackend b = Backends.open(BackendKind.AUTO)) {
            assertThat(b.name()).isEqualTo("cuda");
        }
        try (OperatorBackend b = Backends.open(BackendKind.CUDA)) {
            assertThat(b.name()).isEqualTo("cuda");
        }
    }

    @Test
    void autoPrefersAUsableCudaProvider() {
        try (OperatorBackend b = Backends.open(BackendKind.AUTO, List.of(new FakeProvider(true, false)))) {
            assertThat(b).isInstanceOf(FakeBackend.class);
        }
        try (OperatorBackend b = Backends.open(BackendKind.CUDA, List.of(new FakeProvider(false, false), new FakeProvider(true, false)))) {
            assertThat(b).isInstanceOf(FakeBackend.class);
        }
    }

    @Test
    void autoFallsBackToCpuWhenCudaIsUnusableOrFailsToOpen() {
        try (OperatorBackend b = Backends.open(BackendKind.AUTO, List.of(new FakeProvider(false, false)))) {
            assertThat(b.name()).isEqualTo("cpu");
        }
        try (OperatorBackend b = Backends.open(BackendKind.AUTO, List.of(new FakeProvider(true, true)))) {
            assertThat(b.name()).isEqualTo("cpu");
        }
    }

    @Test
    void explicitCudaReportsWhy() {
        assertThatThrownBy(() -> Backends.open(BackendKind.CUDA, List.of(new FakeProvider(false, false))))
                .isInstanceOf(OperatorException.class)
                .hasMessageContaining("fake: no device");
        assertThatThrownBy(() -> Backends.open(BackendKind.CUDA, List.of(new FakeProvider(true, true))))
                .isInstanceOf(OperatorException.class)
                .hasMessageContaining("CUDA_ERROR_OUT_OF_MEMORY");
    }

    @Test
    void parsesKinds() {
        assertThat(BackendKind.parse(" Auto ")).isEqualTo(BackendKind.AUTO);
        assertThat(BackendKind.parse("cuda").id()).isEqualTo("cuda");
        assertThatThrownBy(() -> BackendKind.parse("tpu")).isInstanceOf(OperatorException.class).hasMessageContaining("tpu");
    }

    /** Options reach the provider that opens the backend, for cuda and for auto; the cpu backend needs none. */
    @Test
    void optionsReachTheProvider() {
        java.util.List<java.util.Map<String, String>> seen = new java.util.ArrayList<>();
        BackendProvider recording = new FakeProvider(true, false, seen);
        java.util.Map<String, String> device1 = java.util.Map.of("hyperrec.cuda.device", "1");
        try (OperatorBackend b = Backends.open(BackendKind.CUDA, List.of(recording), device1)) {
            assertThat(b.name()).isEqualTo("cuda");
        }
        try (OperatorBackend b = Backends.open(BackendKind.AUTO, List.of(recording), device1)) {
            assertThat(b.name()).isEqualTo("cuda");
        }
        try (OperatorBackend b = Backends.open(BackendKind.CUDA, List.of(recording))) {
            assertThat(b.name()).isEqualTo("cuda");
        }
        assertThat(seen).containsExactly(device1, device1, java.util.Map.of());
    }

    /**
     * The device a CUDA backend opens on: an {@code open(Map)} option wins over the JVM-wide system property, so that two
     * app instances in one JVM can each have a device; a value that is not an ordinal, as option or as property, is
     * refused with its name. No device is needed: the ordinal is resolved before anything touches the driver.
     */
    @Test
    void theCudaDeviceOptionWinsOverThePropertyAndBadValuesAreRefused() {
        String before = System.getProperty(Backends.CUDA_DEVICE);
        try {
            System.clearProperty(Backends.CUDA_DEVICE);
            assertThat(Backends.cudaDevice(java.util.Map.of())).isZero();
            assertThat(Backends.cudaDevice(java.util.Map.of(Backends.CUDA_DEVICE, " "))).isZero();
            System.setProperty(Backends.CUDA_DEVICE, "3");
            assertThat(Backends.cudaDevice(java.util.Map.of())).isEqualTo(3);
            assertThat(Backends.cudaDevice(java.util.Map.of(Backends.CUDA_DEVICE, "1"))).isEqualTo(1);
            for (String bad : new String[] {"-1", "one", "1.5"}) {
                assertThatThrownBy(() -> Backends.cudaDevice(java.util.Map.of(Backends.CUDA_DEVICE, bad)))
                        .isInstanceOf(OperatorException.class).hasMessageContaining(Backends.CUDA_DEVICE)
                        .hasMessageContaining(bad);
                System.setProperty(Backends.CUDA_DEVICE, bad);
                assertThatThrownBy(() -> Backends.cudaDevice(java.util.Map.of()))
                        .isInstanceOf(OperatorException.class).hasMessageContaining(bad);
                assertThat(Backends.cudaDevice(java.util.Map.of(Backends.CUDA_DEVICE, "2")))
                        .as("a valid option wins over a bad property").isEqualTo(2);
            }
        } finally {
            if (before == null) {
                System.clearProperty(Backends.CUDA_DEVICE);
            } else {
                System.setProperty(Backends.CUDA_DEVICE, before);
            }
        }
    }
}
