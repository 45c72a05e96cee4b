// Count-Min sketch kernels (Cormode & Muthukrishnan 2005) with the row hashes of CountMinHash:
// h_r(x) = ((a_r (x mod p) + b_r) mod p) mod width, p = 2^61 - 1, exact 64/128-bit integer
// arithmetic (__umul64hi), so buckets are bit-identical to the Java reference. Counters are
// unsigned 64-bit (the Java longs are never negative).
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

__device__ __forceinline__ int bucket(const unsigned long long* __restrict__ ab, int row, unsigned long long key, int width) {
    unsigned long long h = mulmod61(ab[2 * row], reduce61(key)) + ab[2 * row + 1];
    if (h >= P61) h -= P61;
    return (int) (h % (unsigned long long) width);
}

// One thread per (event, row): increments the counter and records the bucket and the counter's value
// before the increment. Colliding increments serialise in the atomic unit in some order, so the
// smallest recorded value of a cell is its value before the batch; the host replays the batch in
// order from those values to feed the heavy-hitter set.
extern "C" __global__ void cms_add(unsigned long long* __restrict__ counters, int width, int depth,
        const unsigned long long* __restrict__ ab, const unsigned long long* __restrict__ keys, int n,
        int* __restrict__ outBucket, unsigned long long* __restrict__ outOld) {
    long long idx = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (long long) n * depth) return;
    int i = (int) (idx / depth);
    int r = (int) (idx % depth);
    int b = bucket(ab, r, keys[i], width);
    unsigned long long old = atomicAdd(&counters[(size_t) r * width + b], 1ull);
    outBucket[idx] = b;
    outOld[idx] = old;
}

// Counting only (no per-event output): the sketch's bulk update when no heavy-hitter set is fed.
extern "C" __global__ void cms_count(unsigned long long* __restrict__ counters, int width, int depth,
        const unsigned long long* __restrict__ ab, const unsigned long long* __restrict__ keys, int n) {
    long long idx = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (long long) n * depth) return;
    int i = (int) (idx / depth);
    int r = (int) (idx % depth);
    atomicAdd(&counters[(size_t) r * width + bucket(ab, r, keys[i], width)], 1ull);
}

// Per-row counter values of each key (for the heavy-hitter members' baselines).
extern "C" __global__ void cms_gather(const unsigned long long* __restrict__ counters, int width, int depth,
        const unsigned long long* __restrict__ ab, const unsigned long long* __restrict__ keys, int n,
        int* __restrict__ outBucket, unsigned long long* __restrict__ outCount) {
    long long idx = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (long long) n * depth) return;
    int i = (int) (idx / depth);
    int r = (int) (idx % depth);
    int b = bucket(ab, r, keys[i], width);
    outBucket[idx] = b;
    outCount[idx] = counters[(size_t) r * width + b];
}

// Estimates: the minimum of each key's counters.
extern "C" __global__ void cms_estimate(const unsigned long long* __restrict__ counters, int width, int depth,
        const unsigned long long* __restrict__ ab, const unsigned long long* __restrict__ keys, int n,
        unsigned long long* __restrict__ out) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    unsigned long long key = keys[i];
    unsigned long long est = 0xFFFFFFFFFFFFFFFFull;
    for (int r = 0; r < depth; r++) {
        unsigned long long v = counters[(size_t) r * width + bucket(ab, r, key, width)];
        est = v < est ? v : est;
    }
    out[i] = est;
}

// Decay: every counter shifted right by the number of half-life epochs crossed.
extern "C" __global__ void cms_shift(unsigned long long* __restrict__ counters, long long cells, int shift) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < cells) counters[i] >>= shift;
}
