package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.internal.cuda.CudaBackend;
import dev.hyperrec.operators.internal.cuda.ScorePrecision;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;

/** Runs {@link ScorerContract} on the CUDA backend with TF32 tensor cores; skipped (by assumption) where no device is usable. */
@Tag("gpu")
@net.jqwik.api.Tag("gpu")
@AddLifecycleHook(CudaTests.class)
class CudaTf32ScorerContractTest extends ScorerContract {

    @BeforeEach
    void requireDevice() {
        Assumptions.assumeTrue(CudaBackend.isUsable(), CudaTests::reason);
    }

    @Override
    protected OperatorBackend openBackend() {
        return new CudaBackend(0, ScorePrecision.TF32);
    }

    /** tf32 operands (10-bit mantissa), fp32 accumulate: about 2^-11 relative per product. */
    @Override
    protected float scoreTolerance() {
        return 2e-2f;
    }
}
