package dev.runner.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The ND4J backend and DL4J's layer helpers. {@link #init()} turns on the fast path (oneDNN helpers for
 * convolution, batch norm and pooling on a oneDNN build); {@link #describe()} says what is in use.
 */
public final class Backend {
    /** DL4J's switch for layer helpers (oneDNN on CPU, cuDNN on GPU); DL4J M2.1 defaults it to "true". */
    public static final String HELPERS_DISABLE_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";

    /** System property overriding the number of native threads (OpenMP, oneDNN, OpenBLAS). */
    public static final String THREADS_PROPERTY = "runner.threads";

    private static boolean initialised;
    private static volatile int threads;
    private static final ThreadLocal<Boolean> THREAD_CONFIGURED = ThreadLocal.withInitial(() -> false);

    private Backend() {}

    /**
     * Idempotent; call before any layer is created (the compiler does; the CLI should, first thing). Enables DL4J's
     * layer helpers unless the user set {@value #HELPERS_DISABLE_PROPERTY} explicitly (the helpers also need the
     * shim class {@code org.nd4j.nativeblas.Nd4jCpu$Environment}, which this project ships), and sets the number of
     * native threads: {@value #THREADS_PROPERTY} if set, else {@code OMP_NUM_THREADS} if set (ND4J applies it
     * itself), else half the logical processors, at least 1. With two threads on two cores the OpenMP threads of
     * oneDNN and libnd4j, OpenBLAS's and the JVM's own oversubscribe the machine; one thread measured 4x faster on
     * a busy two-core machine (see the model helper's report).
     */
    public static synchronized void init() {
        if (initialised) return;
        if (System.getProperty(HELPERS_DISABLE_PROPERTY) == null) {
            System.setProperty(HELPERS_DISABLE_PROPERTY, "false");
        }
        threads = chooseThreads(System.getProperty(THREADS_PROPERTY), System.getenv("OMP_NUM_THREADS"),
                Runtime.getRuntime().availableProcessors());
        if (threads > 0) {
            Nd4j.getEnvironment().setMaxThreads(threads);
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
            try {
                Nd4j.factory().blas().setMaxThreads(threads);
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                // a backend without a settable BLAS (CUDA): nothing to do
            }
        }
        initialised = true;
        configureThread();
    }

    /**
     * The native thread count to use: the property if set (a positive integer), else 0 = leave it to ND4J when
     * OMP_NUM_THREADS is set, else half the processors, at least 1.
     *
     * @throws dev.runner.UserError when the property is not a positive integer
     */
    static int chooseThreads(String property, String ompEnv, int processors) {
        if (property != null) {
            try {
                int n = Integer.parseInt(property.trim());
                if (n > 0) return n;
            } catch (NumberFormatException ignored) {
                // fall through to the error
            }
            throw new dev.runner.UserError("-D" + THREADS_PROPERTY + " must be a positive integer, got '" + property + "'");
        }
        if (ompEnv != null && !ompEnv.isBlank()) return 0;
        return Math.max(1, processors / 2);
    }

    /**
     * Applies the thread count to the calling thread's OpenMP settings (OpenMP keeps them per thread; ND4J sets
     * them only on the thread that loaded it). Cheap after the first call on a thread; the network calls it on
     * every fit/output.
     */
    static void configureThread() {
        if (THREAD_CONFIGURED.get()) return;
        THREAD_CONFIGURED.set(true);
        int n = threads;
        if (n > 0) {
            try {
                org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(n);
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                // backend without OpenMP control: leave it
            }
        }
    }

    /** The native thread count in effect on the calling thread (OpenMP's max threads). */
    public static int threads() {
        init();
        try {
            return org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return Nd4j.getEnvironment().maxThreads();
        }
    }

    /** Runs {@code body} (which creates layers) with helpers switched off when {@code on} is false. */
    static synchronized void withHelpers(boolean on, Runnable body) {
        init();
        if (on) {
            body.run();
            return;
        }
        String before = System.getProperty(HELPERS_DISABLE_PROPERTY);
        System.setProperty(HELPERS_DISABLE_PROPERTY, "true");
        try {
            body.run();
        } finally {
            if (before == null) System.clearProperty(HELPERS_DISABLE_PROPERTY);
            else System.setProperty(HELPERS_DISABLE_PROPERTY, before);
        }
    }

    /** Whether the native build contains oneDNN ({@code HAVE_ONEDNN} in its build info). */
    public static boolean oneDnnCompiledIn() {
        String info = buildInfo();
        return info != null && info.contains("HAVE_ONEDNN");
    }

    /** Whether layers created now get oneDNN helpers. */
    public static boolean helpersEnabled() {
        init();
        return !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLE_PROPERTY, "true"))
                && "CPU".equalsIgnoreCase(backendName()) && oneDnnCompiledIn() && BaseMKLDNNHelper.mklDnnEnabled();
    }

    /** Backend, native build, helpers, threads, CPU and versions, for provenance.json and {@code runner bench}. */
    public static Map<String, Object> describe() {
        init();
        Map<String, Object> m = new LinkedHashMap<>();
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        m.put("backend", backendName());
        m.put("native_classifier", nativeClassifier());
        m.put("nd4j_version", nd4jVersion());
        m.put("onednn", oneDnnCompiledIn());
        m.put("helpers_enabled", helpersEnabled());
        m.put("blas_vendor", String.valueOf(env.getOrDefault("blas.vendor", "unknown")));
        m.put("threads", threads());
        m.put("blas_threads", blasThreads());
        m.put("omp_num_threads", System.getenv("OMP_NUM_THREADS"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpu", cpuModel());
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("build_info", buildInfo() == null ? null : buildInfo().strip().replaceAll("\\s*\\n\\s*", "; "));
        return m;
    }

    private static Integer blasThreads() {
        try {
            return Nd4j.factory().blas().getMaxThreads();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return null;
        }
    }

    static String backendName() {
        return Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend");
    }

    static String buildInfo() {
        try {
            return Nd4j.getBackend().buildInfo();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The classifier of the native library in use, e.g. linux-x86_64-onednn-avx2 (found from its resources). */
    static String nativeClassifier() {
        String platform = org.bytedeco.javacpp.Loader.getPlatform();
        String[] roots = {"org/nd4j/linalg/cpu/nativecpu/bindings/", "org/nd4j/nativeblas/"};
        String[] extensions = {"-onednn-avx512", "-onednn-avx2", "-onednn", "-avx512", "-avx2", "-compat", ""};
        ClassLoader cl = Backend.class.getClassLoader();
        for (String root : roots) {
            for (String ext : extensions) {
                if (cl.getResource(root + platform + ext + "/") != null) return platform + ext;
            }
        }
        return "unknown";
    }

    static String nd4jVersion() {
        try (InputStream in = Nd4j.class.getResourceAsStream("/META-INF/maven/org.nd4j/nd4j-api/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version");
            }
        } catch (IOException ignored) {
            // fall through
        }
        String v = Nd4j.class.getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }
}
