package dev.runner.spec;

import dev.runner.spec.lang.SpecException;
import dev.runner.spec.lang.SourcePos;
import dev.runner.spec.lang.YNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import dev.runner.spec.lang.YNode.Entry;
import dev.runner.spec.lang.YNode.YList;
import dev.runner.spec.lang.YNode.YMap;
import dev.runner.spec.lang.YNode.YScalar;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Safe YAML loading: SnakeYAML only composes the text into nodes (no tags, no object construction), with limits
 * on size, aliases and nesting; the nodes are turned into {@link YNode}s that keep their positions. Plain scalars
 * are typed here, YAML 1.2 style, so {@code 5e-3} is a number.
 */
final class YamlReader {
    static final long MAX_BYTES = 1_000_000;
    static final int MAX_ALIASES = 50;
    static final int MAX_DEPTH = 40;
    /** Values after expanding aliases: stops a billion-laughs file that stays under the alias limit. */
    static final int MAX_VALUES = 100_000;

    private static final Pattern INT = Pattern.compile("[-+]?[0-9][0-9_]*");
    private static final Pattern FLOAT = Pattern.compile(
            "[-+]?([0-9][0-9_]*\\.[0-9_]*|\\.[0-9][0-9_]*|[0-9][0-9_]*)([eE][-+]?[0-9]+)?");
    private static final Set<Tag> STANDARD = Set.of(Tag.STR, Tag.INT, Tag.FLOAT, Tag.BOOL, Tag.NULL, Tag.MAP,
            Tag.SEQ, Tag.TIMESTAMP);

    private final String source;
    private final SourcePos forced;
    private int budget = MAX_VALUES;

    /** @param forced when non-null every value gets this position (values given with {@code --set}) */
    private YamlReader(String source, SourcePos forced) {
        this.source = source;
        this.forced = forced;
    }

    /** Reads and composes a file; an empty file is an empty map. */
    static YNode readFile(Path file) {
        SourcePos at = SourcePos.of(file, 0, 0);
        byte[] bytes;
        try {
            if (Files.exists(file) && !Files.isRegularFile(file))
                throw new SpecException(at, null, "not a regular file");
            // the size a file claims is not trusted (a pipe or /proc file says 0): read at most the limit + 1
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes((int) MAX_BYTES + 1);
            }
            if (bytes.length > MAX_BYTES)
                throw new SpecException(at, null, "file is larger than " + MAX_BYTES + " bytes, the limit for"
                        + " experiment files");
        } catch (NoSuchFileException e) {
            throw new SpecException(at, null, "file not found");
        } catch (IOException e) {
            throw new SpecException(at, null, "cannot read: " + e.getMessage());
        }
        String text = utf8(bytes, file);
        YNode n = new YamlReader(file.toString(), null).compose(text);
        return n == null ? new YMap(new LinkedHashMap<>(), SourcePos.of(file, 1, 1)) : n;
    }

    /** {@code bytes} as UTF-8; anything else is an error at the first byte that is not UTF-8. */
    private static String utf8(byte[] bytes, Path file) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult r = d.decode(in, out, true);
        if (!r.isError()) r = d.flush(out);
        if (r.isError()) {
            int bad = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < bad; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            int col = new String(bytes, lineStart, bad - lineStart, StandardCharsets.UTF_8).length() + 1;
            throw new SpecException(SourcePos.of(file, line, col), null, String.format(
                    "not UTF-8 text (byte 0x%02X); save the file as UTF-8", bytes[bad] & 0xff));
        }
        out.flip();
        return out.toString();
    }

    /** Parses one {@code --set} value (a YAML flow scalar, list or map); every value is placed at {@code flag}. */
    static YNode readValue(String text, SourcePos flag) {
        YNode n = new YamlReader(flag.file(), flag).compose(text);
        return n == null ? new YScalar(null, "", false, flag) : n;
    }

    private YNode compose(String text) {
        LoaderOptions o = new LoaderOptions();
        o.setMaxAliasesForCollections(MAX_ALIASES);
        o.setNestingDepthLimit(MAX_DEPTH);
        o.setCodePointLimit((int) MAX_BYTES);
        o.setAllowRecursiveKeys(false);
        o.setAllowDuplicateKeys(false);
        try {
            Node root = new Yaml(o).compose(new StringReader(text));
            return root == null ? null : convert(root, 0, "");
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
            throw new SpecException(pos(m), null, "invalid YAML: " + oneLine(problem));
        } catch (YAMLException e) {
            // a limit SnakeYAML's composer enforces without a position (aliases, nesting): found again by events
            Mark m = limitBroken(text);
            throw new SpecException(m != null ? pos(m) : forced != null ? forced : new SourcePos(source, 0, 0), null,
                    "invalid YAML: " + oneLine(e.getMessage()));
        } catch (StackOverflowError e) {
            Mark m = limitBroken(text);
            throw new SpecException(m != null ? pos(m) : new SourcePos(source, 0, 0), null,
                    "invalid YAML: nested too deeply");
        }
    }

    /**
     * Where {@code text} first goes past {@link #MAX_DEPTH} levels of nesting or {@link #MAX_ALIASES} aliases, from
     * the parser's events (which carry positions); null when it does not, or cannot be parsed that far.
     */
    private static Mark limitBroken(String text) {
        int depth = 0;
        int aliases = 0;
        try {
            for (org.yaml.snakeyaml.events.Event ev : new Yaml().parse(new StringReader(text))) {
                if (ev instanceof org.yaml.snakeyaml.events.CollectionStartEvent) {
                    if (++depth > MAX_DEPTH) {
                        return ev.getStartMark();
                    }
                } else if (ev instanceof org.yaml.snakeyaml.events.CollectionEndEvent) {
                    depth--;
                } else if (ev instanceof org.yaml.snakeyaml.events.AliasEvent && ++aliases > MAX_ALIASES) {
                    return ev.getStartMark();
                }
            }
        } catch (YAMLException | StackOverflowError e) {
            return null;
        }
        return null;
    }

    private static String oneLine(String s) {
        return s == null ? "unreadable" : s.strip().replaceAll("\\s*\\n\\s*", " ");
    }

    private SourcePos pos(Mark m) {
        if (forced != null) return forced;
        return m == null ? new SourcePos(source, 0, 0) : new SourcePos(source, m.getLine() + 1, m.getColumn() + 1);
    }

    private YNode convert(Node n, int depth, String path) {
        SourcePos at = pos(n.getStartMark());
        if (--budget < 0)
            throw new SpecException(at, null, "more than " + MAX_VALUES + " values after expanding aliases");
        if (depth > MAX_DEPTH) throw new SpecException(at, null, "nested more than " + MAX_DEPTH + " levels deep");
        if (!STANDARD.contains(n.getTag()))
            throw new SpecException(at, null, "YAML tags such as " + n.getTag() + " are not allowed");
        if (n instanceof ScalarNode s) return scalar(s, at);
        if (n instanceof SequenceNode seq) {
            List<YNode> items = new ArrayList<>();
            for (Node item : seq.getValue()) items.add(convert(item, depth + 1, path + "[" + items.size() + "]"));
            return new YList(items, at);
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (NodeTuple t : ((MappingNode) n).getValue()) {
            SourcePos keyAt = pos(t.getKeyNode().getStartMark());
            if (!(t.getKeyNode() instanceof ScalarNode k))
                throw new SpecException(keyAt, null, "keys must be plain names, not lists or maps");
            if (k.getTag().equals(Tag.MERGE))
                throw new SpecException(keyAt, null, "merge keys (<<) are not supported; use extends");
            String p = path.isEmpty() ? k.getValue() : path + "." + k.getValue();
            Entry old = entries.get(k.getValue());
            if (old != null) throw new SpecException(keyAt, p, "duplicate key (first at line " + old.keyPos().line() + ")");
            entries.put(k.getValue(), new Entry(keyAt, convert(t.getValueNode(), depth + 1, p)));
        }
        return new YMap(entries, at);
    }

    private static YScalar scalar(ScalarNode s, SourcePos at) {
        String t = s.getValue();
        if (!s.isPlain()) return new YScalar(t, t, true, at);
        return new YScalar(typed(t), t, false, at);
    }

    /** YAML 1.2 core schema typing of a plain scalar, plus {@code _} digit separators. */
    static Object typed(String t) {
        switch (t) {
            case "", "~", "null", "Null", "NULL": return null;
            case "true", "True", "TRUE": return Boolean.TRUE;
            case "false", "False", "FALSE": return Boolean.FALSE;
            case ".inf", "+.inf", ".Inf", "+.Inf": return Double.POSITIVE_INFINITY;
            case "-.inf", "-.Inf": return Double.NEGATIVE_INFINITY;
            case ".nan", ".NaN": return Double.NaN;
            default: break;
        }
        String digits = t.replace("_", "");
        if (INT.matcher(t).matches()) {
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                return Double.parseDouble(digits);
            }
        }
        if (FLOAT.matcher(t).matches() && !digits.equals(".") && digits.matches(".*[0-9].*"))
            return Double.parseDouble(digits);
        return t;
    }
}
