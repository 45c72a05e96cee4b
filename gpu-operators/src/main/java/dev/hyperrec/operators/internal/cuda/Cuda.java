package dev.hyperrec.operators.internal.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;

import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/** Driver-call checking and the one-time probe (driver loads, a compute capability 9.0+ device exists). */
final class Cuda {
    /** PTX is built for compute_90: Hopper or newer. */
    static final int MIN_MAJOR = 9;

    private static volatile Probe probe;

    private Cuda() {
    }

    /** Result of probing the driver once per JVM. */
    record Probe(boolean usable, String reason, String deviceName, int major, int minor, int driverVersion, int smCount) {
    }

    static void check(int result, String operation) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(CUresult.stringFor(result), operation, null);
        }
    }

    static void check(int result, String operation, String detail) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(CUresult.stringFor(result), operation, detail);
        }
    }

    /** Probes once; never throws. */
    static Probe probe() {
        Probe p = probe;
        if (p == null) {
            synchronized (Cuda.class) {
                p = probe;
                if (p == null) {
                    p = doProbe();
                    probe = p;
                }
            }
        }
        return p;
    }

    private static Probe doProbe() {
        try {
            JCudaDriver.setExceptionsEnabled(false);
            int r = cuInit(0);
            if (r != CUresult.CUDA_SUCCESS) {
                return new Probe(false, "cuInit failed: " + CUresult.stringFor(r), null, 0, 0, 0, 0);
            }
            int[] count = new int[1];
            r = cuDeviceGetCount(count);
            if (r != CUresult.CUDA_SUCCESS || count[0] == 0) {
                return new Probe(false, "no CUDA device (" + CUresult.stringFor(r) + ", count " + count[0] + ")", null, 0, 0, 0, 0);
            }
            CUdevice dev = new CUdevice();
            check(cuDeviceGet(dev, 0), "cuDeviceGet");
            int[] v = new int[1];
            check(cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev), "cuDeviceGetAttribute");
            int major = v[0];
            check(cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev), "cuDeviceGetAttribute");
            int minor = v[0];
            check(cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev), "cuDeviceGetAttribute");
            int sms = v[0];
            byte[] name = new byte[256];
            check(cuDeviceGetName(name, name.length, dev), "cuDeviceGetName");
            String deviceName = new String(name, java.nio.charset.StandardCharsets.US_ASCII).trim();
            int nul = deviceName.indexOf('\0');
            if (nul >= 0) {
                deviceName = deviceName.substring(0, nul);
            }
            cuDriverGetVersion(v);
            int driver = v[0];
            if (major < MIN_MAJOR) {
                return new Probe(false, "device 0 (" + deviceName + ") has compute capability " + major + "." + minor
                        + ", the shipped PTX needs " + MIN_MAJOR + ".0 or newer", deviceName, major, minor, driver, sms);
            }
            return new Probe(true, "", deviceName, major, minor, driver, sms);
        } catch (Throwable t) { // UnsatisfiedLinkError / NoClassDefFoundError when libcuda is absent
            return new Probe(false, "CUDA driver not loadable: " + t, null, 0, 0, 0, 0);
        }
    }
}
