package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.internal.cuda.CudaBackend;
import dev.hyperrec.operators.internal.cuda.ScorePrecision;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;

/** Runs {@link ScorerContract} on the CUDA backend with BF16 tensor cores; skipped (by assumption) where no device is usable. */
@Tag("gpu")
@net.jqwik.api.Tag("gpu")
@AddLifecycleHook(CudaTests.class)
class CudaBf16ScorerContractTest extends ScorerContract {

    @BeforeEach
    void requireDevice() {
        Assumptions.assumeTrue(CudaBackend.isUsable(), CudaTests::reason);
    }

    @Override
    protected OperatorBackend openBackend() {
        return new CudaBackend(0, ScorePrecision.BF16);
    }

    /** bf16 operands (7-bit mantissa), fp32 accumulate: about 2^-8 relative per product. */
    @Override
    protected float scoreTolerance() {
        return 1.5e-1f;
    }
}
