package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.internal.cuda.CudaBackend;
import dev.hyperrec.operators.internal.cuda.ScorePrecision;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;

/** Runs {@link ScorerContract} on the CUDA backend with FP32 precision; skipped (by assumption) where no device is usable. */
@Tag("gpu")
@net.jqwik.api.Tag("gpu")
@AddLifecycleHook(CudaTests.class)
class CudaFp32ScorerContractTest extends ScorerContract {

    @BeforeEach
    void requireDevice() {
        Assumptions.assumeTrue(CudaBackend.isUsable(), CudaTests::reason);
    }

    @Override
    protected OperatorBackend openBackend() {
        return new CudaBackend(0, ScorePrecision.FP32);
    }

    /** fp32 fma in dimension order: |error| below dim * 2^-24 * sum|x q|, far under 1e-4 here. */
    @Override
    protected float scoreTolerance() {
        return 1e-4f;
    }
}
