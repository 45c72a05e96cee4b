package dev.hyperrec.operators.contract;

import dev.hyperrec.operators.EmbeddingUpdateConfig;
import dev.hyperrec.operators.EmbeddingUpdater;
import dev.hyperrec.operators.ForwardingBackend;
import dev.hyperrec.operators.ItemCatalog;
import dev.hyperrec.operators.OperatorBackend;
import dev.hyperrec.operators.UpdateBatch;
import dev.hyperrec.operators.UserTable;
import dev.hyperrec.operators.internal.cpu.CpuBackend;

/**
 * Runs {@link EmbeddingUpdaterContract} on an updater that implements only the plain {@code apply}, so that the
 * snapshot calls take {@link EmbeddingUpdater}'s default (one event at a time), as a third-party backend's would.
 */
class DefaultSnapshotsEmbeddingUpdaterContractTest extends EmbeddingUpdaterContract {

    @Override
    protected OperatorBackend openBackend() {
        return new ForwardingBackend(new CpuBackend()) {
            @Override
            public EmbeddingUpdater newEmbeddingUpdater(EmbeddingUpdateConfig config) {
                EmbeddingUpdater cpu = super.newEmbeddingUpdater(config);
                return new EmbeddingUpdater() {
                    @Override
                    public void apply(UserTable users, ItemCatalog items,
                            UpdateBatch batch) {
                        cpu.apply(users, items, batch);
                    }

                    @Override
                    public void close() {
                        cpu.close();
                    }
                };
            }
        };
    }
}
