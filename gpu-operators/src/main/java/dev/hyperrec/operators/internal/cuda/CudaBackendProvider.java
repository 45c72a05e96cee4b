package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.BackendKind;
import dev.hyperrec.operators.BackendProvider;
import dev.hyperrec.operators.Backends;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.internal.cpu.CpuBackend;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ServiceLoader entry of the CUDA backend. {@link #open()} returns the CUDA backend wrapped in a
 * {@link FallbackBackend}, so a CUDA fault degrades an operator to the CPU reference (counted, logged)
 * instead of failing the task. Device and precision: system properties
 * {@code hyperrec.cuda.device} (ordinal, default 0; an {@link #open(Map)} option of that name wins, so that app
 * instances in one JVM can each have a device), {@code hyperrec.cuda.precision}
 * ({@code exact|fp32|tf32|bf16}, default {@code exact}) and {@code hyperrec.cuda.sync}
 * ({@code auto|spin|yield|blocking}, default {@code auto}: how a host thread waits for the device, {@link CudaContext.Sync}).
 */
public final class CudaBackendProvider implements BackendProvider {
    private static final Logger LOG = LoggerFactory.getLogger(CudaBackendProvider.class);

    @Override
    public BackendKind kind() {
        return BackendKind.CUDA;
    }

    @Override
    public boolean isUsable() {
        return CudaBackend.isUsable();
    }

    @Override
    public String unusableReason() {
        return CudaBackend.unusableReason();
    }

    @Override
    public OperatorBackend open() {
        return open(Map.of());
    }

    /**
     * Opens on {@link Backends#cudaDevice}: {@code options}' {@value Backends#CUDA_DEVICE} when given (an instance's own
     * device), else the system property of that name, else 0; precision and sync as in the class comment.
     */
    @Override
    public OperatorBackend open(Map<String, String> options) {
        int device = Backends.cudaDevice(options);
        LOG.info("cuda backend: device {}", device);
        ScorePrecision precision = ScorePrecision.parse(System.getProperty("hyperrec.cuda.precision", "exact"));
        CudaContext.Sync sync = CudaContext.Sync.parse(System.getProperty("hyperrec.cuda.sync", "auto"));
        return new FallbackBackend(new CudaBackend(device, precision, sync), new CpuBackend());
    }
}
