package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.internal.cuda.CudaBackend;
import dev.hyperrec.operators.internal.cuda.ScorePrecision;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;

/** Runs {@link MixtureOfLogitsScorerContract} on the CUDA backend (scores relative 1e-4, lists equal modulo near-ties); skipped (by assumption) where no device is usable. */
@Tag("gpu")
class CudaMixtureOfLogitsScorerContractTest extends MixtureOfLogitsScorerContract {

    @BeforeEach
    void requireDevice() {
        Assumptions.assumeTrue(CudaBackend.isUsable(), CudaTests::reason);
    }

    @Override
    protected OperatorBackend openBackend() {
        return new CudaBackend(0, ScorePrecision.EXACT);
    }
}
