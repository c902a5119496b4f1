package dev.runner.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runner.Json;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** runner serve over HTTP, without a browser: what it lists, and what it refuses. */
class ServerTest {
    @TempDir
    Path tmp;
    ResultsRoot r;
    Server server;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws IOException {
        r = new ResultsRoot(Files.createDirectories(tmp.resolve("results")));
        server = Server.start(r.root, "127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        server.close();
        r.close();
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A request as a browser could not send it (raw path), answered by its status line. */
    String raw(String requestLine, String host) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write((requestLine + "\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst()
                    .orElse("");
        }
    }

    @Test
    void listsEveryRunWithStatusAndTheUnreadableOnesWithTheirError() throws Exception {
        JsonNode runs = Json.MAPPER.readTree(get("/api/runs").body()).get("runs");
        List<String> ids = new ArrayList<>();
        runs.forEach(n -> ids.add(n.get("id").asText()));
        assertThat(ids).contains("origin/20261201-100000", "resnet9/20261201-120000", "damaged/20261201-070000",
                "huge/20261201-060000", "origin_sweep/sweep-20261201-050000/01_lr=1e-4_batch_size=4");
        assertThat(ids.indexOf("resnet9/20261201-120000")).isLessThan(ids.indexOf("origin/20261201-100000"));
        JsonNode byId = Json.MAPPER.createObjectNode();
        for (JsonNode n : runs) ((com.fasterxml.jackson.databind.node.ObjectNode) byId).set(n.get("id").asText(), n);
        assertThat(byId.get("resnet9/20261201-120000").get("status").asText()).isEqualTo("running");
        assertThat(byId.get("resnet9/20261201-120000").get("eta_s").isNumber()).isTrue();
        assertThat(byId.get("origin/20261201-090000").get("status").asText()).isEqualTo("crashed");
        assertThat(byId.get("damaged/20261201-070000").get("status").asText()).isEqualTo("unreadable");
        assertThat(byId.get("damaged/20261201-070000").get("error").asText()).contains("metrics.json")
                .doesNotContain(tmp.toString());
        assertThat(byId.get("huge/20261201-060000").get("error").asText()).contains("more than the 64 MB read");
        assertThat(byId.get("origin/20261201-100000").get("final_test_accuracy").asDouble()).isEqualTo(0.49, within());
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-9);
    }

    @Test
    void aRunHasItsCurvesAndItsConfigFlattenedWithLayersByName() throws Exception {
        JsonNode run = Json.MAPPER.readTree(get("/api/run?id=origin/20261201-100000").body());
        assertThat(run.path("iterations").path("loss").size()).isEqualTo(r.iterations(r.completed));
        assertThat(run.path("config").path("model.layers.conv1.conv.filters").asText()).isEqualTo("6");
        assertThat(run.path("config").path("optimizer.sgd.lr").asText()).isEqualTo("1e-3");
        JsonNode sweep = Json.MAPPER.readTree(get("/api/sweep?id=origin_sweep/sweep-20261201-050000").body());
        assertThat(sweep.path("keys").get(0).path("log").asBoolean()).isTrue();
        assertThat(sweep.path("keys").get(1).path("integer").asBoolean()).isTrue();
        assertThat(sweep.path("keys").get(1).path("log").asBoolean()).isFalse();
        assertThat(sweep.path("trials").get(0).path("run").asText())
                .isEqualTo("origin_sweep/sweep-20261201-050000/01_lr=1e-4_batch_size=4");
    }

    @Test
    void nothingOutsideTheRootNoWritesNoStrangeHosts() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("secret/run"));
        ResultsRoot.writeRun(outside, "secret", "completed", 1, 1, 5, 6, 1e-3, 4, "outside", 0.5);
        Files.createSymbolicLink(r.root.resolve("linked"), tmp.resolve("secret"));
        Files.createSymbolicLink(r.completed.resolve("leak.png"), outside.resolve("metrics.json"));
        Thread.sleep(50);
        assertThat(get("/api/runs").body()).doesNotContain("secret").doesNotContain("linked");
        assertThat(get("/api/run?id=linked/run").statusCode()).isEqualTo(404);
        assertThat(get("/api/run?id=origin/../../secret/run").statusCode()).isEqualTo(404);
        assertThat(get("/api/run?id=%2Fetc").statusCode()).isEqualTo(404);
        assertThat(get("/files/origin/20261201-100000/leak.png").statusCode()).isEqualTo(404);
        assertThat(raw("GET /files/origin/../../secret/run/x.png HTTP/1.1", "127.0.0.1:" + server.port()))
                .contains("404");
        assertThat(raw("POST /api/runs HTTP/1.1", "127.0.0.1:" + server.port())).contains("405");
        assertThat(raw("DELETE /api/run?id=origin/20261201-100000 HTTP/1.1", "127.0.0.1:" + server.port()))
                .contains("405");
        assertThat(raw("GET /api/runs HTTP/1.1", "evil.example:" + server.port())).contains("403");
        assertThat(Files.exists(r.completed.resolve("metrics.json"))).isTrue();
        HttpResponse<String> page = get("/");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).contains("script-src 'self'");
        assertThat(page.body()).contains("assets/echarts.min.js").doesNotContain("http://").doesNotContain("https://");
    }
}
