package dev.runner;

import dev.runner.UserError;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The one way the runner writes a file, a results file or an output a user named ({@code report -o},
 * {@code diff --plot}): a temporary file in the same directory, flushed to the disk ({@code fsync}), an atomic
 * rename, then the directory flushed so the rename is on the disk too. The file gets ordinary permissions
 * (rw-r--r--), not the owner-only ones of a temporary file.
 *
 * <p>Only a new file or a regular file is written: a target that is a device, a FIFO, a directory or a symbolic
 * link is refused in one line before anything is written (a rename would replace the device node), and so is a
 * target whose directory does not exist (no folders are made up from a mistyped path; results folders create
 * their own subfolders first).
 */
public final class AtomicFiles {
    /**
     * What a write asks of the disk, for the writes that take one (a run's metrics, checkpoints and model, through
     * {@code Trainer.Options.writeHook}): tests throw from {@link #beforeWrite} to fake a full disk, and the fsync
     * benchmark (docs/results.md) turns the flushes off. {@link #NONE}: nothing watches, every write is flushed.
     */
    public interface WriteHook {
        WriteHook NONE = target -> { };

        /** Sees the write of {@code target} before it happens. */
        void beforeWrite(Path target) throws IOException;

        /** Whether {@link #sync} and {@link #syncDirectory} reach the disk: true, but for measuring what they cost. */
        default boolean flushes() {
            return true;
        }
    }

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final FileAttribute<?>[] READABLE = POSIX
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"))}
            : new FileAttribute<?>[0];

    private AtomicFiles() {
    }

    /** Produces a file's content. */
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes {@code target} atomically (its directory must exist); a failure is a one-line {@link UserError}. */
    public static void write(Path target, Content content) {
        write(target, content, WriteHook.NONE);
    }

    /** {@link #write(Path, Content)}, seen by {@code hook} first. */
    public static void write(Path target, Content content, WriteHook hook) {
        Path dir = checkTarget(target);
        try {
            hook.beforeWrite(target);
            Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", READABLE);
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    content.writeTo(out);
                }
                sync(tmp, hook);
                move(tmp, target);
                syncDirectory(dir, hook);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UserError("cannot write " + target + ": " + ResultFiles.reason(e), e);
        }
    }

    /**
     * Checks that {@code target} may be written: it does not exist or is a regular file (not a link), and its
     * directory exists. Returns the directory; a {@link UserError} (exit 1) naming the path when not.
     */
    public static Path checkTarget(Path target) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || abs.getFileName() == null) {
            throw new UserError("cannot write " + target + ": not a file name");
        }
        try {
            BasicFileAttributes a = Files.readAttributes(abs, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile() || a.isSymbolicLink()) {
                String what = a.isSymbolicLink() ? "a symbolic link" : a.isDirectory() ? "a directory"
                        : "a device, FIFO or socket";
                throw new UserError("refusing to write " + target + ": it is " + what
                        + ", not a regular file (name a new file or a regular one)");
            }
        } catch (NoSuchFileException e) {
            // a new file
        } catch (IOException e) {
            throw new UserError("cannot write " + target + ": " + ResultFiles.reason(e), e);
        }
        if (!Files.isDirectory(dir)) {
            throw new UserError("cannot write " + target + ": no such directory " + dir
                    + (Files.exists(dir) ? " (not a directory)" : "; create it first"));
        }
        return dir;
    }

    public static void write(Path target, byte[] content) {
        write(target, out -> out.write(content));
    }

    public static void writeString(Path target, String text) {
        writeString(target, text, WriteHook.NONE);
    }

    public static void writeString(Path target, String text, WriteHook hook) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(target, out -> out.write(bytes), hook);
    }

    /** Flushes {@code file}'s content to the disk. */
    public static void sync(Path file) throws IOException {
        sync(file, WriteHook.NONE);
    }

    /** {@link #sync(Path)} unless {@code hook} turns the flushes off. */
    public static void sync(Path file, WriteHook hook) throws IOException {
        if (hook.flushes()) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
    }

    /**
     * Flushes {@code dir}'s entries (a rename into it, a new file) to the disk. Where directories cannot be opened
     * for that (not Linux or macOS) the renames are as durable as the file system makes them.
     */
    public static void syncDirectory(Path dir) throws IOException {
        syncDirectory(dir, WriteHook.NONE);
    }

    /** {@link #syncDirectory(Path)} unless {@code hook} turns the flushes off. */
    public static void syncDirectory(Path dir, WriteHook hook) throws IOException {
        if (!hook.flushes()) {
            return;
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (IOException | UnsupportedOperationException e) {
            return;
        }
        try (ch) {
            ch.force(true);
        }
    }

    /** Renames {@code from} onto {@code to} atomically (replacing it). */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
