package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.internal.cpu.CpuBackend;

/** Runs {@link AttentionRerankerContract} on the reference CPU backend. */
class CpuAttentionRerankerContractTest extends AttentionRerankerContract {

    @Override
    protected OperatorBackend openBackend() {
        return new CpuBackend();
    }
}
