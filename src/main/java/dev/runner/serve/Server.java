package dev.runner.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.runner.Json;
import dev.runner.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code runner serve}: the pages over a results root, on the JDK's own HTTP server ({@code com.sun.net.httpserver}:
 * no dependency, and all it needs to do is answer GETs on one machine and hold a few event streams open).
 * Read-only: GET and HEAD only, nothing is written; every path goes through {@link ResultsFiles}. The pages learn
 * of changes by server-sent events ({@code /api/events}): a watcher scans the root every {@link #SCAN_MS} ms and
 * names the runs and sweeps whose files changed.
 */
public final class Server implements AutoCloseable {
    /** How often the root is scanned for changes. */
    static final long SCAN_MS = 500;

    private final Catalog catalog;
    private final Views views;
    private final HttpServer http;
    private final ExecutorService pool;
    private final ScheduledExecutorService watcher;
    private final List<OutputStream> streams = new CopyOnWriteArrayList<>();
    private final Set<String> hosts;   // the Host headers accepted; null: any (listening on all addresses)
    private volatile Map<String, Long> stamps = Map.of();

    private Server(Path root, String host, int port) throws IOException {
        ResultsFiles files = new ResultsFiles(root);
        catalog = new Catalog(files);
        views = new Views(catalog);
        InetAddress addr = InetAddress.getByName(host);
        http = HttpServer.create(new InetSocketAddress(addr, port), 64);
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "serve");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(pool);
        http.createContext("/", this::handle);
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "serve-watch");
            t.setDaemon(true);
            return t;
        });
        int bound = http.getAddress().getPort();
        hosts = addr.isAnyLocalAddress() ? null : new java.util.HashSet<>(List.of("localhost:" + bound, "127.0.0.1:" + bound, "[::1]:" + bound,
                host.toLowerCase(java.util.Locale.ROOT) + ":" + bound, addr.getHostAddress() + ":" + bound));
    }

    /**
     * Starts serving {@code root} on {@code host:port} (port 0: any free port).
     *
     * @throws UserError when the root is not a folder or the port cannot be bound
     */
    public static Server start(Path root, String host, int port) {
        if (!java.nio.file.Files.isDirectory(root)) {
            throw new UserError("no such results folder: " + root);
        }
        Server s;
        try {
            s = new Server(root, host, port);
        } catch (java.net.BindException e) {
            throw new UserError("cannot listen on " + host + ":" + port + ": " + e.getMessage()
                    + " (another program has it? try --port N)");
        } catch (IOException e) {
            throw new UserError("cannot listen on " + host + ":" + port + ": " + e.getMessage());
        }
        s.stamps = s.stampsOf(s.catalog.scan());
        s.http.start();
        s.watcher.scheduleWithFixedDelay(s::watch, SCAN_MS, SCAN_MS, TimeUnit.MILLISECONDS);
        return s;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    @Override
    public void close() {
        watcher.shutdownNow();
        for (OutputStream o : streams) {
            try {
                o.close();
            } catch (IOException e) {
                // gone already
            }
        }
        http.stop(0);
        pool.shutdownNow();
    }

    // ---------------------------------------------------------------- changes

    private Map<String, Long> stampsOf(Catalog.Snapshot snap) {
        Map<String, Long> m = new HashMap<>();
        for (Catalog.Entry e : snap.runs()) {
            long st = e.stamp() * 31 + (e.run() == null ? 0 : e.run().status().hashCode());
            m.put(e.id(), st);
        }
        for (Catalog.Sweep s : snap.sweeps()) {
            m.put(s.id(), s.stamp());
        }
        return m;
    }

    private void watch() {
        try {
            Map<String, Long> now = stampsOf(catalog.scan());
            Map<String, Long> before = stamps;
            stamps = now;
            List<String> changed = new ArrayList<>();
            now.forEach((id, st) -> {
                if (!st.equals(before.get(id))) changed.add(id);
            });
            before.keySet().stream().filter(id -> !now.containsKey(id)).forEach(changed::add);
            if (!changed.isEmpty()) {
                broadcast("change", Json.ONE_LINE.writeValueAsString(Map.of("ids", changed)));
            }
        } catch (IOException | RuntimeException e) {
            // the next scan tries again
        }
    }

    private void broadcast(String event, String data) {
        byte[] msg = ("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
        for (OutputStream o : streams) {
            try {
                synchronized (o) {
                    o.write(msg);
                    o.flush();
                }
            } catch (IOException e) {
                streams.remove(o);
            }
        }
    }

    // ---------------------------------------------------------------- requests

    private void handle(HttpExchange ex) throws IOException {
        try {
            String method = ex.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, "text/plain", "read-only: GET and HEAD only\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String host = ex.getRequestHeaders().getFirst("Host");
            if (hosts != null && (host == null || !hosts.contains(host.toLowerCase(java.util.Locale.ROOT)))) {
                // another site's page reaching this one by a name that resolves here (DNS rebinding)
                send(ex, 403, "text/plain", "unknown Host\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            URI uri = ex.getRequestURI();
            String path = uri.getRawPath();
            Map<String, String> q = query(uri.getRawQuery());
            switch (path) {
                case "/", "/index.html" -> asset(ex, "index.html");
                case "/assets/app.js", "/assets/app.css", "/assets/echarts.min.js" -> asset(ex, path.substring(8));
                case "/api/runs" -> json(ex, views.runs(catalog.scan(), true));
                case "/api/run" -> json(ex, views.run(catalog.run(q.get("id"))));
                case "/api/sweep" -> json(ex, views.sweep(catalog.sweep(q.get("id")), catalog.scan().runs()));
                case "/api/events" -> events(ex);
                default -> {
                    if (path.startsWith("/files/")) {
                        image(ex, path.substring("/files/".length()));
                    } else {
                        send(ex, 404, "text/plain", "not found\n".getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        } catch (ResultsFiles.Refused e) {
            send(ex, 404, "application/json", Json.ONE_LINE.writeValueAsBytes(Map.of("error", e.getMessage())));
        } catch (IOException e) {
            // the browser went away
        } catch (RuntimeException e) {
            send(ex, 500, "application/json", Json.ONE_LINE.writeValueAsBytes(Map.of("error",
                    "internal error: " + e.getClass().getSimpleName())));
        } finally {
            ex.close();
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new HashMap<>();
        if (raw == null) return m;
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    private void asset(HttpExchange ex, String name) throws IOException {
        send(ex, 200, StaticSite.contentType(name), StaticSite.asset(name));
    }

    private void json(HttpExchange ex, ObjectNode n) throws IOException {
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        send(ex, 200, "application/json; charset=utf-8", Json.ONE_LINE.writeValueAsBytes(n));
    }

    /** {@code /files/<run id>/<name>.png}: a PNG of a run folder. */
    private void image(HttpExchange ex, String rawRest) throws IOException, ResultsFiles.Refused {
        String rest = URLDecoder.decode(rawRest.replace("+", "%2B"), StandardCharsets.UTF_8);
        int slash = rest.lastIndexOf('/');
        if (slash <= 0 || !rest.endsWith(".png")) {
            throw new ResultsFiles.Refused("only a run's PNG files are served");
        }
        Path folder = catalog.files().resolve(rest.substring(0, slash));
        Path file = catalog.files().resolve(rest);
        if (!file.getParent().equals(folder)) {
            throw new ResultsFiles.Refused("only a run's PNG files are served");
        }
        send(ex, 200, "image/png", catalog.files().bytes(file, ResultsFiles.MAX_IMAGE));
    }

    private void events(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        headers(ex);
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        out.write(("retry: 2000\nevent: hello\ndata: {}\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        streams.add(out);
        try {
            // keep the exchange open; a comment every 15 s tells a closed browser from a quiet root
            while (streams.contains(out)) {
                Thread.sleep(15_000);
                synchronized (out) {
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        } catch (IOException | InterruptedException e) {
            // closed
        } finally {
            streams.remove(out);
        }
    }

    private static void headers(HttpExchange ex) {
        var h = ex.getResponseHeaders();
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set("X-Frame-Options", "DENY");
        // scripts only from this server (the page's own files): a value that slipped into markup could not run
        h.set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
                + " img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none';"
                + " frame-ancestors 'none'");
    }

    private static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        headers(ex);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(code, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        }
    }

    /** Reads a classpath resource fully. */
    static byte[] resource(String name) {
        try (InputStream in = Server.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
