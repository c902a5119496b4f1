package dev.runner.spec;

import dev.runner.spec.lang.Vocabulary;
import dev.runner.spec.layers.BatchNorm;
import dev.runner.spec.layers.InitSpec;
import dev.runner.spec.layers.LayerKinds;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runner.spec.lang.Vocabulary.AnyOf;
import dev.runner.spec.lang.Vocabulary.Anything;
import dev.runner.spec.lang.Vocabulary.Bool;
import dev.runner.spec.lang.Vocabulary.Int;
import dev.runner.spec.lang.Vocabulary.Key;
import dev.runner.spec.lang.Vocabulary.Kind;
import dev.runner.spec.lang.Vocabulary.Layers;
import dev.runner.spec.lang.Vocabulary.ListOf;
import dev.runner.spec.lang.Vocabulary.MapOf;
import dev.runner.spec.lang.Vocabulary.Num;
import dev.runner.spec.lang.Vocabulary.OneOf;
import dev.runner.spec.lang.Vocabulary.Padding;
import dev.runner.spec.lang.Vocabulary.Pair;
import dev.runner.spec.lang.Vocabulary.Range;
import dev.runner.spec.lang.Vocabulary.Ref;
import dev.runner.spec.lang.Vocabulary.Section;
import dev.runner.spec.lang.Vocabulary.Text;
import dev.runner.spec.lang.Vocabulary.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The JSON Schema (draft-07, as the YAML language server of VS Code and IntelliJ read it) of the experiment-file
 * language, generated from {@link Language}: hover shows each key's description, completion offers a section's
 * keys and a layer's arguments. The repository ships its output as schema/experiment.schema.json.
 *
 * <p>Where a schema cannot say what the runner checks it accepts more, never less: numbers may also be text in
 * the runner's number syntax (a YAML 1.1 parser reads {@code 5e-3} as text), a block parameter {@code $name} is
 * accepted for any layer argument, and a file with blocks or {@code extends} may use any name as a layer (a block
 * use); without either, only the built-in layer kinds and {@code repeat}.
 */
public final class JsonSchema {
    /** Where the schema is shipped, relative to the repository root. */
    public static final String PATH = "schema/experiment.schema.json";
    /** The runner's number syntax (YamlReader), for numbers a YAML 1.1 parser leaves as text. */
    static final String NUMBER_TEXT = "^[-+]?([0-9][0-9_]*\\.[0-9_]*|\\.[0-9][0-9_]*|[0-9][0-9_]*)([eE][-+]?[0-9]+)?$";
    static final String PARAM = "^\\$[A-Za-z_][A-Za-z0-9_]*$";

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private JsonSchema() {}

    /** The schema as pretty-printed JSON text, ending with a newline. */
    public static String text() {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(schema()) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The schema. */
    public static ObjectNode schema() {
        ObjectNode root = F.objectNode();
        root.put("$schema", "http://json-schema.org/draft-07/schema#");
        root.put("title", "runner experiment file");
        root.put("description", "An experiment for runner: data, model, optimizer, schedule, epochs, evaluation "
                + "(docs/experiment-files.md)");
        section(root, Language.EXPERIMENT, false);
        // A file that extends another may leave out what its parent gives: the required keys apply without extends.
        ArrayNode required = (ArrayNode) root.remove("required");
        ObjectNode model = (ObjectNode) root.get("properties").get("model");
        ArrayNode modelRequired = (ArrayNode) model.remove("required");
        ArrayNode all = root.putArray("allOf");
        ObjectNode own = all.addObject();
        own.putObject("if").putObject("not").putArray("required").add("extends");
        ObjectNode then = own.putObject("then");
        then.set("required", required);
        then.putObject("properties").putObject("model").set("required", modelRequired);
        // Without blocks (and without a parent that may define them) every layer is a built-in kind or repeat.
        ObjectNode builtin = all.addObject();
        ObjectNode hasBlocks = F.objectNode();
        hasBlocks.putArray("required").add("model");
        hasBlocks.putObject("properties").putObject("model").putArray("required").add("blocks");
        ArrayNode any = builtin.putObject("if").putObject("not").putArray("anyOf");
        any.addObject().putArray("required").add("extends");
        any.add(hasBlocks);
        builtin.putObject("then").putObject("properties").putObject("model").putObject("properties")
                .set("layers", ref("builtin_layers"));

        ObjectNode defs = root.putObject("definitions");
        for (Map.Entry<String, Type> e : Language.NAMED.entrySet()) defs.set(e.getKey(), type(e.getValue(), false));
        ObjectNode numberText = defs.putObject("number_text");
        numberText.put("type", "string");
        numberText.put("pattern", NUMBER_TEXT);
        numberText.put("description", "a number in a form a YAML 1.1 parser reads as text, such as 5e-3");
        ObjectNode param = defs.putObject("param");
        param.put("type", "string");
        param.put("pattern", PARAM);
        param.put("description", "a block parameter: stands for the argument given where the block is used");
        defs.set("layers", array(ref("layer")));
        defs.set("builtin_layers", array(ref("builtin_layer")));
        defs.set("layer", layer(false));
        defs.set("builtin_layer", layer(true));
        for (Kind k : LayerKinds.SCHEMA.kinds()) defs.set("layer_" + k.name(), layerObject(k.name(), k.doc(), kindArgs(k, true)));
        defs.set("layer_repeat", layerObject("repeat", Language.REPEAT.doc(), repeat("layers")));
        defs.set("builtin_layer_repeat", layerObject("repeat", Language.REPEAT.doc(), repeat("builtin_layers")));
        ObjectNode block = type(Language.BLOCK, true);
        ArrayNode oneOf = block.putArray("oneOf");
        oneOf.addObject().putArray("required").add("layers");
        oneOf.addObject().putArray("required").add("residual");
        defs.set("block", block);
        return root;
    }

    // ---------------------------------------------------------------- layers

    /** A layer list item: a bare kind, {kind: args} with name/inputs, repeat, and (unless strict) a block use. */
    private static ObjectNode layer(boolean strict) {
        ObjectNode n = F.objectNode();
        n.put("description", LayerKinds.SCHEMA.doc());
        ArrayNode any = n.putArray("anyOf");
        ObjectNode bare = any.addObject();
        bare.put("description", "a layer without arguments");
        ArrayNode names = bare.putArray("enum");
        for (Kind k : LayerKinds.SCHEMA.kinds()) if (k.args().keys().stream().noneMatch(Key::required)) names.add(k.name());
        for (Kind k : LayerKinds.SCHEMA.kinds()) any.add(ref("layer_" + k.name()));
        any.add(ref(strict ? "builtin_layer_repeat" : "layer_repeat"));
        if (!strict) {
            List<String> reserved = new ArrayList<>(LayerKinds.SCHEMA.names());
            reserved.add("repeat");
            ObjectNode use = any.addObject();
            use.put("description", "a block use: {BLOCK: {param: value, ...}}, {BLOCK: value} (the first param) or BLOCK");
            use.put("type", "object");
            use.set("properties", extras());
            use.putObject("propertyNames").putObject("not").set("enum", strings(reserved));
            ObjectNode onlyExtras = use.putObject("not");
            onlyExtras.putObject("propertyNames").set("enum", strings(Language.LAYER_EXTRAS.names()));
            ObjectNode bareUse = any.addObject();
            bareUse.put("description", "a block used without arguments");
            bareUse.put("type", "string");
            bareUse.put("pattern", Vocabulary.NAME.pattern());
            bareUse.putObject("not").set("enum", strings(reserved));
            any.add(ref("param"));
        }
        return n;
    }

    /** repeat's arguments, its layers being {@code layers} (a definition's name). */
    private static ObjectNode repeat(String layers) {
        ObjectNode repeat = type(Language.REPEAT, true);
        ((ObjectNode) repeat.get("properties")).set("layers", describe(ref(layers), Language.REPEAT.key("layers")));
        return repeat;
    }

    private static ObjectNode layerObject(String kind, String doc, ObjectNode args) {
        ObjectNode o = F.objectNode();
        o.put("title", kind);
        o.put("description", doc);
        o.put("type", "object");
        ObjectNode props = o.putObject("properties");
        args.put("title", kind);
        args.put("description", doc);
        props.set(kind, args);
        props.setAll(extras());
        o.putArray("required").add(kind);
        o.put("additionalProperties", false);
        return o;
    }

    private static ObjectNode extras() {
        ObjectNode props = F.objectNode();
        for (Key k : Language.LAYER_EXTRAS.keys()) props.set(k.name(), property(k, false));
        return props;
    }

    /** A kind's value: its argument map, the shorthand's value, or nothing when no argument is required. */
    private static ObjectNode kindArgs(Kind k, boolean params) {
        ArrayNode any = F.arrayNode();
        if (!k.args().keys().isEmpty()) any.add(type(k.args(), params));
        if (k.shorthand() != null) any.add(type(k.args().key(k.shorthand()).type(), params));
        if (k.args().keys().stream().noneMatch(Key::required)) any.addObject().put("type", "null");
        if (params) any.add(ref("param"));
        ObjectNode n = F.objectNode();
        if (any.size() == 1) n.setAll((ObjectNode) any.get(0));
        else n.set("anyOf", any);
        return n;
    }

    // ---------------------------------------------------------------- types

    /** The schema of a value of type {@code t}; {@code params}: inside layers, where $param may stand for it. */
    static ObjectNode type(Type t, boolean params) {
        ObjectNode n = F.objectNode();
        if (t instanceof Int i) {
            ObjectNode v = F.objectNode();
            v.put("type", "integer");
            v.put("minimum", i.min());
            if (i.max() < Integer.MAX_VALUE) v.put("maximum", i.max());
            n.set("anyOf", F.arrayNode().add(v).add(ref("number_text")));
        } else if (t instanceof Num num) {
            ObjectNode v = F.objectNode();
            v.put("type", "number");
            Range r = num.range();
            if (!Double.isInfinite(r.lo())) v.put(r.loOpen() ? "exclusiveMinimum" : "minimum", r.lo());
            if (!Double.isInfinite(r.hi())) v.put(r.hiOpen() ? "exclusiveMaximum" : "maximum", r.hi());
            n.set("anyOf", F.arrayNode().add(v).add(ref("number_text")));
        } else if (t instanceof Bool) {
            n.put("type", "boolean");
        } else if (t instanceof Text x) {
            n.put("type", "string");
            if (x.pattern() != null) n.put("pattern", x.pattern());
        } else if (t instanceof Vocabulary.Enum e) {
            n.put("type", "string");
            n.set("enum", strings(e.values()));
        } else if (t instanceof Pair p) {
            ObjectNode one = type(new Int(p.min(), Integer.MAX_VALUE), false);
            ObjectNode two = array(type(new Int(p.min(), Integer.MAX_VALUE), params));
            two.put("minItems", 2);
            two.put("maxItems", 2);
            n.set("anyOf", F.arrayNode().add(one).add(two));
        } else if (t instanceof Padding) {
            ObjectNode words = F.objectNode();
            words.set("enum", strings(List.of("same", "valid")));
            n.set("anyOf", F.arrayNode().add(type(new Pair(0), params)).add(words));
        } else if (t instanceof ListOf l) {
            n = array(type(l.item(), params));
            if (l.minItems() > 0) n.put("minItems", l.minItems());
            if (l.maxItems() >= 0) n.put("maxItems", l.maxItems());
        } else if (t instanceof AnyOf a) {
            ArrayNode any = n.putArray("anyOf");
            for (Type o : a.options()) any.add(type(o, params));
        } else if (t instanceof Section s) {
            section(n, s, params);
        } else if (t instanceof OneOf o) {
            n.put("description", o.doc());
            ArrayNode any = n.putArray("anyOf");
            ObjectNode bare = any.addObject();
            bare.put("type", "string");
            ArrayNode names = bare.putArray("enum");
            for (Kind k : o.kinds()) if (k.args().keys().stream().noneMatch(Key::required)) names.add(k.name());
            for (Kind k : o.kinds()) {
                ObjectNode obj = any.addObject();
                obj.put("type", "object");
                ObjectNode args = kindArgs(k, params);
                args.put("description", k.doc());
                obj.putObject("properties").set(k.name(), args);
                obj.putArray("required").add(k.name());
                obj.put("additionalProperties", false);
            }
        } else if (t instanceof Ref r) {
            n = ref(r.name());
        } else if (t instanceof Layers) {
            n = ref("layers");
        } else if (t instanceof MapOf m && m.value() instanceof Anything) { // a parameter with its default
            n.put("type", "object");
            n.putObject("propertyNames").put("pattern", Vocabulary.NAME.pattern());
            n.put("minProperties", 1);
            n.put("maxProperties", 1);
        } else if (t instanceof MapOf m && !(m.value() instanceof Section b && b.name().equals("block"))) {
            n.put("type", "object");                          // e.g. trainable's {weight: ..., bias: ...}
            n.set("additionalProperties", type(m.value(), params));
        } else if (t instanceof MapOf m) {
            n.put("type", "object");
            List<String> reserved = new ArrayList<>(LayerKinds.SCHEMA.names());
            reserved.add("repeat");
            reserved.add("input");
            ObjectNode names = n.putObject("propertyNames");
            names.put("pattern", Vocabulary.NAME.pattern());
            names.putObject("not").set("enum", strings(reserved));
            n.set("additionalProperties", ref("block"));
        } else if (!(t instanceof Anything)) {
            throw new IllegalStateException("no schema for " + t);
        }
        return n;
    }

    private static void section(ObjectNode n, Section s, boolean params) {
        n.put("type", "object");
        if (s.doc() != null && !n.has("description")) n.put("description", s.doc());
        ObjectNode props = n.putObject("properties");
        ArrayNode required = F.arrayNode();
        for (Key k : s.keys()) {
            props.set(k.name(), property(k, params));
            if (k.required()) required.add(k.name());
        }
        if (!required.isEmpty()) n.set("required", required);
        n.put("additionalProperties", false);
    }

    /** A key's schema: its type (or a $param inside layers), description, default and example. */
    private static ObjectNode property(Key k, boolean params) {
        ObjectNode t = type(k.type(), params);
        ObjectNode p;
        if (params && !(k.type() instanceof Layers)) {
            p = F.objectNode();
            p.set("anyOf", F.arrayNode().add(t).add(ref("param")));
        } else {
            p = t.has("$ref") ? wrapRef(t) : t;
        }
        return describe(p, k);
    }

    private static ObjectNode describe(ObjectNode p, Key k) {
        if (p.has("$ref")) p = wrapRef(p);
        p.put("title", k.name());
        p.put("description", KeyTables.description(k));
        if (k.dflt() != null) p.set("default", json(k.dflt()));
        if (k.example() != null) p.putArray("examples").add(json(new Yaml(new LoaderOptions()).load(k.example())));
        return p;
    }

    /** draft-07 ignores siblings of $ref: put it under allOf so a description can sit next to it. */
    private static ObjectNode wrapRef(ObjectNode r) {
        ObjectNode n = F.objectNode();
        n.putArray("allOf").add(r);
        return n;
    }

    private static ObjectNode ref(String name) {
        ObjectNode n = F.objectNode();
        n.put("$ref", "#/definitions/" + name);
        return n;
    }

    private static ObjectNode array(ObjectNode items) {
        ObjectNode n = F.objectNode();
        n.put("type", "array");
        n.set("items", items);
        return n;
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = F.arrayNode();
        values.forEach(a::add);
        return a;
    }

    private static JsonNode json(Object v) {
        return new ObjectMapper().valueToTree(v);
    }
}
