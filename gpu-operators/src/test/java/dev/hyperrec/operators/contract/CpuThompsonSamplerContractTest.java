package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.internal.cpu.CpuBackend;

/** Runs {@link ThompsonSamplerContract} on the reference CPU backend. */
class CpuThompsonSamplerContractTest extends ThompsonSamplerContract {

    @Override
    protected OperatorBackend openBackend() {
        return new CpuBackend();
    }

    @Override
    protected float drawTolerance() {
        return 0f;
    }
}
