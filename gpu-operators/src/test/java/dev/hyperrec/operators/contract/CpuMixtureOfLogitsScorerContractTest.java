package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.internal.cpu.CpuBackend;

/** Runs {@link MixtureOfLogitsScorerContract} on the reference CPU backend. */
class CpuMixtureOfLogitsScorerContractTest extends MixtureOfLogitsScorerContract {

    @Override
    protected OperatorBackend openBackend() {
        return new CpuBackend();
    }
}
