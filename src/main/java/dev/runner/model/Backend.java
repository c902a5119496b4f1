package dev.runner.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The ND4J backend (the device: {@link #device()}), its native threads, and {@link #describe()}: what is in use.
 */
public final class Backend {
    public static final String MAX_PHYSICAL_BYTES_PROPERTY = "org.bytedeco.javacpp.maxPhysicalBytes";

    /** System property fixing the number of native threads (OpenMP, oneDNN), instead of the adaptive choice. */
    public static final String THREADS_PROPERTY = "runner.threads";

    /**
     * Work per call, in multiply-accumulates, from which a call uses all threads; below it, one thread. Measured
     * on 2 cores: the tutorial CNN at batch 4 (8 M MACs per training step) ran 2x faster on one thread, ResNet9 at
     * batch 64 (12 G) 1.2-1.4x faster on two; on an AVX2 EPYC, the tutorial CNN's inference at batch 256 (167 M)
     * 1.35-1.5x faster on two (and as fast beside a busy core), bench/networks/tiny.yaml's at 256 (38 M) the same.
     */
    static final double PARALLEL_WORK_MACS = 1e8;

    private static boolean initialised;
    /** The device asked for ({@code --device}), or null: CUDA when the jar has it and it starts, else the CPU. */
    private static String requestedDevice;
    /** All threads the machine offers (or the user's fixed count). */
    private static volatile int maxThreads = 1;
    /** True when the user fixed the count (property or OMP_NUM_THREADS): no adaptive choice. */
    private static volatile boolean fixedThreads;
    private static volatile String waitPolicy;
    private static final ThreadLocal<int[]> THREAD_SETTING = ThreadLocal.withInitial(() -> new int[] {-1});

    private Backend() {}

    /**
     * Idempotent; call first thing in {@code main}, before anything touches ND4J (the compiler calls it too, which is
     * late for the wait policy). It
     * <ul>
     *   <li>sets {@code OMP_WAIT_POLICY=PASSIVE} in the process environment unless the user set it, when the native
     *   library is not loaded yet: idle OpenMP threads then sleep instead of spinning, which measured 2-5x faster
     *   with two threads on a busy two-core machine and no slower on a quiet one;</li>
     *   <li>turns off JavaCPP's physical-memory check ({@value #MAX_PHYSICAL_BYTES_PROPERTY}{@code =0}) unless the
     *   user set it: with it on, every native pointer ND4J allocates reads the process's resident size from
     *   {@code /proc}, which was 15 % of a batch-4 training step of the tutorial CNN (JFR). JavaCPP's other limit,
     *   {@code maxBytes}, still applies;</li>
     *   <li>chooses the native thread count: {@value #THREADS_PROPERTY} or {@code OMP_NUM_THREADS} when set, else
     *   per call, all processors for large work and one thread for small work (see {@link #threadsFor}).</li>
     * </ul>
     */
    /**
     * Asks for a device ({@code cpu} or {@code cuda}; null: the default) before {@link #init()} starts the backend.
     *
     * @throws dev.runner.UserError     for {@code cuda} when this jar has no CUDA backend
     * @throws IllegalStateException when the backend has started already on another device
     */
    public static synchronized void useDevice(String device) {
        if ("cuda".equals(device) && !builtBackend().contains("cuda")) {
            throw new dev.runner.UserError("--device cuda: this runner.jar has no CUDA backend (build it with"
                    + " mvn -Pcuda package; see docs/speed.md)", 2, null);
        }
        if (initialised && device != null && !device.equals(device())) {
            throw new IllegalStateException("the backend runs on " + device() + " already");
        }
        requestedDevice = device;
    }

    public static synchronized void init() {
        if (initialised) return;
        if (System.getProperty(MAX_PHYSICAL_BYTES_PROPERTY) == null
                && System.getProperty(MAX_PHYSICAL_BYTES_PROPERTY.toLowerCase(java.util.Locale.ROOT)) == null) {
            System.setProperty(MAX_PHYSICAL_BYTES_PROPERTY, "0");
        }
        waitPolicy = System.getenv("OMP_WAIT_POLICY");
        if (waitPolicy == null && !nativeLibraryLoaded() && Libc.setenv("OMP_WAIT_POLICY", "PASSIVE")) {
            waitPolicy = "PASSIVE";
        }
        int chosen = chooseThreads(System.getProperty(THREADS_PROPERTY));
        fixedThreads = chosen > 0;
        maxThreads = chosen > 0 ? chosen : Runtime.getRuntime().availableProcessors();
        if (chosen == 0 && System.getenv("OMP_NUM_THREADS") != null) {
            fixedThreads = true; // ND4J applies OMP_NUM_THREADS itself
            maxThreads = parsePositive(System.getenv("OMP_NUM_THREADS"), maxThreads);
        }
        startNativeBackend();
        Nd4j.getEnvironment().setMaxThreads(maxThreads);
        Nd4j.getEnvironment().setMaxMasterThreads(maxThreads);
        try {
            // dense layers of these CNNs are small: OpenBLAS's own spinning pool costs more than it gains
            Nd4j.factory().blas().setMaxThreads(fixedThreads ? maxThreads : 1);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            // a backend without a settable BLAS (CUDA): nothing to do
        }
        initialised = true;
        configureThread(maxThreads);
    }

    /**
     * The thread count fixed by {@value #THREADS_PROPERTY}, or 0 when it is not set (then OMP_NUM_THREADS, if set,
     * fixes it; otherwise the count is adaptive).
     *
     * @throws dev.runner.UserError when the property is not a positive integer
     */
    static int chooseThreads(String property) {
        if (property != null) {
            int n = parsePositive(property, -1);
            if (n > 0) return n;
            throw new dev.runner.UserError("-D" + THREADS_PROPERTY + " must be a positive integer, got '" + property + "'");
        }
        return 0;
    }

    private static int parsePositive(String s, int otherwise) {
        try {
            int n = Integer.parseInt(s.trim());
            return n > 0 ? n : otherwise;
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /** Threads for a call doing {@code macs} multiply-accumulates: the fixed count, or 1 / all by work size. */
    static int threadsFor(double macs) {
        if (fixedThreads) return maxThreads;
        return macs >= PARALLEL_WORK_MACS ? maxThreads : 1;
    }

    /**
     * Applies a thread count to the calling thread's OpenMP settings (OpenMP keeps them per thread; ND4J sets them
     * only on the thread that loaded it). A thread-local compare when nothing changes: the network calls it on
     * every fit and output.
     */
    static void configureThread(int n) {
        int[] current = THREAD_SETTING.get();
        if (current[0] == n) return;
        current[0] = n;
        try {
            org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(n);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            // backend without OpenMP control: leave it
        }
    }

    /** Whether libnd4j (and with it the OpenMP runtime) is already mapped into this process. */
    static boolean nativeLibraryLoaded() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                if (line.contains("libnd4j") || line.contains("libgomp") || line.contains("libomp")) return true;
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return true; // cannot tell: do not touch the environment
        }
    }

    /** setenv(3) through JNA (on the classpath with DL4J); false when unavailable. */
    static final class Libc {
        interface C extends com.sun.jna.Library {
            int setenv(String name, String value, int overwrite);
        }

        static boolean setenv(String name, String value) {
            try {
                C c = (C) com.sun.jna.Native.loadLibrary("c", C.class);
                return c.setenv(name, value, 1) == 0;
            } catch (RuntimeException | LinkageError e) {
                return false;
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

    /** Whether the native build contains oneDNN ({@code HAVE_ONEDNN} in its build info). */
    public static boolean oneDnnCompiledIn() {
        String info = buildInfo();
        return info != null && info.contains("HAVE_ONEDNN");
    }

    /** The device ND4J runs on: {@code cpu} or {@code cuda}. */
    public static String device() {
        init();
        return "CPU".equalsIgnoreCase(backendName()) ? "cpu" : "cuda";
    }

    /** Backend, native build, threads, CPU and versions, for provenance.json and {@code runner bench}. */
    public static Map<String, Object> describe() {
        init();
        Map<String, Object> m = new LinkedHashMap<>();
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        m.put("backend", backendName());
        m.put("device", device());
        m.put("backends_in_jar", builtBackend());
        if (fallbackNotice != null) m.put("device_fallback", fallbackNotice);
        m.put("native_classifier", nativeClassifier());
        m.put("nd4j_version", nd4jVersion());
        m.put("onednn", oneDnnCompiledIn());
        m.put("blas_vendor", String.valueOf(env.getOrDefault("blas.vendor", "unknown")));
        m.put("threads", fixedThreads ? String.valueOf(maxThreads) : "adaptive 1.." + maxThreads);
        m.put("omp_wait_policy", waitPolicy);
        m.put("blas_threads", blasThreads());
        m.put("omp_num_threads", System.getenv("OMP_NUM_THREADS"));
        m.put("javacpp_max_physical_bytes", org.bytedeco.javacpp.Pointer.maxPhysicalBytes());
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

    /** The service file through which ND4J finds its backends. */
    static final String BACKEND_SERVICES = "META-INF/services/org.nd4j.linalg.factory.Nd4jBackend";
    /** The one-line notice of a CUDA jar that fell back to the CPU, or null. */
    private static String fallbackNotice;

    /**
     * Loads ND4J's native backend on the device asked for ({@link #useDevice}). By default ND4J tries its
     * backends by priority, CUDA first when this jar has it ({@code -Pcuda}); when CUDA cannot start, the CPU
     * backend runs and one line on standard error says why. {@code cpu} hides the CUDA backend from ND4J;
     * {@code cuda} hides the CPU one, so a CUDA that cannot start is an error. A failure is turned into one line
     * that says what to do; what the backends print on their way is kept back.
     */
    private static void startNativeBackend() {
        String built = builtBackend();
        boolean hasCuda = built.contains("cuda");
        ClassLoader loader = org.nd4j.common.config.ND4JClassLoading.getNd4jClassloader();
        if (requestedDevice != null && hasCuda) {
            org.nd4j.common.config.ND4JClassLoading.setNd4jClassloader(
                    new OneBackendLoader(loader, requestedDevice.equals("cpu") ? CPU_BACKEND : CUDA_BACKEND));
        }
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream held = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(held, true));
        try {
            Nd4j.getBackend();
        } catch (Throwable t) {
            System.setErr(err);
            String tried = requestedDevice == null ? built : requestedDevice.equals("cpu") ? "nd4j-native" : "nd4j-cuda-11.6";
            throw new dev.runner.UserError(backendFailure(t, tried, held.toString()), t);
        } finally {
            System.setErr(err);
            org.nd4j.common.config.ND4JClassLoading.setNd4jClassloader(loader);
        }
        if (hasCuda && requestedDevice == null && "CPU".equalsIgnoreCase(backendName())) {
            fallbackNotice = cudaFallback(held.toString());
            err.println("runner: " + fallbackNotice);
        } else if (held.size() > 0) {
            err.print(held);
        }
    }

    static final String CPU_BACKEND = "org.nd4j.linalg.cpu.nativecpu.CpuBackend";
    static final String CUDA_BACKEND = "org.nd4j.linalg.jcublas.JCublasBackend";

    /** The notice of a CUDA jar running on the CPU: {@code printed} is what the CUDA backend printed as it failed. */
    static String cudaFallback(String printed) {
        String cause = cause(new java.util.ArrayList<>(printed.lines().toList()));
        return "CUDA did not start (" + (cause == null ? "no usable NVIDIA GPU" : cause)
                + "): running on the CPU with the oneDNN engine (--device cpu skips trying CUDA)";
    }

    /**
     * A class loader that shows ND4J one backend only: the backends' service file lists just {@code backend}.
     * Classes and every other resource come from {@code parent}.
     */
    static final class OneBackendLoader extends ClassLoader {
        private final String backend;

        OneBackendLoader(ClassLoader parent, String backend) {
            super(parent);
            this.backend = backend;
        }

        @Override
        public java.util.Enumeration<java.net.URL> getResources(String name) throws IOException {
            if (!name.equals(BACKEND_SERVICES)) return super.getResources(name);
            java.util.List<String> lines = new java.util.ArrayList<>();
            for (java.net.URL u : java.util.Collections.list(super.getResources(name))) {
                try (InputStream in = u.openStream()) {
                    for (String l : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\\R")) {
                        if (l.strip().equals(backend)) lines.add(backend);
                    }
                }
            }
            Path f = Files.createTempFile("runner-backend", ".services");
            f.toFile().deleteOnExit();
            Files.write(f, lines);
            return java.util.Collections.enumeration(java.util.List.of(f.toUri().toURL()));
        }
    }

    /** The ND4J backend this jar was built with ({@code nd4j-native} or {@code nd4j-cuda-11.6}). */
    public static String builtBackend() {
        try (java.io.InputStream in = Backend.class.getResourceAsStream("/dev/runner/results/build.properties")) {
            java.util.Properties p = new java.util.Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("backend", "nd4j-native");
        } catch (java.io.IOException e) {
            return "nd4j-native";
        }
    }

    /** One line for a backend that did not start: {@code printed} is what the backend printed on the way. */
    static String backendFailure(Throwable t, String built, String printed) {
        java.util.List<String> messages = new java.util.ArrayList<>(printed.lines().toList());
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null) messages.add(c.getMessage());
        }
        String cause = cause(messages);
        if (built.endsWith("cuda-11.6")) {
            return "the CUDA backend (" + built + ") could not start" + (cause == null ? "" : ": " + cause)
                    + ". It needs an NVIDIA GPU with its driver and CUDA 11.6 (see docs/speed.md); --device cpu runs"
                    + " on the CPU";
        }
        return "the ND4J CPU backend (" + built + ") could not start" + (cause == null ? "" : ": " + cause)
                + " (is this a linux-x86_64 machine with AVX2? see docs/speed.md)";
    }

    /** The first recognisable reason among a backend's messages: a missing library, or no GPU; null if none. */
    private static String cause(java.util.List<String> messages) {
        for (String m : messages) {
            int at = m.indexOf(": cannot open shared object file");
            if (at > 0) {
                String lib = m.substring(0, at);
                return lib.substring(lib.lastIndexOf(": ") + 2) + " not found";
            }
        }
        for (String m : messages) {
            if (m.contains("No CUDA devices were found")) return "no CUDA device found";
            if (m.contains("no jni") || m.contains("no jnicudart")) return m.strip();
        }
        return null;
    }
}
