package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.internal.cpu.CpuBackend;

/** Runs {@link BackendContract} on the reference CPU backend. */
class CpuBackendContractTest extends BackendContract {

    @Override
    protected OperatorBackend openBackend() {
        return new CpuBackend();
    }

    @Override
    protected String expectedName() {
        return "cpu";
    }
}
