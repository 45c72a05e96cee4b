// Count-Min sketch kernels (Cormode & Muthukrishnan 2005) with the row hashes of CountMinHash:
// h_r(x) = ((a_r (x mod p) + b_r) mod p) mod width, p = 2^61 - 1, exact 64/128-bit integer
// arithmetic (__umul64hi), so buckets are bit-identical to the Java reference. Counters are
// unsigned 64-bit (the Java longs are never negative).
//
// Layout of the hash parameters: ab[2r] = a_r, ab[2r+1] = b_r for r < depth, then ab[2 depth] =
// floor((2^64 - 1) / width), so h mod width costs a 64-bit high multiply and one correction instead
// of a 64-bit division (h < 2^61, so the quotient estimate is at most one short).
//
// Counters are two-level: a 64-bit base per cell plus a 32-bit delta of the increments since the last
// fold (cell value = base + delta). Increments are 32-bit reductions into the deltas, 28 MB at
// 7 x 2^20, which stay in L2 whole while the 56 MB of bases are not touched; the host folds the
// deltas into the bases (cms_fold) before a decay shift, a snapshot, or before 2^32 - 1 events could
// have landed in one delta (each event adds 1 to one cell per row, so no delta exceeds the events
// counted since the fold). Values are exact, as the Java reference's longs.
//
// Grids are 2-D: x over events, y over rows. Blocks are scheduled x-fastest, so at any time the
// increments go to one row's counters (8 MB at width 2^20): that row stays in L2 and the atomics
// resolve there.
#include <stdint.h>

#define P61 0x1FFFFFFFFFFFFFFFull

__device__ __forceinline__ unsigned long long reduce61(unsigned long long x) {
    unsigned long long r = (x & P61) + (x >> 61);
    return r >= P61 ? r - P61 : r;
}

__device__ __forceinline__ unsigned long long mulmod61(unsigned long long a, unsigned long long x) {
    unsigned long long lo = a * x;
    unsigned long long hi = __umul64hi(a, x);
    unsigned long long r = (hi << 3) + (lo >> 61) + (lo & P61);
    r = (r & P61) + (r >> 61);
    return r >= P61 ? r - P61 : r;
}

__device__ __forceinline__ int bucket(const unsigned long long* __restrict__ ab, int row, unsigned long long key61,
        int width, unsigned long long magic) {
    unsigned long long h = mulmod61(ab[2 * row], key61) + ab[2 * row + 1];
    if (h >= P61) h -= P61;
    unsigned long long q = __umul64hi(h, magic);
    unsigned long long r = h - q * (unsigned long long) width;
    return (int) (r >= (unsigned long long) width ? r - width : r);
}

// One thread per (event, row): increments the cell and records the bucket and the cell's value
// before the increment (base + the delta's old value; bases do not change during the kernel).
// Colliding increments serialise in the atomic unit in some order, so the smallest recorded value of
// a cell is its value before the batch; the host replays the batch in order from those values to feed
// the heavy-hitter set. Outputs are indexed event * depth + row.
extern "C" __global__ void cms_add(const unsigned long long* __restrict__ counters, unsigned int* __restrict__ delta,
        int width, int depth, const unsigned long long* __restrict__ ab, const unsigned long long* __restrict__ keys, int n,
        int* __restrict__ outBucket, unsigned long long* __restrict__ outOld) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int r = blockIdx.y;
    if (i >= n) return;
    int b = bucket(ab, r, reduce61(keys[i]), width, ab[2 * depth]);
    size_t cell = (size_t) r * width + b;
    unsigned int old = atomicAdd(&delta[cell], 1u);
    long long idx = (long long) i * depth + r;
    outBucket[idx] = b;
    outOld[idx] = counters[cell] + old;
}

// Counting only (no per-event output): the sketch's bulk update when no heavy-hitter set is fed.
// The result of the atomic is unused, so it compiles to a fire-and-forget 32-bit reduction (RED).
extern "C" __global__ void cms_count(unsigned int* __restrict__ delta, int width, int depth,
        const unsigned long long* __restrict__ ab, const unsigned long long* __restrict__ keys, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int r = blockIdx.y;
    if (i >= n) return;
    atomicAdd(&delta[(size_t) r * width + bucket(ab, r, reduce61(keys[i]), width, ab[2 * depth])], 1u);
}

// Per-row cell values of each key (for the heavy-hitter members' baselines).
extern "C" __global__ void cms_gather(const unsigned long long* __restrict__ counters, const unsigned int* __restrict__ delta,
        int width, int depth, const unsigned long long* __restrict__ ab, const unsigned long long* __restrict__ keys, int n,
        int* __restrict__ outBucket, unsigned long long* __restrict__ outCount) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int r = blockIdx.y;
    if (i >= n) return;
    int b = bucket(ab, r, reduce61(keys[i]), width, ab[2 * depth]);
    size_t cell = (size_t) r * width + b;
    long long idx = (long long) i * depth + r;
    outBucket[idx] = b;
    outCount[idx] = counters[cell] + delta[cell];
}

// Estimates: the minimum of each key's cells.
extern "C" __global__ void cms_estimate(const unsigned long long* __restrict__ counters, const unsigned int* __restrict__ delta,
        int width, int depth, const unsigned long long* __restrict__ ab, const unsigned long long* __restrict__ keys, int n,
        unsigned long long* __restrict__ out) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    unsigned long long key61 = reduce61(keys[i]);
    unsigned long long magic = ab[2 * depth];
    unsigned long long est = 0xFFFFFFFFFFFFFFFFull;
    for (int r = 0; r < depth; r++) {
        size_t cell = (size_t) r * width + bucket(ab, r, key61, width, magic);
        unsigned long long v = counters[cell] + delta[cell];
        est = v < est ? v : est;
    }
    out[i] = est;
}

// Fold the deltas into the bases, then decay: every cell becomes (base + delta) >> shift (shift 0:
// a plain fold), its delta 0.
extern "C" __global__ void cms_fold(unsigned long long* __restrict__ counters, unsigned int* __restrict__ delta,
        long long cells, int shift) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < cells) {
        counters[i] = (counters[i] + delta[i]) >> shift;
        delta[i] = 0u;
    }
}
