package dev.runner.cli;

import dev.runner.results.RunLock;
import java.nio.file.Path;

/** A second process for the lock tests: takes a run folder's lock, says so, and waits to be killed (at most 2 min). */
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws InterruptedException {
        RunLock.acquire(Path.of(args[0]));
        System.out.println("locked");
        System.out.flush();
        Thread.sleep(120_000);
    }
}
