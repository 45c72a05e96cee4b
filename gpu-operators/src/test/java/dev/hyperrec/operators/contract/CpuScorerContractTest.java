package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.internal.cpu.CpuBackend;

/** Runs {@link ScorerContract} on the reference CPU backend. */
class CpuScorerContractTest extends ScorerContract {

    @Override
    protected OperatorBackend openBackend() {
        return new CpuBackend();
    }

    @Override
    protected boolean exactScores() {
        return true;
    }
}
