package org.nd4j.nativeblas;

import java.lang.reflect.Method;

/**
 * Compatibility shim for DL4J 1.0.0-M2.1: {@code BaseMKLDNNHelper.mklDnnEnabled()} looks up
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment#isUseMKLDNN} by reflection, but M2.1 ships the class as
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} with {@code isUseONEDNN}; the failed lookup
 * is swallowed and every oneDNN layer helper silently stays off. This class answers under the old name. It reaches
 * the real class by reflection so the project still compiles against other backends (CUDA), and answers true only
 * when the native build really contains oneDNN.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {}

    public static final class Environment {
        private static final Environment INSTANCE = new Environment();
        private static volatile Boolean useOneDnn;

        private Environment() {}

        public static Environment getInstance() {
            return INSTANCE;
        }

        public boolean isUseMKLDNN() {
            Boolean v = useOneDnn;
            if (v == null) {
                v = compute();
                useOneDnn = v;
            }
            return v;
        }

        private static boolean compute() {
            try {
                String info = org.nd4j.linalg.factory.Nd4j.getBackend().buildInfo();
                if (info == null || !info.contains("HAVE_ONEDNN")) return false;
                Class<?> real = Class.forName("org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment");
                Object env = real.getMethod("getInstance").invoke(null);
                Method m = real.getMethod("isUseONEDNN");
                return (Boolean) m.invoke(env);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                return false;
            }
        }
    }
}
