package dev.runner.results;

import dev.runner.Json;
import dev.runner.AtomicFiles;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * {@code provenance.json}: where a run's numbers came from. Written when the run starts (end_time null) and again
 * when it ends; a resumed run appends to {@code resumes}.
 *
 * <p>The runner version comes from a resource filtered at build time ({@code dev/runner/results/build.properties});
 * the git commit from {@code git rev-parse HEAD} run in the directory of the jar (or classes) the runner was loaded
 * from, with {@code git_dirty} from {@code git status --porcelain}: null when that is not a git checkout.
 */
public final class Provenance {
    private static final ObjectMapper JSON = Json.MAPPER;

    /**
     * What only the caller knows.
     *
     * @param seed        the experiment's seed
     * @param dataRoot    the data root (may be null)
     * @param dataFiles   the data files read, each hashed with SHA-256
     * @param commandLine the command line, one argument per element
     * @param backend     the ND4J backend and native classifier (the model helper's {@code Backend.describe()})
     */
    public record Input(long seed, Path dataRoot, List<Path> dataFiles, List<String> commandLine,
                        Map<String, Object> backend) {}

    private Provenance() {
    }

    /** Writes a fresh provenance.json for a run starting at {@code start}. */
    public static ObjectNode start(Path folder, Input in, Instant start) {
        ObjectNode n = JSON.createObjectNode();
        n.put("runner_version", runnerVersion());
        GitInfo git = gitInfo();
        n.put("git_commit", git.commit);
        if (git.dirty == null) {
            n.putNull("git_dirty");
        } else {
            n.put("git_dirty", git.dirty);
        }
        n.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ", "
                + System.getProperty("java.vm.name") + ")");
        n.put("dl4j_version", mavenVersion("org.deeplearning4j", "deeplearning4j-nn"));
        n.put("nd4j_version", mavenVersion("org.nd4j", "nd4j-api"));
        n.set("backend", JSON.valueToTree(in.backend() == null ? Map.of() : in.backend()));
        n.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        n.put("cpu", cpuModel());
        n.put("threads", Runtime.getRuntime().availableProcessors());
        String omp = System.getenv("OMP_NUM_THREADS");
        if (omp == null) {
            n.putNull("omp_num_threads");
        } else {
            n.put("omp_num_threads", omp);
        }
        n.put("seed", in.seed());
        n.put("data_root", in.dataRoot() == null ? null : in.dataRoot().toAbsolutePath().toString());
        ArrayNode files = n.putArray("data_files");
        for (Path p : in.dataFiles() == null ? List.<Path>of() : in.dataFiles()) {
            ObjectNode f = files.addObject();
            f.put("path", p.toString());
            f.put("sha256", sha256(p));
        }
        ArrayNode cmd = n.putArray("command_line");
        (in.commandLine() == null ? List.<String>of() : in.commandLine()).forEach(cmd::add);
        n.put("start_time", start.toString());
        n.putNull("end_time");
        n.putArray("resumes");
        write(folder, n);
        return n;
    }

    /** Records a resume of an existing run (its provenance.json is kept, the resume appended). */
    public static ObjectNode resume(Path folder, List<String> commandLine, Instant at) {
        ObjectNode n = read(folder);
        ArrayNode resumes = n.has("resumes") && n.get("resumes").isArray() ? (ArrayNode) n.get("resumes")
                : n.putArray("resumes");
        ObjectNode r = resumes.addObject();
        r.put("time", at.toString());
        GitInfo git = gitInfo();
        r.put("git_commit", git.commit);
        ArrayNode cmd = r.putArray("command_line");
        (commandLine == null ? List.<String>of() : commandLine).forEach(cmd::add);
        n.putNull("end_time");
        write(folder, n);
        return n;
    }

    /** Sets end_time. */
    public static void end(Path folder, Instant end) {
        ObjectNode n = read(folder);
        n.put("end_time", end.toString());
        write(folder, n);
    }

    /** Adds or replaces one top-level entry (e.g. which range-test run a learning rate came from). */
    public static void put(Path folder, String key, Object value) {
        ObjectNode n = read(folder);
        n.set(key, JSON.valueToTree(value));
        write(folder, n);
    }

    /** provenance.json of {@code folder}; a missing or damaged file is a one-line {@link dev.runner.UserError}. */
    public static ObjectNode read(Path folder) {
        Path file = folder.resolve(RunFolder.PROVENANCE);
        JsonNode n = dev.runner.ResultFiles.json(folder, RunFolder.PROVENANCE, dev.runner.ResultFiles.SMALL_LIMIT);
        if (n == null) {
            throw new dev.runner.UserError("cannot read " + file + ": no such file");
        }
        if (!(n instanceof ObjectNode o)) {
            throw new dev.runner.UserError("cannot read " + file + ": not a JSON object (damaged?)");
        }
        return o;
    }

    private static void write(Path folder, ObjectNode n) {
        try {
            AtomicFiles.writeString(folder.resolve(RunFolder.PROVENANCE), JSON.writeValueAsString(n) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The runner's version from the build-time filtered resource, or "unknown". */
    public static String runnerVersion() {
        try (InputStream in = Provenance.class.getResourceAsStream("/dev/runner/results/build.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown";
    }

    /** The version of a Maven artifact on the class path (from its pom.properties), or null. */
    public static String mavenVersion(String groupId, String artifactId) {
        String res = "/META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
        try (InputStream in = Provenance.class.getResourceAsStream(res)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version");
            }
        } catch (IOException e) {
            // fall through
        }
        return null;
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    public static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file),
                MessageDigest.getInstance("SHA-256"))) {
            byte[] buf = new byte[1 << 16];
            while (in.read(buf) >= 0) {
                // digesting
            }
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hash " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    record GitInfo(String commit, Boolean dirty) {}

    private static GitInfo cached;

    static synchronized GitInfo gitInfo() {
        if (cached == null) {
            cached = computeGitInfo();
        }
        return cached;
    }

    private static GitInfo computeGitInfo() {
        Path dir;
        try {
            Path loc = Path.of(Provenance.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            dir = Files.isDirectory(loc) ? loc : loc.getParent();
        } catch (Exception e) {
            return new GitInfo(null, null);
        }
        String commit = git(dir, "rev-parse", "HEAD");
        if (commit == null || !commit.matches("[0-9a-f]{40}")) {
            return new GitInfo(null, null);
        }
        String status = git(dir, "status", "--porcelain", "--untracked-files=no");
        return new GitInfo(commit, status == null ? null : !status.isBlank());
    }

    private static String git(Path dir, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        return output(cmd, GIT_TIMEOUT_MS);
    }

    /** How long a git lookup may take before provenance goes without it. */
    static final long GIT_TIMEOUT_MS = 10_000;

    /**
     * The trimmed standard output of {@code cmd}, or null when it fails or takes longer than {@code timeoutMs}
     * (then it is killed). The output goes to a temporary file, not a pipe, so a command that hangs without
     * writing cannot block the wait.
     */
    static String output(List<String> cmd, long timeoutMs) {
        Path out = null;
        Process p = null;
        try {
            out = Files.createTempFile("runner-cmd", ".out");
            p = new ProcessBuilder(cmd).redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? Files.readString(out, StandardCharsets.UTF_8).trim() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (p != null) {
                p.destroyForcibly();
            }
            return null;
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException e) {
                    // a temporary file
                }
            }
        }
    }
}
