// User-embedding EMA update u <- normalise((1 - a) u + a w x), applied in batch order, in place on the
// device-resident user table (rows[row * dim ...]). The host groups the batch's events by user (a
// stable counting sort), so one thread block owns one user's segment and applies its events
// sequentially: the result equals event-by-event application even when a user repeats in the batch,
// and distinct users run in parallel. Only the batch (segments, row indices, items, weights) crosses
// the bus; the table's rows move only when the host reads them (rows_gather) or wrote them
// (rows_scatter).
//
// Arithmetic mirrors CpuEmbeddingUpdater: t_d = (1-a)*u_d + (a*w)*x_d in double with explicit
// round-to-nearest operations (no fma contraction, so t_d is bit-identical to Java's); the squared
// norm is a fixed-shape tree reduction in double (deterministic, but not Java's sequential order, so
// rows may differ from the CPU backend in the last float bit); u_d = (float)(t_d / sqrt(ss)).
//
// Snapshots: when evSlot is not null, an event with evSlot[e] >= 0 also copies the row it just wrote to
// snap[evSlot[e] * dim ...] (the same floats the table holds at that point), so that a caller who needs a
// user's row between two of its events gets it from one launch instead of one launch per repeat.
#include <stdint.h>

extern "C" __global__ void ema_update(float* __restrict__ rows, int dim, const int* __restrict__ segStart,
        const int* __restrict__ segRow, const int* __restrict__ evItem, const float* __restrict__ evWeight,
        const float* __restrict__ X, int ld, double alpha, const int* __restrict__ evSlot, float* __restrict__ snap) {
    extern __shared__ double sh[];
    double* t = sh;                 // dim
    double* warpSums = sh + dim;    // 32
    int s = blockIdx.x;
    float* u = rows + (size_t) segRow[s] * dim;
    double keep = 1.0 - alpha;
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int nWarps = (blockDim.x + 31) >> 5;
    for (int e = segStart[s]; e < segStart[s + 1]; e++) {
        const float* x = X + (size_t) evItem[e] * ld;
        double aw = __dmul_rn(alpha, (double) evWeight[e]);
        double part = 0.0;
        for (int d = threadIdx.x; d < dim; d += blockDim.x) {
            double v = __dadd_rn(__dmul_rn(keep, (double) u[d]), __dmul_rn(aw, (double) x[d]));
            t[d] = v;
            part = __dadd_rn(part, __dmul_rn(v, v));
        }
        for (int o = 16; o > 0; o >>= 1) part = __dadd_rn(part, __shfl_down_sync(0xffffffffu, part, o));
        if (lane == 0) warpSums[warp] = part;
        __syncthreads();
        double ss = 0.0;
        for (int w = 0; w < nWarps; w++) ss = __dadd_rn(ss, warpSums[w]);
        float* out = (evSlot != nullptr && evSlot[e] >= 0) ? snap + (size_t) evSlot[e] * dim : nullptr;
        if (ss > 0.0) {
            double norm = sqrt(ss);
            for (int d = threadIdx.x; d < dim; d += blockDim.x) {
                float v = (float) __ddiv_rn(t[d], norm);
                u[d] = v;
                if (out != nullptr) out[d] = v;
            }
        } else {
            for (int d = threadIdx.x; d < dim; d += blockDim.x) {
                float v = (float) t[d];
                u[d] = v;
                if (out != nullptr) out[d] = v;
            }
        }
        __syncthreads();
    }
}

// Host -> device: m staged rows (dense, dim floats each) into their table rows.
extern "C" __global__ void rows_scatter(float* __restrict__ table, int dim, const int* __restrict__ rowIdx,
        const float* __restrict__ staged, int m) {
    long long idx = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (long long) m * dim) return;
    int j = (int) (idx / dim);
    int d = (int) (idx - (long long) j * dim);
    table[(size_t) rowIdx[j] * dim + d] = staged[idx];
}

// Device -> host staging: m table rows gathered densely for one download.
extern "C" __global__ void rows_gather(const float* __restrict__ table, int dim, const int* __restrict__ rowIdx,
        float* __restrict__ staged, int m) {
    long long idx = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (long long) m * dim) return;
    int j = (int) (idx / dim);
    int d = (int) (idx - (long long) j * dim);
    staged[idx] = table[(size_t) rowIdx[j] * dim + d];
}
