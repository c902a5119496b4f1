package dev.runner.model;

import static dev.runner.model.TestSpecs.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runner.UserError;
import dev.runner.spec.ModelSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Sgd;

/** Opening a crafted model.zip runs nothing: foreign entries and foreign classes are refused first. */
class ModelZipTest {
    private static final CompileOptions OPTIONS = new CompileOptions(3, new Sgd(0.1), 0, "NCHW");

    @BeforeEach
    void clearTraces() {
        System.clearProperty(tripwire.Deserialized.PROPERTY);
        System.clearProperty(tripwire.Loaded.PROPERTY);
    }

    private static ModelSpec spec() {
        return create().add("conv", conv(2, 3, 1, 1, true)).add("relu", relu()).add("flatten", flatten())
                .add("fc", dense(3)).build(1, 4, 4);
    }

    /** A model.zip as the runner writes it; returns its entries by name. */
    private static Map<String, byte[]> written(Path dir) throws Exception {
        Network net = ModelCompiler.computationGraph().compile(spec(), OPTIONS);
        Path f = dir.resolve("plain.zip");
        ModelSerializer.writeModel(net.graph(), f.toFile(), true);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(f))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        return entries;
    }

    private static Path zip(Path file, Map<String, byte[]> entries) throws Exception {
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(file))) {
            for (var e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return file;
    }

    private static byte[] serialized(Object o) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(o);
        }
        return b.toByteArray();
    }

    @Test
    void readsWhatTheRunnerWrites(@TempDir Path dir) throws Exception {
        Map<String, byte[]> entries = written(dir);
        assertThat(ModelZip.ENTRIES).containsAll(entries.keySet());
        ComputationGraph g = ModelZip.read(zip(dir.resolve("m.zip"), entries), true);
        ComputationGraph ref = ModelSerializer.restoreComputationGraph(dir.resolve("plain.zip").toFile(), true);
        assertThat(g.params()).isEqualTo(ref.params());
        assertThat(g.getUpdater().getStateViewArray()).isEqualTo(ref.getUpdater().getStateViewArray());
        assertThat(g.getConfiguration().toJson()).isEqualTo(ref.getConfiguration().toJson());
    }

    @Test
    void anEntryTheRunnerNeverWritesIsRefusedBeforeAnythingIsDeserialized(@TempDir Path dir) throws Exception {
        Map<String, byte[]> entries = written(dir);
        entries.put("preprocessor.bin", serialized(new tripwire.Deserialized()));
        Path crafted = zip(dir.resolve("crafted.zip"), entries);
        assertThatThrownBy(() -> Networks.load(spec(), OPTIONS, crafted, true))
                .isInstanceOf(UserError.class)
                .hasMessage(crafted + ": refusing to read it: it holds an entry 'preprocessor.bin' that the runner"
                        + " never writes (a model.zip holds only coefficients.bin, configuration.json,"
                        + " noParams.marker, updaterState.bin)");
        assertThat(System.getProperty(tripwire.Deserialized.PROPERTY)).as("readObject ran").isNull();
    }

    @Test
    void aConfigurationNamingAForeignClassIsRefusedBeforeTheClassIsLoaded(@TempDir Path dir) throws Exception {
        Map<String, byte[]> entries = written(dir);
        String json = new String(entries.get(ModelZip.CONFIGURATION), StandardCharsets.UTF_8);
        UnaryOperator<String> foreign = s -> s.replaceFirst("\"@class\" ?: ?\"org\\.nd4j\\.linalg\\.activations\\.impl"
                + "\\.[A-Za-z]+\"", "\"@class\" : \"tripwire.Loaded\"");
        assertThat(foreign.apply(json)).isNotEqualTo(json);
        entries.put(ModelZip.CONFIGURATION, foreign.apply(json).getBytes(StandardCharsets.UTF_8));
        Path crafted = zip(dir.resolve("crafted.zip"), entries);
        assertThatThrownBy(() -> Networks.load(spec(), OPTIONS, crafted, true))
                .isInstanceOf(UserError.class)
                .hasMessage(crafted + ": refusing to read it: configuration.json names the class 'tripwire.Loaded',"
                        + " which is not DL4J's, ND4J's or the runner's");
        assertThat(System.getProperty(tripwire.Loaded.PROPERTY)).as("the class was loaded").isNull();
        // Jackson's array form of a type id is checked too
        assertThat(ModelZip.allowedClass("tripwire.Loaded")).isFalse();
        assertThatThrownBy(() -> ModelZip.checkClasses(crafted, "{\"a\": [\"tripwire.Loaded\", {}]}"))
                .hasMessageContaining("names the class 'tripwire.Loaded'");
    }

    @Test
    void theProcessRejectsEveryJavaSerializedClass() throws Exception {
        ModelZip.installSerialFilter();
        assertThat(java.io.ObjectInputFilter.Config.getSerialFilter()).isSameAs(ModelZip.filter());
        byte[] bytes = serialized(new tripwire.Deserialized());
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            assertThatThrownBy(in::readObject).isInstanceOf(InvalidClassException.class)
                    .hasMessageContaining("REJECTED");
        }
        assertThat(System.getProperty(tripwire.Deserialized.PROPERTY)).isNull();
    }

    @Test
    void aMissingOrDamagedFileIsOneLine(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ModelZip.read(dir.resolve("none.zip"), true)).isInstanceOf(UserError.class)
                .hasMessageStartingWith("cannot read the network in ");
        Map<String, byte[]> entries = written(dir);
        entries.remove(ModelZip.COEFFICIENTS);
        Path partial = zip(dir.resolve("partial.zip"), entries);
        assertThatThrownBy(() -> ModelZip.read(partial, true)).isInstanceOf(UserError.class)
                .hasMessage(partial + ": not a model written by the runner (no configuration.json or"
                        + " coefficients.bin)");
    }

    @Test
    void aZipBombEntryIsRefusedInWordsNotAnEnumError(@TempDir Path dir) throws Exception {
        Map<String, byte[]> entries = written(dir);
        entries.put(ModelZip.COEFFICIENTS, new byte[64 << 20]);       // 64 MB of zeros: 64 KB compressed
        Path bomb = zip(dir.resolve("bomb.zip"), entries);
        assertThatThrownBy(() -> ModelZip.read(bomb, true)).isInstanceOf(UserError.class)
                .hasMessage(bomb + ": entry 'coefficients.bin' is not an array the runner wrote (damaged, or more"
                        + " than 16 MB when inflated)")
                .hasMessageNotContaining("enum");
    }
}
