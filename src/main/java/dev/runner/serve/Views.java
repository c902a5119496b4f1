package dev.runner.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runner.Json;
import dev.runner.results.Diff;
import dev.runner.results.HumanText;
import dev.runner.results.RunFolder;
import dev.runner.results.RunReader;
import dev.runner.results.SweepFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The JSON the pages read, built from {@link Catalog} entries: the runs list, one run, one sweep. The same
 * documents are served by {@code runner serve} ({@code /api/...}) and written by {@code report --html}
 * ({@code data/*.js}). Numbers that are not finite are null (JSON has no NaN); every text is sent as text and the
 * page shows it as text.
 */
final class Views {
    /** How much of log.txt the run page shows. */
    static final int LOG_TAIL = 16 << 10;

    private final Catalog catalog;

    Views(Catalog catalog) {
        this.catalog = catalog;
    }

    /** The Runs page: every run and sweep, newest first. */
    ObjectNode runs(Catalog.Snapshot snap, boolean live) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("root", catalog.files().root().getFileName() == null ? "/"
                : catalog.files().root().getFileName().toString());
        n.put("live", live);
        ArrayNode rs = n.putArray("runs");
        for (Catalog.Entry e : snap.runs()) {
            rs.add(summary(e));
        }
        ArrayNode ss = n.putArray("sweeps");
        for (Catalog.Sweep s : snap.sweeps()) {
            ss.add(sweepSummary(s));
        }
        return n;
    }

    /** One run's line of the Runs page. */
    ObjectNode summary(Catalog.Entry e) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", e.id());
        n.put("run_id", e.folder().getFileName().toString());
        n.put("sweep", e.sweep());
        RunReader.Run r = e.run();
        if (r == null) {
            n.put("name", e.folder().getParent() == null ? e.id() : e.folder().getParent().getFileName().toString());
            n.put("status", "unreadable");
            n.put("error", e.error());
            return n;
        }
        n.put("name", r.name());
        n.put("description", r.description());
        n.put("status", r.status());
        n.put("error", r.error());
        n.put("kind", r.metrics() ? "train" : "lr_range_test");
        n.put("epoch", r.epochs().size());
        n.put("epochs_planned", r.epochsPlanned());
        for (String m : dev.runner.spec.Language.EPOCH_METRICS) {
            num(n, "final_" + m, r.metrics() ? SweepFolder.metric(r, m) : null);
        }
        num(n, "best_test_accuracy", best(r));
        num(n, "seconds", SweepFolder.seconds(r));
        JsonNode prov = e.provenance();
        n.put("engine", prov.path("engine").path("engine").asText(null));
        n.put("device", prov.path("engine").path("device").asText(null));
        n.put("precision", prov.path("precision").path("precision").asText(null));
        n.put("started", prov.path("start_time").asText(null));
        num(n, "eta_s", "running".equals(r.status()) ? eta(r, prov) : null);
        return n;
    }

    private static Double best(RunReader.Run r) {
        Double best = null;
        for (RunReader.Epoch ep : r.epochs()) {
            Double v = ep.testAccuracy();
            if (v != null && Double.isFinite(v) && (best == null || v > best)) best = v;
        }
        return best;
    }

    /**
     * Seconds left: the epochs left times the mean epoch's seconds; before the first epoch ends, the iterations
     * left times the time per iteration since the start.
     */
    private static Double eta(RunReader.Run r, JsonNode prov) {
        Double seconds = SweepFolder.seconds(r);
        int epochs = r.epochs().size();
        if (seconds != null && epochs > 0 && r.epochsPlanned() > epochs) {
            return seconds / epochs * (r.epochsPlanned() - epochs);
        }
        int done = r.iterLoss().length;
        long planned = (long) r.epochsPlanned() * r.itersPerEpoch();
        String start = prov.path("start_time").asText(null);
        if (done == 0 || planned <= done || start == null) return null;
        try {
            double elapsed = Duration.between(Instant.parse(start), Instant.now()).toMillis() / 1000.0;
            return elapsed / done * (planned - done);
        } catch (RuntimeException ex) {
            return null;
        }
    }

    /** The Run page: the summary and everything the folder holds to draw and read. */
    ObjectNode run(Catalog.Entry e) {
        ObjectNode n = summary(e);
        RunReader.Run r = e.run();
        if (r == null) return n;
        ResultsFiles files = catalog.files();
        n.put("iterations_per_epoch", r.itersPerEpoch());
        ArrayNode eps = n.putArray("epochs");
        for (RunReader.Epoch ep : r.epochs()) {
            ObjectNode o = eps.addObject();
            o.put("epoch", ep.epoch());
            num(o, "train_loss", ep.trainLoss());
            num(o, "test_loss", ep.testLoss());
            num(o, "test_accuracy", ep.testAccuracy());
            num(o, "train_accuracy", ep.trainAccuracy());
            num(o, "val_loss", ep.valLoss());
            num(o, "val_accuracy", ep.valAccuracy());
            num(o, "lr", ep.lr());
            num(o, "seconds", ep.seconds());
        }
        ObjectNode it = n.putObject("iterations");
        nums(it.putArray("loss"), r.iterLoss());
        nums(it.putArray("lr"), r.iterLr());
        n.set("classes", Json.MAPPER.valueToTree(r.classes()));
        if (r.fin() != null) {
            ObjectNode f = n.putObject("per_class");
            perClass(f, "test", r.fin().perClass());
            perClass(f, "train", r.fin().trainPerClass());
            n.set("confusion", Json.MAPPER.valueToTree(r.fin().confusion()));
        }
        Path rt = e.folder().resolve("lr_range_test.json");
        String rtText = files.text(rt, ResultsFiles.MAX_JSON);
        if (rtText != null) {
            try {
                n.set("lr_range_test", finite(Json.MAPPER.readTree(rtText)));
            } catch (IOException ex) {
                n.put("lr_range_test_error", "lr_range_test.json cannot be read");
            }
        }
        ObjectNode config = n.putObject("config");
        if (r.experiment() != null) {
            Diff.flattenByName(r.experiment()).forEach((k, v) -> config.put(k, display(v)));
        }
        n.put("experiment_yaml", files.text(e.folder().resolve(RunFolder.EXPERIMENT), ResultsFiles.MAX_TEXT));
        n.put("provenance", files.text(e.folder().resolve(RunFolder.PROVENANCE), ResultsFiles.MAX_TEXT));
        n.put("summary", r.summary());
        n.put("log_tail", files.tail(e.folder().resolve(RunFolder.LOG), LOG_TAIL));
        n.set("images", Json.MAPPER.valueToTree(images(e.folder())));
        return n;
    }

    /** A config value as the pages show it ({@code 2e-3}, flow-style lists). */
    private static String display(Object v) {
        if (v instanceof Map<?, ?> m && m.isEmpty()) return "{}";
        if (v instanceof List<?> l && l.isEmpty()) return "[]";
        return HumanText.value(v);
    }

    /** The PNG files of a run folder (charts, feature maps), by name. */
    List<String> images(Path folder) {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(folder)) {
            s.filter(p -> p.getFileName().toString().endsWith(".png")).filter(Files::isRegularFile)
                    .map(p -> p.getFileName().toString()).sorted().forEach(out::add);
        } catch (IOException | java.io.UncheckedIOException ex) {
            // none to show
        }
        return out;
    }

    private static void perClass(ObjectNode f, String key, Map<String, Double> m) {
        if (m == null) return;
        ObjectNode o = f.putObject(key);
        m.forEach((c, v) -> num(o, c, v));
    }

    /** The Sweep page: the index, each trial's values and metric, and how to draw each key. */
    ObjectNode sweep(Catalog.Sweep s, List<Catalog.Entry> trials) {
        ObjectNode n = sweepSummary(s);
        SweepFolder.Index idx = s.index();
        if (idx == null) return n;
        ArrayNode keys = n.putArray("keys");
        for (String k : idx.keys()) {
            List<Object> values = idx.trials().stream().map(t -> t.values().get(k)).toList();
            ObjectNode o = keys.addObject();
            o.put("key", k);
            boolean numeric = values.stream().allMatch(v -> v instanceof Number);
            o.put("numeric", numeric);
            o.put("integer", numeric && values.stream().allMatch(v -> v instanceof Integer || v instanceof Long));
            o.put("log", SweepFolder.logScale(k, values));
        }
        ArrayNode ts = n.putArray("trials");
        for (SweepFolder.Trial t : idx.trials()) {
            ObjectNode o = ts.addObject();
            o.put("index", t.index());
            o.put("name", t.name());
            o.put("status", t.status());
            o.put("error", t.error());
            num(o, "metric", t.metric());
            num(o, "seconds", t.seconds());
            ObjectNode vs = o.putObject("values");
            ObjectNode shown = o.putObject("shown");
            t.values().forEach((k, v) -> {
                vs.set(k, v instanceof Number ? Json.MAPPER.valueToTree(v) : Json.MAPPER.valueToTree(display(v)));
                shown.put(k, display(v));
            });
            Path run = SweepFolder.runFolder(s.folder(), t);
            trials.stream().filter(e -> e.folder().equals(run)).findFirst().ifPresent(e -> {
                o.put("run", e.id());
                if (e.run() != null && !t.finished()) {
                    o.put("status", e.run().status());        // the run folder knows a running trial's state
                    o.put("epoch", e.run().epochs().size());
                    o.put("epochs_planned", e.run().epochsPlanned());
                }
            });
        }
        return n;
    }

    ObjectNode sweepSummary(Catalog.Sweep s) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("id", s.id());
        n.put("run_id", s.folder().getFileName().toString());
        SweepFolder.Index idx = s.index();
        if (idx == null) {
            n.put("name", s.folder().getParent().getFileName().toString());
            n.put("error", s.error());
            return n;
        }
        n.put("name", idx.name());
        n.put("metric", idx.metric());
        n.put("goal", idx.goal());
        n.put("trials_total", idx.trials().size());
        n.put("completed", idx.trials().stream().filter(t -> "completed".equals(t.status())).count());
        n.put("running", idx.trials().stream().filter(t -> SweepFolder.RUNNING.equals(t.status())).count());
        SweepFolder.Trial best = idx.best();
        n.put("best", best == null ? null : best.name());
        num(n, "best_metric", best == null ? null : best.metric());
        n.put("created", idx.created());
        return n;
    }

    // ---------------------------------------------------------------- numbers

    static void num(ObjectNode n, String key, Double v) {
        if (v == null || !Double.isFinite(v)) n.putNull(key);
        else n.put(key, v);
    }

    private static void nums(ArrayNode a, double[] vs) {
        for (double v : vs) {
            if (Double.isFinite(v)) a.add(v);
            else a.addNull();
        }
    }

    /** A copy of {@code n} with NaN and infinities as null. */
    private static JsonNode finite(JsonNode n) {
        if (n.isNumber() && !Double.isFinite(n.asDouble())) return Json.MAPPER.nullNode();
        if (n.isTextual() && List.of("NaN", "Infinity", "-Infinity").contains(n.asText())) return Json.MAPPER.nullNode();
        if (n.isArray()) {
            ArrayNode a = Json.MAPPER.createArrayNode();
            n.forEach(x -> a.add(finite(x)));
            return a;
        }
        if (n.isObject()) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            n.fields().forEachRemaining(x -> o.set(x.getKey(), finite(x.getValue())));
            return o;
        }
        return n;
    }
}
