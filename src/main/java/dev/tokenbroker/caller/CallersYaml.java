package dev.tokenbroker.caller;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads the entries of a callers file one by one, each with the line it starts on, so that one entry's mistake does
 * not hide the next one's; {@link CallersFile} validates them. Problems name the schema's fields, never a value.
 */
final class CallersYaml {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    record Entry(
            String name,
            @JsonProperty("api-key-sha256") String apiKeySha256,
            @JsonProperty("service-account") String serviceAccount,
            String cluster,
            List<GrantEntry> grants,
            List<String> purge) {}

    record GrantEntry(String credential, List<String> scopes) {}

    /** An entry of {@code bounds:} (docs/configuration.md, Grants for many teams). */
    record BoundEntry(List<String> namespaces, List<GrantEntry> grants) {}

    /** A bound as read, like {@link Located}. */
    record LocatedBound(int line, BoundEntry entry, boolean readable) {}

    /** What a callers file lists: callers, and the bounds of self-service grants. */
    record Document(List<Located> callers, List<LocatedBound> bounds) {}

    private static final String CALLER_FIELDS =
            "a caller has name, api-key-sha256, service-account, cluster, grants, purge; a grant credential, scopes";
    private static final String BOUND_FIELDS = "a bound has namespaces, grants; a grant credential, scopes";

    /** A field name worth naming in a problem: a plain word, never a value pasted where a name should be. */
    private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,39}");
    private static final Pattern DIGEST = Pattern.compile("[0-9a-fA-F]{64}");
    /** What a YAML parser's problem quotes from the document. */
    private static final Pattern QUOTED = Pattern.compile("'[^']{2,}'|\"[^\"]{2,}\"");

    private CallersYaml() {}

    /**
     * An entry as read (null for an empty one), with the line it starts on; not {@code readable} when it could not
     * be bound, a problem that is recorded already.
     */
    record Located(int line, Entry entry, boolean readable, Identity identity, Map<String, Integer> lines) {

        /** The line of this path in the entry ({@code .grants[1]}), else the entry's. */
        int line(String path) {
            return lines.getOrDefault(path, line);
        }
    }

    /**
     * Who an entry that could not be read seems to list: a value of 64 hex digits under any field (a digest under a
     * misspelt {@code api-key-sha256}, say), its {@code service-account} and {@code cluster}. Only to say, when such a
     * caller is refused, that its entry was not loaded.
     */
    record Identity(Optional<String> keyDigest, Optional<String> serviceAccount, Optional<String> cluster) {
        static final Identity NONE = new Identity(Optional.empty(), Optional.empty(), Optional.empty());

        static Identity of(JsonNode entry) {
            if (!entry.isObject()) {
                return NONE;
            }
            Optional<String> digest = Optional.empty();
            for (JsonNode value : (Iterable<JsonNode>) entry::elements) {
                if (value.isTextual() && DIGEST.matcher(value.asText()).matches()) {
                    digest = Optional.of(value.asText().toLowerCase(java.util.Locale.ROOT));
                }
            }
            return new Identity(digest, text(entry, "service-account"), text(entry, "cluster"));
        }

        private static Optional<String> text(JsonNode entry, String field) {
            return Optional.ofNullable(entry.get(field)).filter(JsonNode::isTextual).map(JsonNode::asText);
        }
    }

    /** The entries of a callers file, each with its line; what cannot be read is added to {@code problems}. */
    static List<Located> entries(byte[] yaml, List<CallersFile.Problem> problems) {
        return document(yaml, problems).callers();
    }

    /** The callers and bounds of a callers file, each with its line; what cannot be read is added to {@code problems}. */
    static Document document(byte[] yaml, List<CallersFile.Problem> problems) {
        List<LocatedBound> bounds = new ArrayList<>();
        if (new String(yaml, StandardCharsets.UTF_8).isBlank()) {
            return new Document(List.of(), bounds);
        }
        try (JsonParser parser = YAML.createParser(yaml)) {
            try {
                return new Document(entries(parser, bounds, problems), bounds);
            } catch (RuntimeException e) { // how the YAML parser fails on some cut-off documents ("grants: [" at the end)
                problems.add(new CallersFile.Problem(line(parser), "not valid callers YAML"));
                return new Document(List.of(), List.of());
            }
        } catch (IOException e) {
            // Jackson's message may quote the document; keep only the position.
            problems.add(new CallersFile.Problem(syntaxErrorLine(e), syntaxError(e)));
            return new Document(List.of(), List.of());
        }
    }

    private static List<Located> entries(JsonParser parser, List<LocatedBound> bounds, List<CallersFile.Problem> problems)
            throws IOException {
        List<Located> entries = new ArrayList<>();
        JsonToken document = parser.nextToken();
        if (document == null) { // comments only (an empty file or a bare "---" is no callers)
            problems.add(new CallersFile.Problem(0, "not valid callers YAML: no document, only comments"));
            return entries;
        }
        if (document == JsonToken.VALUE_NULL) {
            return entries;
        }
        if (document != JsonToken.START_OBJECT) {
            problems.add(new CallersFile.Problem(line(parser), "not valid callers YAML: expected a mapping with callers"));
            return entries;
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            int line = line(parser);
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            if (!"callers".equals(field) && !"bounds".equals(field)) {
                problems.add(new CallersFile.Problem(line, "has an unknown field at the top (only callers, bounds)"));
                parser.skipChildren();
            } else if (value == JsonToken.START_ARRAY && "callers".equals(field)) {
                entries = new ArrayList<>(); // a second callers list replaces the first, as when bound at once
                readCallers(parser, entries, problems);
            } else if (value == JsonToken.START_ARRAY) {
                bounds.clear();
                readBounds(parser, bounds, problems);
            } else if (value != JsonToken.VALUE_NULL) {
                problems.add(new CallersFile.Problem(line, field + " is not a list"));
                parser.skipChildren();
            }
        }
        return entries;
    }

    /** Adds one entry of a list as read: bound ({@code readable}), or not, with its tree and its fields' lines. */
    private interface Read<T> {
        void add(int line, T entry, boolean readable, JsonNode tree, Map<String, Integer> lines);
    }

    private static void readCallers(JsonParser parser, List<Located> entries, List<CallersFile.Problem> problems) throws IOException {
        readEntries(parser, "callers", Entry.class, CALLER_FIELDS, problems, (line, entry, readable, tree, lines) -> entries.add(
                new Located(line, entry, readable, readable ? Identity.NONE : Identity.of(tree), lines)));
    }

    private static void readBounds(JsonParser parser, List<LocatedBound> bounds, List<CallersFile.Problem> problems) throws IOException {
        readEntries(parser, "bounds", BoundEntry.class, BOUND_FIELDS, problems,
                (line, bound, readable, tree, lines) -> bounds.add(new LocatedBound(line, bound, readable)));
    }

    /** Reads each entry of a list on its own, so that one entry's mistake does not hide the next one's. */
    private static <T> void readEntries(JsonParser parser, String name, Class<T> type, String fields,
            List<CallersFile.Problem> problems, Read<T> read) throws IOException {
        for (int index = 0; parser.nextToken() != JsonToken.END_ARRAY; index++) {
            int line = line(parser);
            Map<String, Integer> lines = new HashMap<>();
            JsonNode tree = tree(parser, "", lines);
            try {
                read.add(line, YAML.treeToValue(tree, type), true, tree, lines);
            } catch (DatabindException e) {
                String path = path(e);
                problems.add(new CallersFile.Problem(lines.getOrDefault(path, line), name + "[" + index + "]" + mistake(e, path, fields)));
                read.add(line, null, false, tree, lines);
            }
        }
    }

    /**
     * The value at the parser's token as a tree, noting the line of each field and list item by its path
     * ({@code .grants[1].scopes}), since a tree keeps no positions and a problem should point at its own line.
     */
    private static JsonNode tree(JsonParser parser, String path, Map<String, Integer> lines) throws IOException {
        lines.putIfAbsent(path, line(parser));
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT) {
            ObjectNode object = JsonNodeFactory.instance.objectNode();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                lines.put(path + "." + field, line(parser));
                parser.nextToken();
                object.set(field, tree(parser, path + "." + field, lines));
            }
            return object;
        }
        if (token == JsonToken.START_ARRAY) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                array.add(tree(parser, path + "[" + array.size() + "]", lines));
            }
            return array;
        }
        return YAML.readTree(parser); // a scalar: the token itself
    }

    /** Where in an entry a binding problem is, as the path {@link #tree} noted lines by. */
    private static String path(DatabindException e) {
        List<JsonMappingException.Reference> path = e instanceof JsonMappingException m ? m.getPath() : List.of();
        StringBuilder where = new StringBuilder();
        for (JsonMappingException.Reference step : path) {
            where.append(step.getFieldName() != null ? "." + step.getFieldName() : "[" + step.getIndex() + "]");
        }
        return where.toString();
    }

    /**
     * What is wrong in an entry, by the schema's field names, and an unknown field by its own name when that is a
     * plain word (it is the file's, but a field name, not a value); never a value from the file.
     */
    private static String mistake(DatabindException e, String path, String fields) {
        if (!(e instanceof UnrecognizedPropertyException unknown)) {
            return path + " has a value of the wrong kind";
        }
        String field = unknown.getPropertyName();
        String at = path.substring(0, Math.max(0, path.lastIndexOf('.')));
        return at + " has an unknown field" + (field != null && FIELD_NAME.matcher(field).matches() ? " " + field : "")
                + " (" + fields + ")";
    }

    /**
     * A YAML syntax error: where (line and column) and what the YAML parser says is wrong, with anything it quotes
     * from the document left out, since that may be a key or a digest.
     */
    private static String syntaxError(IOException e) {
        Throwable cause = e.getCause();
        if (cause instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
            String problem = marked.getProblem() == null ? "" : unquoted(marked.getProblem());
            String context = marked.getContext() == null || marked.getContextMark() == null ? ""
                    : " (" + unquoted(marked.getContext()) + " at line " + (marked.getContextMark().getLine() + 1)
                            + ", column " + (marked.getContextMark().getColumn() + 1) + ")";
            return "not valid callers YAML at line " + (marked.getProblemMark().getLine() + 1) + ", column "
                    + (marked.getProblemMark().getColumn() + 1) + (problem.isBlank() ? "" : ": " + problem) + context;
        }
        return "not valid callers YAML";
    }

    /** The line a YAML syntax error is reported at: where the construct it broke starts, else where it was found. */
    private static int syntaxErrorLine(IOException e) {
        if (e.getCause() instanceof MarkedYAMLException marked) {
            var mark = marked.getContextMark() != null ? marked.getContextMark() : marked.getProblemMark();
            if (mark != null) {
                return mark.getLine() + 1;
            }
        }
        return line(e);
    }

    private static String unquoted(String text) {
        return QUOTED.matcher(text.strip()).replaceAll("'…'");
    }

    private static int line(JsonParser parser) {
        return parser.currentTokenLocation().getLineNr();
    }

    private static int line(IOException e) {
        return e instanceof JsonProcessingException p && p.getLocation() != null ? Math.max(p.getLocation().getLineNr(), 0) : 0;
    }
}
