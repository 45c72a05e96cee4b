package dev.hyperrec.operators;

import dev.hyperrec.operators.internal.cpu.CpuBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens an {@link OperatorBackend} by {@link BackendKind}:
 * <ul>
 *   <li>{@code cpu}: the plain-Java reference backend;</li>
 *   <li>{@code cuda}: the first usable {@link BackendProvider} of kind CUDA found by
 *       {@link ServiceLoader}; throws {@link OperatorException} if there is none or it fails to open;</li>
 *   <li>{@code auto}: CUDA when a provider is usable and opens, else CPU. The choice and its reason
 *       are logged at INFO (a failed CUDA open at WARN), never silently.</li>
 * </ul>
 */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    /** The option and JVM system property naming the ordinal of the device a CUDA backend opens on. */
    public static final String CUDA_DEVICE = "hyperrec.cuda.device";

    private Backends() {
    }

    /**
     * The CUDA device a backend opened with {@code options} uses: the option {@value #CUDA_DEVICE} when given (an app
     * instance's own device), else the JVM's system property of that name, else 0. The CUDA provider opens by this rule,
     * and whoever reports the device (metrics, benchmarks) reads it here.
     *
     * @throws OperatorException when the option or the property is not a device ordinal (an integer {@code >= 0})
     */
    public static int cudaDevice(Map<String, String> options) {
        String v = options.get(CUDA_DEVICE);
        if (v == null || v.isBlank()) {
            v = System.getProperty(CUDA_DEVICE);
        }
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            int d = Integer.parseInt(v.trim());
            if (d < 0) {
                throw new NumberFormatException("negative");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new OperatorException(CUDA_DEVICE + " must be a device ordinal (an integer >= 0), was '" + v + "'");
        }
    }

    /** Opens a backend of {@code kind}, discovering providers with {@link ServiceLoader}. */
    public static OperatorBackend open(BackendKind kind) {
        return open(kind, discover(), Map.of());
    }

    /**
     * Opens a backend of {@code kind} with per-backend {@code options} ({@link BackendProvider#open(Map)}; e.g.
     * {@code hyperrec.cuda.device}), discovering providers with {@link ServiceLoader}.
     */
    public static OperatorBackend open(BackendKind kind, Map<String, String> options) {
        return open(kind, discover(), options);
    }

    /**
     * Opens a backend of {@code kind} from the given providers (for tests and embedders that wire
     * providers by hand; {@link #open(BackendKind)} discovers them).
     */
    public static OperatorBackend open(BackendKind kind, Iterable<? extends BackendProvider> providers) {
        return open(kind, providers, Map.of());
    }

    /** Opens a backend of {@code kind} from the given providers, passing them {@code options}. */
    public static OperatorBackend open(BackendKind kind, Iterable<? extends BackendProvider> providers,
                                       Map<String, String> options) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(providers, "providers");
        Objects.requireNonNull(options, "options");
        switch (kind) {
            case CPU:
                LOG.info("operator backend: cpu");
                return new CpuBackend();
            case CUDA: {
                List<BackendProvider> cuda = ofKind(providers, BackendKind.CUDA);
                if (cuda.isEmpty()) {
                    throw new OperatorException("backend 'cuda' requested, but this build has no CUDA backend; use 'cpu' or 'auto'");
                }
                StringBuilder reasons = new StringBuilder();
                for (BackendProvider p : cuda) {
                    if (p.isUsable()) {
                        OperatorBackend b = p.open(options);
                        LOG.info("operator backend: {}", b.name());
                        return b;
                    }
                    reasons.append(reasons.length() == 0 ? "" : "; ").append(p.unusableReason());
                }
                throw new OperatorException("backend 'cuda' requested, but no CUDA device is usable: " + reasons + "; use 'cpu' or 'auto'");
            }
            case AUTO: {
                List<BackendProvider> cuda = ofKind(providers, BackendKind.CUDA);
                String why = "no CUDA backend in this build";
                for (BackendProvider p : cuda) {
                    boolean usable;
                    try {
                        usable = p.isUsable();
                    } catch (RuntimeException e) {
                        usable = false;
                        LOG.warn("operator backend: probing the CUDA backend failed", e);
                    }
                    if (!usable) {
                        why = "CUDA not usable: " + firstLine(p.unusableReason());
                        continue;
                    }
                    try {
                        OperatorBackend b = p.open(options);
                        LOG.info("operator backend: {} (auto)", b.name());
                        return b;
                    } catch (RuntimeException e) {
                        why = "CUDA backend failed to open: " + e.getMessage();
                        LOG.warn("operator backend: CUDA backend failed to open, falling back to cpu", e);
                    }
                }
                LOG.info("operator backend: cpu (auto: {})", why);
                return new CpuBackend();
            }
            default:
                throw new OperatorException("unknown backend kind " + kind);
        }
    }

    private static List<BackendProvider> discover() {
        List<BackendProvider> out = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
            out.add(p);
        }
        return out;
    }

    private static List<BackendProvider> ofKind(Iterable<? extends BackendProvider> providers, BackendKind kind) {
        List<BackendProvider> out = new ArrayList<>();
        for (BackendProvider p : providers) {
            if (p.kind() == kind) {
                out.add(p);
            }
        }
        return out;
    }

    /** Native loaders put whole stack traces into their messages; a log line needs the first line. */
    private static String firstLine(String reason) {
        if (reason == null) {
            return "unknown reason";
        }
        int nl = reason.indexOf('\n');
        return nl < 0 ? reason : reason.substring(0, nl).strip() + " …";
    }
}
