package dev.hyperrec.operators;

import java.nio.charset.StandardCharsets;

/**
 * Stable 64-bit keys for string ids (items in sketches, bandit tables and seen-sets). The key of an
 * id never changes across runs, JVMs or backends, unlike a dense index.
 */
public final class ItemKeys {
    private ItemKeys() {
    }

    /** FNV-1a over the UTF-8 bytes, finished with the SplitMix64 mixer for avalanche. */
    public static long hash64(String id) {
        byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
        long h = 0xcbf29ce484222325L;
        for (byte b : bytes) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return mix64(h);
    }

    /** SplitMix64's finaliser (Steele, Lea &amp; Flood 2014). */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
