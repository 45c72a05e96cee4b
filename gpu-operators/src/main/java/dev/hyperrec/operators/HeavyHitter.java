package dev.hyperrec.operators;

/** An item key and its current (decayed) Count-Min estimate. */
public record HeavyHitter(long key, long estimate) {
}
