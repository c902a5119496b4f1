package dev.runner.results;

import dev.runner.UserError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * One process per run: the process training a run holds an exclusive lock on {@code <run folder>/lock}
 * ({@link FileChannel#tryLock()}), from the moment the folder is created (or a resume starts) until the run ends.
 * The operating system drops the lock when the process dies, however it dies, so "status {@code running} and the
 * lock free" means the process is gone: {@link RunReader#status} calls that {@code crashed}.
 *
 * <p>The file holds the holder's process id, for the message a second process gets. Locks are per process:
 * {@link #acquire} is a no-op for a folder this process already holds.
 */
public final class RunLock {
    public static final String FILE = "lock";

    private static final Map<Path, FileChannel> HELD = new HashMap<>();

    private RunLock() {
    }

    /**
     * Takes the lock of {@code folder} for this process (until {@link #release} or the process ends).
     *
     * @throws UserError (one line) when another process holds it
     */
    public static synchronized void acquire(Path folder) {
        Path key = key(folder);
        if (HELD.containsKey(key)) {
            return;
        }
        Path file = folder.resolve(FILE);
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                String pid = holder(ch);
                ch.close();
                throw new UserError(folder + " is in use by another runner process" + (pid.isEmpty() ? ""
                        : " (pid " + pid + ")") + "; wait for it to end or stop it, one process per run", 1, null);
            }
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(pid), 0);
            HELD.put(key, ch);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UserError("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    /** Releases this process's lock of {@code folder} (nothing when it holds none). The file stays. */
    public static synchronized void release(Path folder) {
        FileChannel ch = HELD.remove(key(folder));
        closeQuietly(ch);
    }

    /**
     * True when a live process holds the lock of {@code folder} (this one included). Read-only: a shared lock is
     * tried on a read-only channel and dropped at once. A folder without a lock file is not held.
     */
    public static synchronized boolean held(Path folder) {
        if (HELD.containsKey(key(folder))) {
            return true;
        }
        try (FileChannel ch = FileChannel.open(folder.resolve(FILE), StandardOpenOption.READ)) {
            FileLock lock = ch.tryLock(0, Long.MAX_VALUE, true);
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            ch.read(b, 0);
            String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
            return s.matches("[0-9]{1,19}") ? s : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static Path key(Path folder) {
        return folder.toAbsolutePath().normalize();
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // the lock goes with the channel
            }
        }
    }
}
