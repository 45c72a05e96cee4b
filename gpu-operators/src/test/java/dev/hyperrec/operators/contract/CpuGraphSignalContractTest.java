package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.internal.cpu.CpuBackend;

/** Runs {@link GraphSignalContract} on the reference CPU backend. */
class CpuGraphSignalContractTest extends GraphSignalContract {

    @Override
    protected OperatorBackend openBackend() {
        return new CpuBackend();
    }
}
