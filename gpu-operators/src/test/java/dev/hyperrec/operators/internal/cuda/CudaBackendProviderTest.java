package dev.hyperrec.operators.internal.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperrec.operators.OperatorException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The device a CUDA backend opens on: an {@code open(Map)} option wins over the JVM-wide system property, so that two
 * app instances in one JVM can each have a device; a value that is not an ordinal is refused with its name. No device
 * is needed: the ordinal is resolved before anything touches the driver.
 */
class CudaBackendProviderTest {
    @Test
    void theOptionWinsOverThePropertyAndBadValuesAreRefused() {
        String before = System.getProperty(CudaBackendProvider.DEVICE);
        try {
            System.clearProperty(CudaBackendProvider.DEVICE);
            assertThat(CudaBackendProvider.device(Map.of())).isZero();
            assertThat(CudaBackendProvider.device(Map.of(CudaBackendProvider.DEVICE, " "))).isZero();
            System.setProperty(CudaBackendProvider.DEVICE, "3");
            assertThat(CudaBackendProvider.device(Map.of())).isEqualTo(3);
            assertThat(CudaBackendProvider.device(Map.of(CudaBackendProvider.DEVICE, "1"))).isEqualTo(1);
            for (String bad : new String[] {"-1", "one", "1.5"}) {
                assertThatThrownBy(() -> CudaBackendProvider.device(Map.of(CudaBackendProvider.DEVICE, bad)))
                        .isInstanceOf(OperatorException.class).hasMessageContaining(CudaBackendProvider.DEVICE)
                        .hasMessageContaining(bad);
            }
        } finally {
            if (before == null) {
                System.clearProperty(CudaBackendProvider.DEVICE);
            } else {
                System.setProperty(CudaBackendProvider.DEVICE, before);
            }
        }
    }
}
