package dev.runner.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BackendFailureTest {
    @Test
    void cudaJarWithoutDriverSaysWhatIsMissingAndWhatToDo() {
        Throwable t = new ExceptionInInitializerError(new RuntimeException("no backend",
                new UnsatisfiedLinkError("/root/.javacpp/cache/runner.jar/org/bytedeco/cuda/linux-x86_64/"
                        + "libjnicudart.so: libcuda.so.1: cannot open shared object file: No such file or directory")));
        String msg = Backend.backendFailure(t, "nd4j-cuda-11.6", "");
        assertThat(msg).startsWith("the CUDA backend (nd4j-cuda-11.6) could not start: libcuda.so.1 not found.")
                .contains("NVIDIA GPU").contains("--device cpu").doesNotContain("\n");
    }

    @Test
    void cpuFailureNamesTheBackend() {
        assertThat(Backend.backendFailure(new RuntimeException("x"), "nd4j-native", ""))
                .isEqualTo("the ND4J CPU backend (nd4j-native) could not start (is this a linux-x86_64 machine with"
                        + " AVX2? see docs/speed.md)");
    }

    @Test
    void whatTheBackendPrintedCountsToo() {
        String printed = "java.lang.UnsatisfiedLinkError: /x/libjnicudart.so: libcuda.so.1: cannot open shared object"
                + " file: No such file or directory\n";
        assertThat(Backend.backendFailure(new RuntimeException("no backend"), "nd4j-cuda-11.6", printed))
                .startsWith("the CUDA backend (nd4j-cuda-11.6) could not start: libcuda.so.1 not found.");
    }

    @Test
    void aCudaJarThatFallsBackToTheCpuSaysWhyInOneLine() {
        // what JCublasBackend.isAvailable() prints (a stack trace) before ND4J skips it for the CPU backend
        String printed = "java.lang.UnsatisfiedLinkError: no jnicudart in java.library.path\n\tat java.base/...\n"
                + "Caused by: java.lang.UnsatisfiedLinkError: /root/.javacpp/cache/runner.jar/org/bytedeco/cuda/"
                + "linux-x86_64/libjnicudart.so: libcudart.so.11.0: cannot open shared object file: No such file\n";
        assertThat(Backend.cudaFallback(printed)).isEqualTo("CUDA did not start (libcudart.so.11.0 not found): running"
                + " on the CPU with the oneDNN engine (--device cpu skips trying CUDA)");
        assertThat(Backend.cudaFallback("java.lang.RuntimeException: No CUDA devices were found in system\n"))
                .startsWith("CUDA did not start (no CUDA device found)");
        assertThat(Backend.cudaFallback("")).startsWith("CUDA did not start (no usable NVIDIA GPU)");
    }

    @Test
    void aDeviceIsChosenByShowingNd4jOneBackend(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path services = dir.resolve(Backend.BACKEND_SERVICES);
        java.nio.file.Files.createDirectories(services.getParent());
        java.nio.file.Files.writeString(services, Backend.CPU_BACKEND + "\n" + Backend.CUDA_BACKEND + "\n");
        try (java.net.URLClassLoader both = new java.net.URLClassLoader(new java.net.URL[] {dir.toUri().toURL()}, null)) {
            for (String backend : java.util.List.of(Backend.CPU_BACKEND, Backend.CUDA_BACKEND)) {
                ClassLoader one = new Backend.OneBackendLoader(both, backend);
                java.util.List<String> listed = new java.util.ArrayList<>();
                for (java.net.URL u : java.util.Collections.list(one.getResources(Backend.BACKEND_SERVICES))) {
                    try (java.io.InputStream in = u.openStream()) {
                        listed.addAll(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList());
                    }
                }
                assertThat(listed).containsExactly(backend);
            }
        }
    }

    @Test
    void cudaOnAJarWithoutItIsAFlagError() {
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Backend.useDevice("cuda")))
                .isInstanceOf(dev.runner.UserError.class)
                .hasMessage("--device cuda: this runner.jar has no CUDA backend (build it with mvn -Pcuda package;"
                        + " see docs/speed.md)");
    }

    @Test
    void thisBuildKnowsItsBackend() {
        assertThat(Backend.builtBackend()).isEqualTo("nd4j-native");
    }
}
