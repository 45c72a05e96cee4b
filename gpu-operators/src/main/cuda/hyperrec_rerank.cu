// Kernels of the ranking stages after the base score (issue 8): the 2-hop graph signal
// (GraphSignal: GraphSAGE-mean without weights over the user-item graph) and the multi-head
// attention reranker (AttentionReranker). Catalog rows come from the scorer's device mirror (fp32,
// leading dimension ld). Both mirror the CPU reference in gpu-operators' Java code; sums may be
// applied in another order (float atomics), so results agree within the contracts' tolerances.
#include <stdint.h>

// ---------------------------------------------------------------------------------------------
// Graph signal. userSum[u*dim+k] = sum of u's item embeddings; itemSum[c*dim+k] = sum over c's users
// of their mean vectors. The host groups pending edges by user: block b owns user segUser[b], whose
// items (old ones first, then the segment's new ones in insertion order) are nbr[segOff[b] ..
// segOff[b] + segDeg0[b] + segNew[b]). Each thread owns one dimension k, so a user's edges apply
// sequentially without block synchronisation; users run in parallel and meet only in itemSum's
// atomic adds (order-free sums).
extern "C" __global__ void graph_add_edges(const float* __restrict__ X, int ld, int dim,
        float* __restrict__ userSum, float* __restrict__ itemSum, const int* __restrict__ segUser,
        const int* __restrict__ segOff, const int* __restrict__ segDeg0, const int* __restrict__ segNew,
        const int* __restrict__ nbr) {
    int b = blockIdx.x;
    const int* items = nbr + segOff[b];
    int d0 = segDeg0[b];
    int added = segNew[b];
    float* s = userSum + (size_t) segUser[b] * dim;
    for (int k = threadIdx.x; k < dim; k += blockDim.x) {
        float sk = s[k];
        for (int e = 0; e < added; e++) {
            int d = d0 + e;
            int item = items[d];
            float old = d == 0 ? 0.0f : sk / (float) d;
            sk += X[(size_t) item * ld + k];
            float mean = sk / (float) (d + 1);
            float delta = mean - old;
            for (int j = 0; j < d; j++) {
                atomicAdd(itemSum + (size_t) items[j] * dim + k, delta);
            }
            atomicAdd(itemSum + (size_t) item * dim + k, mean);
        }
        s[k] = sk;
    }
}

// Rebuild from scratch (sums zeroed by the host): block b owns user segUser[b] with all its
// segDeg0[b] items at nbr[segOff[b] ..]; userSum = sum of the items' rows, then each item gets the mean.
extern "C" __global__ void graph_rebuild(const float* __restrict__ X, int ld, int dim,
        float* __restrict__ userSum, float* __restrict__ itemSum, const int* __restrict__ segUser,
        const int* __restrict__ segOff, const int* __restrict__ segDeg0, const int* __restrict__ nbr) {
    int b = blockIdx.x;
    const int* items = nbr + segOff[b];
    int d = segDeg0[b];
    float* s = userSum + (size_t) segUser[b] * dim;
    for (int k = threadIdx.x; k < dim; k += blockDim.x) {
        float sk = 0.0f;
        for (int j = 0; j < d; j++) sk += X[(size_t) items[j] * ld + k];
        s[k] = sk;
        float mean = d == 0 ? 0.0f : sk / (float) d;
        for (int j = 0; j < d; j++) atomicAdd(itemSum + (size_t) items[j] * dim + k, mean);
    }
}

// g(u, c_j) = (userSum[u] / du) . (itemSum[c_j] / dc_j), 0 when a degree is 0; one thread a candidate.
extern "C" __global__ void graph_score(const float* __restrict__ userSum, const float* __restrict__ itemSum,
        int dim, int user, int du, const int* __restrict__ items, const int* __restrict__ itemDeg, int n,
        float* __restrict__ out) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= n) return;
    int dc = itemDeg[j];
    if (du == 0 || dc == 0) {
        out[j] = 0.0f;
        return;
    }
    const float* a = userSum + (size_t) user * dim;
    const float* h = itemSum + (size_t) items[j] * dim;
    float dot = 0.0f;
    for (int k = 0; k < dim; k++) dot = fmaf(a[k], h[k], dot);
    out[j] = dot / ((float) du * (float) dc);
}

// ---------------------------------------------------------------------------------------------
// Attention reranker over one list of n candidates (AttentionReranker's Javadoc has the model).
// Projections: block j < n computes K_j = Wk x_j and V_j = Wv x_j; block n computes Q = Wq [user; ctx].
extern "C" __global__ void attn_project(const float* __restrict__ X, int ld, int dim, int qw,
        const int* __restrict__ items, int n, const float* __restrict__ query, const float* __restrict__ Wq,
        const float* __restrict__ Wk, const float* __restrict__ Wv, float* __restrict__ Q,
        float* __restrict__ K, float* __restrict__ V) {
    int j = blockIdx.x;
    if (j == n) {
        for (int r = threadIdx.x; r < dim; r += blockDim.x) {
            float acc = 0.0f;
            for (int c = 0; c < qw; c++) acc = fmaf(Wq[(size_t) r * qw + c], query[c], acc);
            Q[r] = acc;
        }
        return;
    }
    const float* x = X + (size_t) items[j] * ld;
    for (int r = threadIdx.x; r < dim; r += blockDim.x) {
        float ak = 0.0f;
        float av = 0.0f;
        for (int c = 0; c < dim; c++) {
            ak = fmaf(Wk[(size_t) r * dim + c], x[c], ak);
            av = fmaf(Wv[(size_t) r * dim + c], x[c], av);
        }
        K[(size_t) j * dim + r] = ak;
        V[(size_t) j * dim + r] = av;
    }
}

__device__ float block_reduce(float v, float* scratch, bool isMax) {
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int warps = (blockDim.x + 31) >> 5;
    for (int o = 16; o > 0; o >>= 1) {
        float other = __shfl_down_sync(0xffffffffu, v, o);
        v = isMax ? fmaxf(v, other) : v + other;
    }
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float r = scratch[0];
    for (int w = 1; w < warps; w++) r = isMax ? fmaxf(r, scratch[w]) : r + scratch[w];
    return r;
}

// One block: per head softmax over the candidates (alpha[h*n + j]), pooled values, o = Wo pooled,
// z = o + Q. Dynamic shared memory: n floats (logits) + dim floats (pooled) + 32 (reductions).
extern "C" __global__ void attn_pool(int dim, int heads, int n, const float* __restrict__ Q,
        const float* __restrict__ K, const float* __restrict__ V, const float* __restrict__ Wo,
        float* __restrict__ alpha, float* __restrict__ Z) {
    extern __shared__ float sh[];
    float* logits = sh;
    float* pooled = sh + n;
    float* scratch = pooled + dim;
    int dh = dim / heads;
    float invH = rsqrtf((float) dh);
    for (int h = 0; h < heads; h++) {
        int base = h * dh;
        float localMax = -INFINITY;
        for (int j = threadIdx.x; j < n; j += blockDim.x) {
            float l = 0.0f;
            for (int t = 0; t < dh; t++) l = fmaf(Q[base + t], K[(size_t) j * dim + base + t], l);
            l *= invH;
            logits[j] = l;
            localMax = fmaxf(localMax, l);
        }
        float mx = block_reduce(localMax, scratch, true);
        float localSum = 0.0f;
        for (int j = threadIdx.x; j < n; j += blockDim.x) {
            float e = expf(logits[j] - mx);
            logits[j] = e;
            localSum += e;
        }
        float sum = block_reduce(localSum, scratch, false);
        for (int j = threadIdx.x; j < n; j += blockDim.x) {
            float a = logits[j] / sum;
            logits[j] = a;
            alpha[(size_t) h * n + j] = a;
        }
        __syncthreads();
        for (int t = threadIdx.x; t < dh; t += blockDim.x) {
            float acc = 0.0f;
            for (int j = 0; j < n; j++) acc = fmaf(logits[j], V[(size_t) j * dim + base + t], acc);
            pooled[base + t] = acc;
        }
        __syncthreads();
    }
    for (int r = threadIdx.x; r < dim; r += blockDim.x) {
        float acc = 0.0f;
        for (int c = 0; c < dim; c++) acc = fmaf(Wo[(size_t) r * dim + c], pooled[c], acc);
        Z[r] = acc + Q[r];
    }
}

// s_j = Z . K_j / sqrt(dim); one thread a candidate.
extern "C" __global__ void attn_score(int dim, int n, const float* __restrict__ Z, const float* __restrict__ K,
        float* __restrict__ out) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= n) return;
    float acc = 0.0f;
    for (int r = 0; r < dim; r++) acc = fmaf(Z[r], K[(size_t) j * dim + r], acc);
    out[j] = acc * rsqrtf((float) dim);
}

// ---------------------------------------------------------------------------------------------
// Mixture-of-Logits scorer (MixtureOfLogits' Javadoc has the model). Item side, one thread per
// (row, output): out[row*f + o] = B_o . x for o < R*c, else Gx_(o-R*c) . x (f = R*c + P*R).
extern "C" __global__ void mol_item_side(const float* __restrict__ X, int ld, int dim, int rows,
        const float* __restrict__ B, const float* __restrict__ Gx, int rc, int f, float* __restrict__ out) {
    long long idx = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (long long) rows * f) return;
    int row = (int) (idx / f);
    int o = (int) (idx - (long long) row * f);
    const float* w = o < rc ? B + (size_t) o * dim : Gx + (size_t) (o - rc) * dim;
    const float* x = X + (size_t) row * ld;
    float acc = 0.0f;
    for (int k = 0; k < dim; k++) acc = fmaf(w[k], x[k], acc);
    out[idx] = acc;
}

// Query side, one thread per (query, output): A_o . q for o < P*c, else Gq_(o-P*c) . q + bias.
extern "C" __global__ void mol_query_side(const float* __restrict__ Q, int dim, int nq, const float* __restrict__ A,
        const float* __restrict__ Gq, const float* __restrict__ bias, int pc, int f, float* __restrict__ out) {
    int idx = blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= nq * f) return;
    int q = idx / f;
    int o = idx - q * f;
    const float* w = o < pc ? A + (size_t) o * dim : Gq + (size_t) (o - pc) * dim;
    const float* v = Q + (size_t) q * dim;
    float acc = o < pc ? 0.0f : bias[o - pc];
    for (int k = 0; k < dim; k++) acc = fmaf(w[k], v[k], acc);
    out[idx] = acc;
}

__device__ __forceinline__ unsigned long long mol_rank_key(float s, int idx) {
    if (s == 0.0f) s = 0.0f;
    unsigned int b = __float_as_uint(s);
    b = (b & 0x80000000u) ? ~b : (b | 0x80000000u);
    return ((unsigned long long) b << 32) | (unsigned long long) (0xFFFFFFFFu - (unsigned int) idx);
}

#define MOL_MAX_PAIRS 64

// phi(q, i) for every active, non-excluded item i of query q = blockIdx.y, written as rank keys
// (score bits, then the inverted index: hyperrec_score.cu's layout) to q's candidate row for
// topk_select (hyperrec_score.cu). Dynamic shared memory: the query side (P*c + P*R floats).
extern "C" __global__ void mol_scores(const float* __restrict__ qSide, const float* __restrict__ iSide, int n,
        int P, int R, int c, const unsigned char* __restrict__ valid, const int* __restrict__ exOff,
        const int* __restrict__ exIdx, unsigned long long* __restrict__ cand, int* __restrict__ cnt, int candCap) {
    extern __shared__ float qs[];
    int q = blockIdx.y;
    int pairs = P * R;
    int qf = P * c + pairs;
    int f = R * c + pairs;
    for (int o = threadIdx.x; o < qf; o += blockDim.x) qs[o] = qSide[(size_t) q * qf + o];
    __syncthreads();
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n || !valid[i]) return;
    int lo = exOff[q];
    int hi = exOff[q + 1] - 1;
    while (lo <= hi) {
        int mid = (lo + hi) >> 1;
        int v = exIdx[mid];
        if (v == i) return;
        if (v < i) lo = mid + 1; else hi = mid - 1;
    }
    const float* xs = iSide + (size_t) i * f;
    float l[MOL_MAX_PAIRS];
    float z[MOL_MAX_PAIRS];
    float mx = -INFINITY;
    for (int p = 0; p < P; p++) {
        for (int r = 0; r < R; r++) {
            int pr = p * R + r;
            float s = 0.0f;
            for (int t = 0; t < c; t++) s = fmaf(qs[p * c + t], xs[r * c + t], s);
            l[pr] = s;
            z[pr] = qs[P * c + pr] + xs[R * c + pr];
            mx = fmaxf(mx, z[pr]);
        }
    }
    float sum = 0.0f;
    float phi = 0.0f;
    for (int pr = 0; pr < pairs; pr++) {
        float e = expf(z[pr] - mx);
        sum += e;
        phi = fmaf(e, l[pr], phi);
    }
    phi /= sum;
    int pos = atomicAdd(&cnt[q], 1);
    if (pos < candCap) cand[(size_t) q * candCap + pos] = mol_rank_key(phi, i);
}
