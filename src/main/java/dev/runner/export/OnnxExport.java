package dev.runner.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.runner.AtomicFiles;
import dev.runner.Json;
import dev.runner.UserError;
import dev.runner.serving.SavedRun;
import dev.runner.spec.DataSpec;
import dev.runner.spec.LayerNode;
import dev.runner.spec.ModelSpec;
import dev.runner.spec.TransformSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * {@code runner export RUN --format onnx}: a saved model as an ONNX model (opset {@value #OPSET}, IR version 7) whose
 * input {@code input} is a float batch {@code [batch, channels, height, width]} already preprocessed as the run's
 * evaluation does it (RGB, {@code x / 255}, then {@code (x - mean[c]) / std[c]}), and whose outputs are
 * {@code logits} (the last layer's output) and {@code probabilities} (their softmax). The class names, the
 * preprocessing and where the model came from are in the model's {@code metadata_props}.
 *
 * <p>The protobuf messages are those generated from the official {@code onnx.proto}, as ND4J ships them (package
 * {@code onnx}, with its shaded protobuf-java): the wire format is protobuf's own.
 */
public final class OnnxExport {
    public static final int OPSET = 13;
    public static final String INPUT = "input";
    public static final String LOGITS = "logits";
    public static final String PROBABILITIES = "probabilities";

    private OnnxExport() {}

    /** The ONNX model of {@code spec} with the parameters of {@code graph} (compiled from it, then trained). */
    public static Onnx.ModelProto model(ModelSpec spec, ComputationGraph graph, Map<String, String> metadata) {
        OnnxGraph g = new OnnxGraph("runner");
        int[] in = spec.input();
        g.graph.addInput(OnnxGraph.value(g.reserve(INPUT), "batch", in[0], in[1], in[2]));
        Map<String, String> values = new HashMap<>();
        Map<String, int[]> shapes = new HashMap<>();
        for (LayerNode node : spec.nodes()) {
            // the compiler's rule: no inputs = the network's input, else the named nodes
            List<String> inputs = new ArrayList<>();
            List<int[]> inShapes = new ArrayList<>();
            if (node.inputs().isEmpty()) {
                inputs.add(INPUT);
                inShapes.add(in);
            }
            for (String i : node.inputs()) {
                inputs.add(values.get(i));
                inShapes.add(shapes.get(i));
            }
            OnnxEmitters.OnnxEmitter e = OnnxEmitters.BY_KIND.get(node.layer().kind());
            if (e == null) {
                throw new UserError("export: no ONNX form for layer kind " + node.layer().kind() + " (" + node.name()
                        + ")", 1, null);
            }
            String out = e.emit(g, node, inputs, inShapes, graph);
            int[] shape = node.layer().output(inShapes, node.inputs());
            values.put(node.name(), out);
            shapes.put(node.name(), shape);
        }
        String last = values.get(spec.output());
        int[] outShape = shapes.get(spec.output());
        String logits = g.node("Identity", LOGITS, List.of(last));
        String probs = g.node("Softmax", PROBABILITIES, List.of(logits), OnnxGraph.integer("axis", 1));
        g.graph.addOutput(OnnxGraph.value(logits, "batch", outShape[0]));
        g.graph.addOutput(OnnxGraph.value(probs, "batch", outShape[0]));
        Onnx.ModelProto.Builder m = Onnx.ModelProto.newBuilder()
                .setIrVersion(7)
                .setProducerName("runner")
                .setProducerVersion(dev.runner.results.Provenance.runnerVersion())
                .setGraph(g.graph)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET));
        metadata.forEach((k, v) -> m.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    /** The metadata of a run's model: classes, preprocessing, where it came from. */
    public static Map<String, String> metadata(SavedRun run) {
        Map<String, String> m = new LinkedHashMap<>();
        DataSpec data = run.experiment().data();
        int[] in = run.inputShape();
        m.put("classes", json(run.classes()));
        m.put("input", "float [batch, " + in[0] + ", " + in[1] + ", " + in[2] + "] NCHW, RGB");
        Map<String, Object> pre = new LinkedHashMap<>();
        pre.put("scale", "x / 255");
        TransformSpec.Normalize n = data.normalize();
        pre.put("mean", n == null ? null : n.mean());
        pre.put("std", n == null ? null : n.std());
        int[] resize = run.resize();
        pre.put("resize", resize == null ? null : List.of(resize[0], resize[1]));
        m.put("preprocessing", json(pre));
        m.put("outputs", LOGITS + " [batch, classes], " + PROBABILITIES + " = softmax(" + LOGITS + ")");
        m.put("experiment", run.experiment().name());
        m.put("run", run.folder().toAbsolutePath().normalize().getFileName().toString());
        m.put("model", run.which() + (run.epoch() > 0 ? " (epoch " + run.epoch() + ")" : ""));
        return m;
    }

    /** Writes the ONNX export of {@code run} to {@code file} atomically (a folder named like it is refused). */
    public static Onnx.ModelProto write(SavedRun run, ComputationGraph graph, Path file) {
        if (Files.isDirectory(file)) {
            throw new UserError("-o " + file + ": is a folder; name the .onnx file to write", 2, null);
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new UserError("-o " + file + ": the folder " + parent + " does not exist", 2, null);
        }
        Onnx.ModelProto model = model(run.experiment().model(), graph, metadata(run));
        AtomicFiles.write(file, model.toByteArray());
        return model;
    }

    private static String json(Object o) {
        try {
            return Json.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
