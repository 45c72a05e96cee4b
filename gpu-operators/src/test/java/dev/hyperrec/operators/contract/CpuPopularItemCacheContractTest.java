package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.internal.cpu.CpuBackend;

/** Runs {@link PopularItemCacheContract} on the reference CPU backend. */
class CpuPopularItemCacheContractTest extends PopularItemCacheContract {

    @Override
    protected OperatorBackend openBackend() {
        return new CpuBackend();
    }
}
