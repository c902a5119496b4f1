package dev.runner;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What the user reads for each kind of JVM error: one line, what ran out, what to do. */
class JvmErrorTest {
    @Test
    void eachErrorSaysWhatRanOutAndWhatToDo() {
        assertThat(JvmError.describe(new OutOfMemoryError("Java heap space"))).isEqualTo("out of memory (Java heap"
                + " space): give Java more with -Xmx (e.g. java -Xmx8g -jar runner.jar ...), or use a smaller"
                + " data.batch_size (--set data.batch_size=N)");
        assertThat(JvmError.describe(new OutOfMemoryError("Cannot allocate new FloatPointer(1000): totalBytes = 1G,"
                + " physicalBytes = 2G"))).startsWith("out of memory outside the Java heap (Cannot allocate")
                .contains("-Dorg.bytedeco.javacpp.maxbytes").contains("data.batch_size");
        assertThat(JvmError.describe(new OutOfMemoryError("unable to create native thread: possibly out of memory")))
                .startsWith("out of memory: cannot create another thread");
        assertThat(JvmError.describe(new StackOverflowError())).contains("-Xss");
        assertThat(JvmError.describe(new InternalError("a fault occurred\nin compiled code")))
                .isEqualTo("the Java VM failed: InternalError: a fault occurred (set RUNNER_DEBUG=1 for details)");
    }
}
