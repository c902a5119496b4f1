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
                .contains("NVIDIA GPU").contains("without -Pcuda").doesNotContain("\n");
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
    void thisBuildKnowsItsBackend() {
        assertThat(Backend.builtBackend()).isEqualTo("nd4j-native");
    }
}
