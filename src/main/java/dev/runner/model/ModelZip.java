package dev.runner.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runner.UserError;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.serde.JsonMappers;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.jsontype.BasicPolymorphicTypeValidator;
import org.nd4j.shade.jackson.databind.jsontype.PolymorphicTypeValidator;

/**
 * Reads a {@code model.zip} (a results folder's model, a checkpoint's model) without trusting it: results folders
 * are shared, so opening one must not run code.
 *
 * <ul>
 *   <li>Only the entries the runner writes (through {@code ModelSerializer.writeModel(graph, file, true)}) are
 *       accepted: {@link #ENTRIES}. Any other entry (DL4J's {@code preprocessor.bin} is a Java-serialized object,
 *       its legacy {@code updater.bin} too) is refused with one line before anything in the file is read.</li>
 *   <li>The classes {@code configuration.json} names ({@code "@class"}, and Jackson's array form
 *       {@code ["class", {...}]}) must be DL4J's, ND4J's or the runner's own ({@link #ALLOWED_PACKAGES}); checked on
 *       the JSON text before DL4J's mapper loads any class, and again by a subtype validator on DL4J's mappers.</li>
 *   <li>{@link #installSerialFilter()} installs a process-wide {@link ObjectInputFilter} that rejects every class: the
 *       runner deserializes no Java objects, so nothing a library might deserialize on its behalf gets through.
 *       The one exception is a sweep's Spark driver ({@link #allowSpark}), while it runs: Spark moves its tasks and
 *       results as Java objects. That JVM restores no model (the trials run in their own processes).</li>
 * </ul>
 * The parameters and updater state are ND4J's binary array format ({@code Nd4j.read}), not Java serialization.
 */
public final class ModelZip {
    public static final String CONFIGURATION = "configuration.json";
    public static final String COEFFICIENTS = "coefficients.bin";
    public static final String UPDATER_STATE = "updaterState.bin";
    public static final String NO_PARAMS = "noParams.marker";
    /** The entries ModelSerializer writes for a ComputationGraph saved with its updater; nothing else is read. */
    public static final Set<String> ENTRIES = Set.of(CONFIGURATION, COEFFICIENTS, UPDATER_STATE, NO_PARAMS);
    /** Packages whose classes a configuration may name. */
    public static final List<String> ALLOWED_PACKAGES = List.of("org.deeplearning4j.", "org.nd4j.", "dev.runner.");
    /** configuration.json larger than this is refused (the report's ResNet9 has ~40 kB). */
    static final long MAX_CONFIGURATION_BYTES = 16L << 20;

    private static final ObjectMapper TREE = new ObjectMapper();
    private static volatile boolean sparkRunning;
    private static final ObjectInputFilter REJECT_ALL = info -> info.serialClass() != null && !sparkRunning
            ? ObjectInputFilter.Status.REJECTED : ObjectInputFilter.Status.UNDECIDED;
    private static boolean mappersLimited;

    private ModelZip() {
    }

    /**
     * The process-wide serialization filter: every class is rejected (the runner deserializes no Java objects).
     * Set once per JVM; when another filter was set first (e.g. with {@code -Djdk.serialFilter}) that one stays.
     * Idempotent and cheap (no DL4J class is loaded): the CLI calls it at startup, {@link #read} before every
     * restore.
     */
    public static synchronized void installSerialFilter() {
        if (ObjectInputFilter.Config.getSerialFilter() == null) {
            try {
                ObjectInputFilter.Config.setSerialFilter(REJECT_ALL);
            } catch (IllegalStateException e) {
                // set meanwhile: keep it
            }
        }
    }

    /**
     * DL4J's JSON mappers resolve {@code "@class"} only within {@link #ALLOWED_PACKAGES}. A backstop to
     * {@link #checkClasses}: Jackson caches type deserializers, so it binds only a mapper that has not yet read a
     * configuration in this process (true for {@code run --resume}, which restores before it compiles anything).
     */
    private static synchronized void limitMappers() {
        if (mappersLimited) {
            return;
        }
        PolymorphicTypeValidator.Base allowed = new PolymorphicTypeValidator.Base() {
            @Override
            public Validity validateSubClassName(org.nd4j.shade.jackson.databind.cfg.MapperConfig<?> config,
                                                 org.nd4j.shade.jackson.databind.JavaType baseType,
                                                 String subClassName) {
                return allowedClass(subClassName) ? Validity.ALLOWED : Validity.DENIED;
            }

            @Override
            public Validity validateSubType(org.nd4j.shade.jackson.databind.cfg.MapperConfig<?> config,
                                            org.nd4j.shade.jackson.databind.JavaType baseType,
                                            org.nd4j.shade.jackson.databind.JavaType subType) {
                return allowedClass(subType.getRawClass().getName()) ? Validity.ALLOWED : Validity.DENIED;
            }
        };
        NeuralNetConfiguration.mapper().setPolymorphicTypeValidator(allowed);
        JsonMappers.getMapper().setPolymorphicTypeValidator(allowed);
        JsonMappers.getLegacyMapper().setPolymorphicTypeValidator(allowed);
        mappersLimited = true;
    }

    /**
     * Lets Java objects through the filter while a sweep's Spark context runs in this JVM ({@code true} when it
     * starts, {@code false} when it stops): Spark's tasks, results and messages are Java-serialized.
     */
    public static void allowSpark(boolean running) {
        sparkRunning = running;
    }

    /** The serialization filter {@link #installSerialFilter()} installs (tests compare against it). */
    static ObjectInputFilter filter() {
        return REJECT_ALL;
    }

    static boolean allowedClass(String name) {
        for (String p : ALLOWED_PACKAGES) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The graph in {@code file}, with its updater state when {@code withUpdater}.
     *
     * @throws UserError (one line, naming the file) when the file is not a model the runner wrote
     */
    public static ComputationGraph read(Path file, boolean withUpdater) {
        installSerialFilter();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Map<String, ZipEntry> entries = new HashMap<>();
            Enumeration<? extends ZipEntry> all = zip.entries();
            while (all.hasMoreElements()) {
                ZipEntry e = all.nextElement();
                if (!ENTRIES.contains(e.getName())) {
                    throw new UserError(file + ": refusing to read it: it holds an entry '" + printable(e.getName())
                            + "' that the runner never writes (a model.zip holds only " + String.join(", ",
                            ENTRIES.stream().sorted().toList()) + ")");
                }
                if (entries.put(e.getName(), e) != null) {
                    throw new UserError(file + ": refusing to read it: entry '" + e.getName() + "' appears twice");
                }
            }
            ZipEntry conf = entries.get(CONFIGURATION);
            ZipEntry coef = entries.get(COEFFICIENTS);
            if (conf == null || coef == null) {
                throw new UserError(file + ": not a model written by the runner (no " + CONFIGURATION + " or "
                        + COEFFICIENTS + ")");
            }
            if (conf.getSize() > MAX_CONFIGURATION_BYTES) {
                throw new UserError(file + ": " + CONFIGURATION + " is " + conf.getSize() + " bytes, more than a"
                        + " network configuration needs");
            }
            String json;
            try (InputStream in = zip.getInputStream(conf)) {
                byte[] bytes = in.readNBytes((int) MAX_CONFIGURATION_BYTES + 1);
                if (bytes.length > MAX_CONFIGURATION_BYTES) {
                    throw new UserError(file + ": " + CONFIGURATION + " is larger than a network configuration");
                }
                json = new String(bytes, StandardCharsets.UTF_8);
            }
            checkClasses(file, json);
            limitMappers();
            ComputationGraphConfiguration configuration;
            try {
                configuration = ComputationGraphConfiguration.fromJson(json);
            } catch (RuntimeException e) {
                throw new UserError(file + ": " + CONFIGURATION + " is not a network configuration ("
                        + firstLine(rootMessage(e)) + ")", e);
            }
            INDArray params = coef.getSize() == 0 && entries.containsKey(NO_PARAMS) ? null : array(zip, coef);
            INDArray updater = withUpdater && entries.containsKey(UPDATER_STATE)
                    ? array(zip, entries.get(UPDATER_STATE)) : null;
            if (params != null) {
                configuration.setDataType(params.dataType());
            }
            ComputationGraph graph = new ComputationGraph(configuration);
            graph.init(params, false);
            if (updater != null) {
                graph.getUpdater().setStateViewArray(updater);
            }
            return graph;
        } catch (UserError e) {
            throw e;
        } catch (IOException e) {
            throw new UserError("cannot read the network in " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new UserError("cannot read the network in " + file + ": " + firstLine(rootMessage(e)), e);
        }
    }

    /**
     * An array entry, read through a stream that stops at 20 times the entry's compressed size (at least 16 MB):
     * weights compress by less than 2x, a zip bomb by 1000x. A damaged array is a one-line {@link UserError}.
     */
    private static INDArray array(ZipFile zip, ZipEntry e) throws IOException {
        long limit = Math.max(16L << 20, 20 * Math.max(0, e.getCompressedSize()));
        InputStream bounded = org.apache.commons.io.input.BoundedInputStream.builder()
                .setInputStream(zip.getInputStream(e)).setMaxCount(limit).setPropagateClose(true).get();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(bounded))) {
            return Nd4j.read(in);
        } catch (RuntimeException | java.io.EOFException ex) {
            throw new UserError(zip.getName() + ": entry '" + e.getName() + "' is not an array the runner wrote"
                    + " (damaged, or more than " + (limit >> 20) + " MB when inflated)", ex);
        }
    }

    /** Refuses a configuration naming a class outside {@link #ALLOWED_PACKAGES}, before any class is loaded. */
    static void checkClasses(Path file, String json) {
        JsonNode root;
        try {
            root = TREE.readTree(json);
        } catch (IOException e) {
            throw new UserError(file + ": " + CONFIGURATION + " is not JSON (" + firstLine(e.getMessage()) + ")", e);
        }
        String bad = foreignClass(root);
        if (bad != null) {
            throw new UserError(file + ": refusing to read it: " + CONFIGURATION + " names the class '"
                    + printable(bad) + "', which is not DL4J's, ND4J's or the runner's");
        }
    }

    private static String foreignClass(JsonNode n) {
        if (n.isObject()) {
            var it = n.fields();
            while (it.hasNext()) {
                var f = it.next();
                if (f.getKey().equals("@class") && !(f.getValue().isTextual()
                        && allowedClass(f.getValue().asText()))) {
                    return f.getValue().asText(f.getValue().toString());
                }
                String bad = foreignClass(f.getValue());
                if (bad != null) {
                    return bad;
                }
            }
        } else if (n.isArray()) {
            // Jackson also takes a type id as ["class.Name", {...}]
            if (n.size() == 2 && n.get(0).isTextual() && n.get(1).isContainerNode()
                    && n.get(0).asText().matches("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)+")
                    && !allowedClass(n.get(0).asText())) {
                return n.get(0).asText();
            }
            for (JsonNode c : n) {
                String bad = foreignClass(c);
                if (bad != null) {
                    return bad;
                }
            }
        }
        return null;
    }

    private static String printable(String s) {
        String t = s.replaceAll("\\p{Cntrl}", "?");
        return t.length() > 120 ? t.substring(0, 120) + "..." : t;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
