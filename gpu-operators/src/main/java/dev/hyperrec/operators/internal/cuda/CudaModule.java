package dev.hyperrec.operators.internal.cuda;

import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import dev.hyperrec.operators.OperatorException;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

/** A PTX module loaded from the classpath ({@code ptx/<name>.ptx}) with {@code cuModuleLoadData}. */
public final class CudaModule implements AutoCloseable {
    private final String name;
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private volatile boolean closed;

    CudaModule(String name) {
        this.name = name;
        byte[] ptx = readResource("ptx/" + name + ".ptx");
        byte[] z = java.util.Arrays.copyOf(ptx, ptx.length + 1); // NUL-terminated image
        Cuda.check(cuModuleLoadData(module, z), "cuModuleLoadData", name + ".ptx, " + ptx.length + " bytes");
    }

    private static byte[] readResource(String path) {
        try (InputStream in = CudaModule.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new OperatorException("PTX resource " + path + " is missing from the classpath (run scripts/build-ptx.sh)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new OperatorException("reading PTX resource " + path + ": " + e.getMessage(), e);
        }
    }

    /** A kernel of this module (looked up once). */
    public synchronized CUfunction function(String kernel) {
        checkOpen();
        return functions.computeIfAbsent(kernel, k -> {
            CUfunction f = new CUfunction();
            Cuda.check(cuModuleGetFunction(f, module, k), "cuModuleGetFunction", name + "." + k);
            return f;
        });
    }

    public String name() {
        return name;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("CUDA module " + name + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Cuda.check(cuModuleUnload(module), "cuModuleUnload", name);
    }
}
