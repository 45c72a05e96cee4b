// Count-Min sketch kernels (Cormode & Muthukrishnan 2005) with the row hashes of CountMinHash:
// h_r(x) = ((a_r (x mod p) + b_r) mod p) mod width, p = 2^61 - 1, exact 64/128-bit integer
// arithmetic (__umul64hi), so buckets are bit-identical to the Java reference. Counters are
// unsigned 64-bit (the Java longs are never negative).
//
// Layout of the hash parameters: ab[2r] = a_r, ab[2r+1] = b_r for r < depth, then ab[2 depth] =
// floor((2^64 - 1) / width), so h mod width costs a 64-bit high multiply and one correction instead
// of a 64-bit division (h < 2^61, so the quotient estimate is at most one short).
//
// Grids are 2-D: x over events, y over rows. Blocks are scheduled x-fastest, so at any time the
// increments go to one row's counters (8 MB at width 2^20): that row stays in L2 and the atomics
// resolve there (the counters of all rows together are larger than L2).
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

// One thread per (event, row): increments the counter and records the bucket and the counter's value
// before the increment. Colliding increments serialise in the atomic unit in some order, so the
// smallest recorded value of a cell is its value before the batch; the host replays the batch in
// order from those values to feed the heavy-hitter set. Outputs are indexed event * depth + row.
extern "C" __global__ void cms_add(unsigned long long* __restrict__ counters, int width, int depth,
        const unsigned long long* __restrict__ ab, const unsigned long long* __restrict__ keys, int n,
        int* __restrict__ outBucket, unsigned long long* __restrict__ outOld) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int r = blockIdx.y;
    if (i >= n) return;
    int b = bucket(ab, r, reduce61(keys[i]), width, ab[2 * depth]);
    unsigned long long old = atomicAdd(&counters[(size_t) r * width + b], 1ull);
    long long idx = (long long) i * depth + r;
    outBucket[idx] = b;
    outOld[idx] = old;
}

// Counting only (no per-event output): the sketch's bulk update when no heavy-hitter set is fed.
// The result of the atomic is unused, so it compiles to a fire-and-forget reduction (RED).
extern "C" __global__ void cms_count(unsigned long long* __restrict__ counters, int width, int depth,
        const unsigned long long* __restrict__ ab, const unsigned long long* __restrict__ keys, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int r = blockIdx.y;
    if (i >= n) return;
    atomicAdd(&counters[(size_t) r * width + bucket(ab, r, reduce61(keys[i]), width, ab[2 * depth])], 1ull);
}

// Counting, four events per thread (more independent reductions in flight per thread).
extern "C" __global__ void cms_count_x4(unsigned long long* __restrict__ counters, int width, int depth,
        const unsigned long long* __restrict__ ab, const unsigned long long* __restrict__ keys, int n) {
    int base = (blockIdx.x * blockDim.x) * 4 + threadIdx.x;
    int r = blockIdx.y;
    unsigned long long magic = ab[2 * depth];
    unsigned long long* row = counters + (size_t) r * width;
#pragma unroll
    for (int j = 0; j < 4; j++) {
        int i = base + j * blockDim.x;
        if (i < n) atomicAdd(&row[bucket(ab, r, reduce61(keys[i]), width, magic)], 1ull);
    }
}

// Measurement of a two-level layout (not used by the sketch): 32-bit reductions into per-cell deltas
// (28 MB at 7 x 2^20, small enough to stay in L2 whole), folded into the 64-bit counters later.
extern "C" __global__ void cms_count_delta32(unsigned int* __restrict__ delta, int width, int depth,
        const unsigned long long* __restrict__ ab, const unsigned long long* __restrict__ keys, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int r = blockIdx.y;
    if (i >= n) return;
    atomicAdd(&delta[(size_t) r * width + bucket(ab, r, reduce61(keys[i]), width, ab[2 * depth])], 1u);
}

extern "C" __global__ void cms_fold(unsigned long long* __restrict__ counters, unsigned int* __restrict__ delta, long long cells) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < cells) {
        counters[i] += delta[i];
        delta[i] = 0u;
    }
}

// Per-row counter values of each key (for the heavy-hitter members' baselines).
extern "C" __global__ void cms_gather(const unsigned long long* __restrict__ counters, int width, int depth,
        const unsigned long long* __restrict__ ab, const unsigned long long* __restrict__ keys, int n,
        int* __restrict__ outBucket, unsigned long long* __restrict__ outCount) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int r = blockIdx.y;
    if (i >= n) return;
    int b = bucket(ab, r, reduce61(keys[i]), width, ab[2 * depth]);
    long long idx = (long long) i * depth + r;
    outBucket[idx] = b;
    outCount[idx] = counters[(size_t) r * width + b];
}

// Estimates: the minimum of each key's counters.
extern "C" __global__ void cms_estimate(const unsigned long long* __restrict__ counters, int width, int depth,
        const unsigned long long* __restrict__ ab, const unsigned long long* __restrict__ keys, int n,
        unsigned long long* __restrict__ out) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    unsigned long long key61 = reduce61(keys[i]);
    unsigned long long magic = ab[2 * depth];
    unsigned long long est = 0xFFFFFFFFFFFFFFFFull;
    for (int r = 0; r < depth; r++) {
        unsigned long long v = counters[(size_t) r * width + bucket(ab, r, key61, width, magic)];
        est = v < est ? v : est;
    }
    out[i] = est;
}

// Decay: every counter shifted right by the number of half-life epochs crossed.
extern "C" __global__ void cms_shift(unsigned long long* __restrict__ counters, long long cells, int shift) {
    long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < cells) counters[i] >>= shift;
}
