package dev.runner.spec;

import dev.runner.spec.lang.SpecException;
import dev.runner.spec.lang.YNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The shipped JSON Schema (schema/experiment.schema.json) is the generator's output, and a real JSON-Schema
 * validator (networknt, draft-07) agrees with the runner: it accepts every experiment file and every complete
 * example of the docs, and rejects broken files the runner rejects. Each file is checked as two YAML readings
 * give it: the runner's (YAML 1.2 scalars, as the YAML language server reads them) and SnakeYAML's YAML 1.1.
 */
class JsonSchemaTest {
    static final Path SHIPPED = Path.of(JsonSchema.PATH);
    static final String MODELINE = "# yaml-language-server: $schema=../schema/experiment.schema.json";
    static final ObjectMapper JSON = new ObjectMapper();
    static Schema schema;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws IOException {
        schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7)
                .getSchema(Files.readString(SHIPPED), InputFormat.JSON);
    }

    /** The validator's complaints about {@code file}, read both ways. */
    static List<String> errors(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        JsonNode runner = JSON.valueToTree(YNode.plain(YamlReader.readFile(file)));
        schema.validate(runner).forEach(e -> out.add("runner reading: " + e));
        JsonNode yaml11 = JSON.valueToTree(new Yaml(new LoaderOptions()).load(Files.readString(file)));
        schema.validate(yaml11).forEach(e -> out.add("YAML 1.1 reading: " + e));
        return out;
    }

    @Test
    void theShippedSchemaIsTheGeneratorsOutput() throws IOException {
        assertThat(Files.readString(SHIPPED))
                .as("schema/experiment.schema.json is stale: regenerate it with `runner schema > %s`", JsonSchema.PATH)
                .isEqualTo(JsonSchema.text());
    }

    @Test
    void everyExperimentNamesTheSchemaAndValidates() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("experiments"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(5);
        for (Path f : files) {
            assertThat(Files.readAllLines(f).get(0)).as(f.toString()).isEqualTo(MODELINE);
            assertThat(errors(f)).as(f.toString()).isEmpty();
            ExperimentLoader.load(f); // and the runner agrees
        }
    }

    @Test
    void everyCompleteExampleInTheDocsValidates() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> s = Files.list(Path.of("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        int n = 0;
        for (Path doc : docs) {
            Matcher m = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(doc));
            while (m.find()) {
                String block = m.group(1);
                if (!block.contains("model:") || !block.contains("optimizer:")) continue;
                Path f = Files.writeString(dir.resolve("doc" + n++ + ".yaml"), block);
                assertThat(errors(f)).as(doc + ":\n" + block).isEmpty();
                ExperimentLoader.load(f);
            }
        }
        assertThat(n).isGreaterThanOrEqualTo(4);
    }

    static final String BASE = """
            model:
              input: [3, 32, 32]
              init: {kaiming_normal: {mode: fan_out, nonlinearity: relu}}
              layers:
                - conv: {filters: 4, kernel: 3, padding: 1, bias: false}
                - {batchnorm: {init: {weight: 0.5}}, name: bn}
                - relu
                - global_avgpool
                - dense: {units: 10, init: pytorch}
            optimizer: {sgd: {lr: 5e-3, momentum: 0.9}}
            schedule: {cosine: {}}
            data: {augment: [{pad: 4}, {random_crop: 32}, horizontal_flip]}
            """;

    @Test
    void theBaseOfTheBrokenFilesIsValid() throws IOException {
        Path f = Files.writeString(dir.resolve("base.yaml"), BASE);
        assertThat(errors(f)).isEmpty();
        ExperimentLoader.load(f);
    }

    /** Each line is {@code find => replace} applied to {@link #BASE}. */
    @ParameterizedTest
    @ValueSource(strings = {
            // unknown keys
            "optimizer: => epochz: 2\noptimizer:",
            "momentum: 0.9 => momentun: 0.9",
            "padding: 1, => padding: 1, strid: 2,",
            "init: {weight: 0.5} => init: {scale: 0.5}",
            "mode: fan_out => mode: fan_out, gain: 2",
            // wrong types
            "optimizer: => epochs: two\noptimizer:",
            "bias: false => bias: 1",
            "filters: 4 => filters: many",
            "input: [3, 32, 32] => input: 3",
            // out of range
            "momentum: 0.9 => momentum: 1.5",
            "optimizer: => epochs: 0\noptimizer:",
            "kernel: 3 => kernel: 0",
            "{pad: 4} => {pad: 0}",
            // unknown layers
            "- relu => - relux",
            "- conv: => - convv:",
            "- global_avgpool => - {global_avgpool: {}, inputs: [bn]}\n    - {blocky: 3}",
            // bad enums
            "nonlinearity: relu => nonlinearity: relux",
            "mode: fan_out => mode: fan_middle",
            "kaiming_normal: => kaiming_normall:",
            "{cosine: {}} => cosin",
            "bias: false => bias: false, activation: swish",
            "{pad: 4} => {pad: {size: 4, mode: mirror}}",
    })
    void aBrokenFileIsRejectedByTheRunnerAndTheSchema(String edit) throws IOException {
        String[] fr = edit.split(" => ");
        assertThat(BASE).contains(fr[0]);
        Path f = Files.writeString(dir.resolve("broken.yaml"), BASE.replace(fr[0], fr[1].replace("\\n", "\n")));
        assertThatThrownBy(() -> ExperimentLoader.load(f)).isInstanceOf(SpecException.class);
        List<String> errors = errors(f);
        assertThat(errors).as("the schema accepts the broken file:\n" + Files.readString(f))
                .anyMatch(e -> e.startsWith("runner reading"))
                .anyMatch(e -> e.startsWith("YAML 1.1 reading"));
    }

    @Test
    void numbersAYaml11ParserLeavesAsTextAreAccepted() throws IOException {
        JsonNode doc = JSON.readTree("""
                {"epochs": "1e1", "model": {"input": [3, 32, 32], "layers": ["flatten", {"dense": 10}]},
                 "optimizer": {"sgd": {"lr": "5e-3", "weight_decay": "1_000"}}}""");
        assertThat(schema.validate(doc)).isEmpty();
        JsonNode words = JSON.readTree("""
                {"model": {"input": [3, 32, 32], "layers": ["flatten", {"dense": 10}]},
                 "optimizer": {"sgd": {"lr": "fast"}}}""");
        assertThat(schema.validate(words)).isNotEmpty();
    }

    @Test
    void blocksAndParamsValidateAndAFileWithoutBlocksCannotUseOne() throws IOException {
        String blocks = """
                model:
                  input: [3, 32, 32]
                  blocks:
                    unit:
                      params: [channels, {stride: 1}]
                      layers:
                        - conv: {filters: $channels, kernel: 3, stride: $stride, padding: 1, init: {xavier_uniform: {gain: 2}}}
                        - relu
                  layers:
                    - unit: 8
                    - {unit: {channels: 16, stride: 2}, name: second}
                    - {repeat: {times: 2, layers: [unit: {channels: 16}]}}
                    - global_avgpool
                    - dense: 10
                optimizer: {adam: {lr: 1e-3}}
                """;
        Path f = Files.writeString(dir.resolve("blocks.yaml"), blocks);
        assertThat(errors(f)).isEmpty();
        ExperimentLoader.load(f);
        Path noBlocks = Files.writeString(dir.resolve("noblocks.yaml"),
                BASE.replace("- relu", "- {unit: 8}"));
        assertThatThrownBy(() -> ExperimentLoader.load(noBlocks)).isInstanceOf(SpecException.class);
        assertThat(errors(noBlocks)).isNotEmpty();
    }
}
