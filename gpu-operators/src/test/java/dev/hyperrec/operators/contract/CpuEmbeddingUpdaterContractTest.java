package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.internal.cpu.CpuBackend;

/** Runs {@link EmbeddingUpdaterContract} on the reference CPU backend. */
class CpuEmbeddingUpdaterContractTest extends EmbeddingUpdaterContract {

    @Override
    protected OperatorBackend openBackend() {
        return new CpuBackend();
    }
}
