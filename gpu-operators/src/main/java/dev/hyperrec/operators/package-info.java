/**
 * The compute engine's public API: operator interfaces ({@link dev.hyperrec.operators.EmbeddingUpdater},
 * {@link dev.hyperrec.operators.Scorer}, {@link dev.hyperrec.operators.PopularitySketch},
 * {@link dev.hyperrec.operators.ThompsonSampler}), their host-side data structures, backend selection
 * ({@link dev.hyperrec.operators.Backends}) and the backend-agnostic
 * {@link dev.hyperrec.operators.BanditTable} and {@link dev.hyperrec.operators.PopularItemCache}.
 * Implementations live in {@code .internal}; {@link dev.hyperrec.operators.OperatorException} is the one
 * unchecked exception root.
 */
package dev.hyperrec.operators;
