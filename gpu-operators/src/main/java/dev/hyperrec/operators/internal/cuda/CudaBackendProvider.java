package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.BackendKind;
import dev.hyperrec.operators.BackendProvider;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.internal.cpu.CpuBackend;

/**
 * The ServiceLoader entry of the CUDA backend. {@link #open()} returns the CUDA backend wrapped in a
 * {@link FallbackBackend}, so a CUDA fault degrades an operator to the CPU reference (counted, logged)
 * instead of failing the task. Device and precision: system properties
 * {@code hyperrec.cuda.device} (ordinal, default 0), {@code hyperrec.cuda.precision}
 * ({@code exact|fp32|tf32|bf16}, default {@code exact}) and {@code hyperrec.cuda.sync}
 * ({@code auto|spin|yield|blocking}, default {@code auto}: how a host thread waits for the device, {@link CudaContext.Sync}).
 */
public final class CudaBackendProvider implements BackendProvider {

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
        int device = Integer.getInteger("hyperrec.cuda.device", 0);
        ScorePrecision precision = ScorePrecision.parse(System.getProperty("hyperrec.cuda.precision", "exact"));
        CudaContext.Sync sync = CudaContext.Sync.parse(System.getProperty("hyperrec.cuda.sync", "auto"));
        return new FallbackBackend(new CudaBackend(device, precision, sync), new CpuBackend());
    }
}
