package dev.hyperrec.topology.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hyperrec.operators.BackendKind;
import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.internal.cuda.CudaBackend;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The backend gauges with the CUDA backend (run on the GPU machine; skipped by assumption where no
 * device is usable): device memory is registered and reads what the driver reports, and it follows a
 * device allocation the backend makes.
 */
@Tag("gpu")
class DeviceMemoryGpuTest {

    @Test
    void deviceMemoryGaugesReadTheDriver() {
        assumeTrue(CudaBackend.isUsable(), () -> "no usable CUDA device: " + CudaBackend.unusableReason());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PipelineMetrics metrics = PipelineMetrics.of(registry);
        try (OperatorBackend backend = Backends.open(BackendKind.CUDA)) {
            metrics.bindBackend(backend, "cuda", b -> 0, () -> Backends.cudaDevice(Map.of()));
            assertThat(registry.get(PipelineMetrics.BACKEND_ACTIVE).tag("backend", "cuda").gauge().value()).isEqualTo(1.0);
            Gauge used = registry.get(PipelineMetrics.DEVICE_MEMORY_USED).gauge();
            Gauge free = registry.get(PipelineMetrics.DEVICE_MEMORY_FREE).gauge();
            Gauge total = registry.get(PipelineMetrics.DEVICE_MEMORY_TOTAL).gauge();
            assertThat(used.getId().getTag("device")).isEqualTo(Integer.toString(Backends.cudaDevice(Map.of())));
            double t = total.value();
            double f = free.value();
            double u = used.value();
            System.out.printf("device memory: total=%.0f free=%.0f used=%.0f bytes%n", t, f, u);
            assertThat(t).as("an H100/H200 has tens of GiB").isGreaterThan(8e9);
            assertThat(f).isPositive().isLessThanOrEqualTo(t);
            assertThat(u).as("the backend's context and modules use some").isPositive().isEqualTo(t - f);
        } finally {
            metrics.close();
        }
        // closed: the retained context is released, reads give NaN
        assertThat(registry.get(PipelineMetrics.DEVICE_MEMORY_FREE).gauge().value()).isNaN();
    }
}
