package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.internal.cpu.CpuBackend;

/** Runs {@link PopularitySketchContract} on the reference CPU backend. */
class CpuPopularitySketchContractTest extends PopularitySketchContract {

    @Override
    protected OperatorBackend openBackend() {
        return new CpuBackend();
    }
}
