package dev.hyperrec.operators.internal.cuda;

import dev.hyperrec.operators.internal.OperatorChecks;

import dev.hyperrec.operators.ThompsonSampler;
import dev.hyperrec.operators.random.BetaSampler;
import java.nio.ByteBuffer;
import jcuda.driver.CUfunction;

/**
 * Thompson sampling on the device: one thread per candidate runs the CUDA port of
 * {@link BetaSampler} (Beta through two Marsaglia–Tsang Gamma draws over Philox4x32-10, same counter
 * layout), so the same {@code (seed, streamKey, itemKey, alpha, beta)} gives the CPU reference's draw
 * within 1e-5 (in practice to the last float bit except at vanishingly rare accept boundaries).
 * Thread affinity: one thread at a time; binds the context at each call.
 */
final class CudaThompsonSampler extends CudaOperator implements ThompsonSampler {
    private final long seed;
    private final CUfunction kernel;
    private PinnedBuffer hIn;
    private PinnedBuffer hOut;
    private DeviceBuffer dIn;
    private DeviceBuffer dOut;
    private final CudaTimer timer = own(new CudaTimer());
    private final CudaTimer kernelTimer = own(new CudaTimer());
    private float lastDeviceMillis;
    private float lastKernelMillis;

    CudaThompsonSampler(CudaBackend backend, long seed) {
        super(backend, "thompson sampler");
        this.seed = seed;
        this.kernel = backend.thompsonModule().function("thompson_beta");
    }

    /** Device time of the last call (uploads, kernel, download), in ms. */
    float lastDeviceMillis() {
        return lastDeviceMillis;
    }

    /** Device time of the last call's kernel alone (inputs already on the device), in ms. */
    float lastKernelMillis() {
        return lastKernelMillis;
    }

    @Override
    public void sample(long streamKey, long[] itemKeys, double[] alpha, double[] beta, int n, float[] out) {
        checkOpen();
        OperatorChecks.sampleCall(itemKeys, alpha, beta, n, out);
        if (n == 0) {
            return;
        }
        enter();
        long bytes = (long) n * 24;
        hIn = pinned(hIn, bytes, "inputs");
        hOut = pinned(hOut, (long) n * 4, "draws");
        dIn = device(dIn, bytes, "inputs");
        dOut = device(dOut, (long) n * 4, "draws");
        ByteBuffer b = hIn.buffer();
        b.asLongBuffer().put(0, itemKeys, 0, n);
        b.position(n * 8);
        b.slice().order(b.order()).asDoubleBuffer().put(0, alpha, 0, n);
        b.position(n * 16);
        b.slice().order(b.order()).asDoubleBuffer().put(0, beta, 0, n);
        b.position(0);
        long key = BetaSampler.philoxKey(seed, streamKey);
        timer.start(stream);
        dIn.upload(hIn, 0, 0, bytes, stream);
        kernelTimer.start(stream);
        launch(kernel, "thompson_beta", blocks(n, 128), 1, 128, 0, "candidates " + n,
                roundKeys(key), dIn, dIn.at((long) n * 8), dIn.at((long) n * 16), n, dOut);
        kernelTimer.stop(stream);
        dOut.download(hOut, 0, 0, (long) n * 4, stream);
        timer.stop(stream);
        stream.synchronize("thompson_beta of " + n + " candidates");
        lastDeviceMillis = timer.millis();
        lastKernelMillis = kernelTimer.millis();
        hOut.buffer().asFloatBuffer().get(0, out, 0, n);
    }

    /** Philox4x32-10's round keys for a 64-bit key (kernel struct RoundKeys: k0[10], then k1[10]). */
    static int[] roundKeys(long key) {
        int[] rk = new int[20];
        int k0 = (int) key;
        int k1 = (int) (key >>> 32);
        for (int r = 0; r < 10; r++) {
            rk[r] = k0;
            rk[10 + r] = k1;
            k0 += 0x9E3779B9;
            k1 += 0xBB67AE85;
        }
        return rk;
    }
}
