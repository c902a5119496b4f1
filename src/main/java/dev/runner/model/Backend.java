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

    private static boolean initialised;

    private Backend() {}

    /**
     * Idempotent; call before any layer is created (the compiler does). Enables DL4J's layer helpers unless the
     * user set {@value #HELPERS_DISABLE_PROPERTY} explicitly. The helpers also need the shim class
     * {@code org.nd4j.nativeblas.Nd4jCpu$Environment}, which this project ships.
     */
    public static synchronized void init() {
        if (initialised) return;
        if (System.getProperty(HELPERS_DISABLE_PROPERTY) == null) {
            System.setProperty(HELPERS_DISABLE_PROPERTY, "false");
        }
        initialised = true;
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
        m.put("threads", Nd4j.getEnvironment().maxThreads());
        m.put("master_threads", Nd4j.getEnvironment().maxMasterThreads());
        m.put("omp_num_threads", System.getenv("OMP_NUM_THREADS"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpu", cpuModel());
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("build_info", buildInfo() == null ? null : buildInfo().strip().replaceAll("\\s*\\n\\s*", "; "));
        return m;
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
