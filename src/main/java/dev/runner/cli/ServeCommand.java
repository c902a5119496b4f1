package dev.runner.cli;

import dev.runner.serve.Server;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runner serve [RESULTS_ROOT]}: the web pages of a results folder, live while runs train. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve web pages of the runs and sweeps under a results folder (read-only, live).")
final class ServeCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "RESULTS_ROOT", description = "The results folder (default: results).")
    Path root = Path.of("results");

    @Option(names = "--port", paramLabel = "N", description = "The port (default: ${DEFAULT-VALUE}; 0: any free one).")
    int port = 8080;

    @Option(names = "--host", paramLabel = "HOST", description = "The address to listen on (default:"
            + " ${DEFAULT-VALUE}, this machine only; 0.0.0.0 opens it to the network).")
    String host = "127.0.0.1";

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) {
            throw new dev.runner.UserError("--port " + port + ": expected 0 to 65535", 2, null);
        }
        Server server = Server.start(root, host, port);
        String shown = host.contains(":") ? "[" + host + "]" : host;
        System.out.println("runner serve: " + root + " on http://" + shown + ":" + server.port() + "/ (Ctrl-C stops)");
        System.out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }));
        stop.await();
        return 0;
    }
}
