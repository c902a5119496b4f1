package dev.runner.serve;

import dev.runner.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A results root made by the tests: a completed run, a running one (its lock held by this process, its
 * metrics.json grown by {@link #grow}), a crashed one, a failed one whose name, status and error are markup and
 * ANSI escapes, an LR range test, a damaged and a huge metrics.json, and a sweep of 6 trials over a learning rate
 * and a batch size.
 */
final class ResultsRoot {
    static final String EVIL_NAME = "<script>alert(1)</script>";
    static final String EVIL_DESCRIPTION = "<img src=x onerror=alert(2)> & \"quotes\"";
    static final String ANSI_ERROR = "\u001b[31mloss became NaN\u001b[0m";
    static final String ANSI_STATUS = "\u001b[1;31mfailed\u001b[0m";

    final Path root;
    final Path completed;
    final Path other;
    final Path running;
    final Path crashed;
    final Path evil;
    final Path rangeTest;
    final Path damaged;
    final Path huge;
    final Path sweep;
    int runningIterations;

    ResultsRoot(Path root) throws IOException {
        this.root = root;
        completed = run("origin", "20261201-100000", "completed", 3, 3, 40, 6, 1e-3, "The tutorial CNN");
        other = run("origin_wide", "20261201-110000", "completed", 3, 3, 40, 16, 2e-3, "Wider first convolution");
        writeRun(other, "origin_wide", "completed", 3, 3, 40, 16, 2e-3, 4, "Wider first convolution", 0.45);
        running = run("resnet9", "20261201-120000", "running", 10, 1, 40, 64, 5e-3, "Live");
        runningIterations = 40;
        dev.runner.results.RunLock.acquire(running);
        crashed = run("origin", "20261201-090000", "running", 4, 1, 40, 6, 1e-3, "Killed");
        evil = run("evil", "20261201-080000", "failed", 4, 1, 40, 6, 1e-3, EVIL_DESCRIPTION);
        String m = Files.readString(evil.resolve("metrics.json"));
        ObjectNode n = (ObjectNode) Json.MAPPER.readTree(m);
        n.put("name", EVIL_NAME);
        n.put("error", ANSI_ERROR);
        n.put("status", ANSI_STATUS);
        Files.writeString(evil.resolve("metrics.json"), Json.MAPPER.writeValueAsString(n));
        rangeTest = Files.createDirectories(root.resolve("resnet9_lrfind/20261201-075000"));
        ObjectNode rt = Json.MAPPER.createObjectNode();
        rt.put("name", "resnet9_lrfind");
        rt.put("status", "completed");
        ArrayNode rlr = rt.putArray("lr");
        ArrayNode rl = rt.putArray("loss");
        ArrayNode rs = rt.putArray("smoothed_loss");
        for (int k = 0; k < 30; k++) {
            rlr.add(1e-5 * Math.pow(10, k / 6.0));
            rl.add(2.3 - 0.05 * k + (k > 24 ? 0.4 * (k - 24) : 0));
            rs.add(2.3 - 0.05 * k + (k > 24 ? 0.3 * (k - 24) : 0));
        }
        rt.putObject("suggestions").putObject("steepest").put("lr", 1e-3).put("iteration", 12).put("loss", 1.7);
        rt.put("default", "steepest");
        rt.put("suggested_lr", 1e-3);
        Files.writeString(rangeTest.resolve("lr_range_test.json"), Json.MAPPER.writeValueAsString(rt));
        damaged = Files.createDirectories(root.resolve("damaged/20261201-070000"));
        Files.writeString(damaged.resolve("metrics.json"), "{\"name\": \"damaged\", \"epochs\": [{\"epoch\": 1,");
        huge = Files.createDirectories(root.resolve("huge/20261201-060000"));
        try (RandomAccessFile f = new RandomAccessFile(huge.resolve("metrics.json").toFile(), "rw")) {
            f.setLength(2 * ResultsFiles.MAX_JSON);      // sparse: no disk used
        }
        sweep = Files.createDirectories(root.resolve("origin_sweep/sweep-20261201-050000"));
        ArrayNode trials = Json.MAPPER.createArrayNode();
        double[] lrs = {1e-4, 1e-3, 1e-2};
        int[] batches = {4, 8};
        int i = 0;
        for (double lr : lrs) {
            for (int b : batches) {
                i++;
                String name = String.format("%02d_lr=%s_batch_size=%d", i, dev.runner.results.HumanText.number(lr), b);
                Path t = trial(sweep.resolve(name), lr, b, i);
                ObjectNode o = trials.addObject();
                o.put("index", i);
                o.put("name", name);
                o.putObject("values").put("optimizer.sgd.lr", lr).put("data.batch_size", b);
                o.putArray("set").add("optimizer.sgd.lr=" + lr).add("data.batch_size=" + b);
                o.put("status", "completed");
                o.putNull("error");
                o.put("metric", metric(t));
                o.put("seconds", 10.0 + i);
            }
        }
        ObjectNode idx = Json.MAPPER.createObjectNode();
        idx.put("name", "origin_sweep");
        idx.put("file", "experiments/origin_sweep.yaml");
        idx.put("metric", "test_accuracy");
        idx.put("goal", "max");
        idx.putArray("keys").add("optimizer.sgd.lr").add("data.batch_size");
        idx.putArray("set");
        idx.put("executor", "workers 1");
        idx.putArray("command_line");
        idx.put("created", "2026-12-01T05:00:00Z");
        idx.set("trials", trials);
        Files.writeString(sweep.resolve("sweep.json"), Json.MAPPER.writeValueAsString(idx));
    }

    private Path trial(Path folder, double lr, int batch, int i) throws IOException {
        Files.createDirectories(folder);
        writeRun(folder, "origin_sweep", "completed", 1, 1, 20, 6, lr, batch, "trial " + i, 0.3 + 0.02 * i
                - (batch == 8 ? 0.05 : 0));
        return folder;
    }

    private static double metric(Path trial) throws IOException {
        return Json.MAPPER.readTree(trial.resolve("metrics.json").toFile()).path("final").path("test_accuracy")
                .asDouble();
    }

    private Path run(String name, String id, String status, int planned, int done, int ipe, int filters, double lr,
                     String description) throws IOException {
        Path folder = Files.createDirectories(root.resolve(name).resolve(id));
        writeRun(folder, name, status, planned, done, ipe, filters, lr, 4, description, 0.4);
        return folder;
    }

    static void writeRun(Path folder, String name, String status, int planned, int done, int ipe, int filters,
                         double lr, int batch, String description, double acc) throws IOException {
        Files.writeString(folder.resolve("experiment.yaml"), "name: " + name + "\ndescription: "
                + Json.MAPPER.writeValueAsString(description) + "\nseed: 42\nepochs: " + planned + "\ndata:\n"
                + "  dataset: cifar10\n  batch_size: " + batch + "\nmodel:\n  input: [3, 32, 32]\n  layers:\n"
                + "    - conv: {filters: " + filters + ", kernel: 5}\n    - relu\n    - flatten\n    - dense: 10\n"
                + "optimizer:\n  sgd: {lr: " + lr + ", momentum: 0.9}\n");
        Files.writeString(folder.resolve("provenance.json"), "{\"engine\": {\"engine\": \"onednn\", \"device\": "
                + "\"cpu\"}, \"precision\": {\"precision\": \"fp32\"}, \"start_time\": \"2026-12-01T10:00:00Z\"}");
        Files.writeString(folder.resolve("log.txt"), "epoch 1/" + planned + "\n");
        Files.writeString(folder.resolve("summary.txt"), "layer  type\nconv1  conv\nfc1    dense\n");
        write(folder, metrics(name, status, planned, done, ipe, done * ipe, lr, acc));
    }

    static ObjectNode metrics(String name, String status, int planned, int done, int ipe, int iterations, double lr,
                              double acc) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("name", name);
        m.put("status", status);
        m.putNull("error");
        m.put("epochs_planned", planned);
        m.put("iterations_per_epoch", ipe);
        List<String> classes = List.of("plane", "car", "bird");
        ArrayNode cs = m.putArray("classes");
        classes.forEach(cs::add);
        ArrayNode eps = m.putArray("epochs");
        for (int e = 1; e <= done; e++) {
            eps.addObject().put("epoch", e).put("train_loss", 2.0 - 0.3 * e).put("test_loss", 1.9 - 0.25 * e)
                    .put("test_accuracy", acc + 0.03 * e).put("train_accuracy", acc + 0.04 * e).put("lr", lr)
                    .put("seconds", 12.5);
        }
        ObjectNode it = m.putObject("iterations");
        ArrayNode loss = it.putArray("loss");
        ArrayNode lrs = it.putArray("lr");
        for (int i = 0; i < iterations; i++) {
            loss.add(2.3 * Math.exp(-i / 50.0) + 0.2 + 0.1 * Math.sin(i));
            lrs.add(lr);
        }
        if ("completed".equals(status)) {
            ObjectNode f = m.putObject("final");
            f.put("test_accuracy", acc + 0.03 * done);
            f.putNull("train_accuracy");
            f.putObject("per_class_accuracy").put("plane", 0.6).put("car", 0.7).put("bird", 0.3);
            f.putNull("train_per_class_accuracy");
            ArrayNode cm = f.putArray("confusion_matrix");
            cm.addArray().add(60).add(30).add(10);
            cm.addArray().add(20).add(70).add(10);
            cm.addArray().add(40).add(30).add(30);
        } else {
            m.putNull("final");
        }
        return m;
    }

    /** Writes metrics.json as the trainer does: a new file moved over the old one. */
    static void write(Path folder, ObjectNode m) throws IOException {
        Path tmp = folder.resolve("metrics.json.tmp");
        Files.writeString(tmp, Json.MAPPER.writeValueAsString(m));
        Files.move(tmp, folder.resolve("metrics.json"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /** The running run trains on: {@code more} iterations more in its metrics.json. */
    void grow(int more) throws IOException {
        runningIterations += more;
        write(running, metrics("resnet9", "running", 10, 1, 40, runningIterations, 5e-3, 0.4));
    }

    int iterations(Path folder) throws IOException {
        return Json.MAPPER.readTree(folder.resolve("metrics.json").toFile()).path("iterations").path("loss").size();
    }

    void close() {
        dev.runner.results.RunLock.release(running);
    }
}
