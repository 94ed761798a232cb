package dev.tokenbroker.caller;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

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

    private CallersYaml() {}

    /**
     * An entry as read (null for an empty one), with the line it starts on; not {@code readable} when it could not
     * be bound, a problem that is recorded already.
     */
    record Located(int line, Entry entry, boolean readable) {}

    /** The entries of a callers file, each with its line; what cannot be read is added to {@code problems}. */
    static List<Located> entries(byte[] yaml, List<CallersFile.Problem> problems) {
        if (new String(yaml, StandardCharsets.UTF_8).isBlank()) {
            return List.of();
        }
        try (JsonParser parser = YAML.createParser(yaml)) {
            try {
                return entries(parser, problems);
            } catch (RuntimeException e) { // how the YAML parser fails on some cut-off documents ("grants: [" at the end)
                problems.add(new CallersFile.Problem(line(parser), "not valid callers YAML"));
                return List.of();
            }
        } catch (IOException e) {
            // Jackson's message may quote the document; keep only the position.
            problems.add(new CallersFile.Problem(line(e), "not valid callers YAML"));
            return List.of();
        }
    }

    private static List<Located> entries(JsonParser parser, List<CallersFile.Problem> problems) throws IOException {
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
            boolean callers = "callers".equals(parser.currentName());
            JsonToken value = parser.nextToken();
            if (!callers) {
                problems.add(new CallersFile.Problem(line, "has an unknown field at the top (only callers)"));
                parser.skipChildren();
            } else if (value == JsonToken.START_ARRAY) {
                entries = new ArrayList<>(); // a second callers list replaces the first, as when bound at once
                readEntries(parser, entries, problems);
            } else if (value != JsonToken.VALUE_NULL) {
                problems.add(new CallersFile.Problem(line, "callers is not a list"));
                parser.skipChildren();
            }
        }
        return entries;
    }

    /** Reads each entry of the callers list on its own, so that one entry's mistake does not hide the next one's. */
    private static void readEntries(JsonParser parser, List<Located> entries, List<CallersFile.Problem> problems) throws IOException {
        JsonStreamContext list = parser.getParsingContext();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            int line = line(parser);
            try {
                entries.add(new Located(line, YAML.readValue(parser, Entry.class), true));
            } catch (DatabindException e) {
                // A value of the wrong kind: the token binding stopped at. An unknown field: the entry's first line,
                // since a record's fields are buffered and the field is found unknown only at the entry's end.
                int at = e instanceof UnrecognizedPropertyException ? line : Math.max(line(parser), line);
                problems.add(new CallersFile.Problem(at, "callers[" + entries.size() + "]" + mistake(e)));
                entries.add(new Located(line, null, false));
                while (parser.getParsingContext() != list) { // skip the rest of this entry
                    if (parser.nextToken() == null) {
                        return;
                    }
                }
            }
        }
    }

    /** What is wrong in an entry, by the schema's field names only (never a name or value from the file). */
    private static String mistake(DatabindException e) {
        List<JsonMappingException.Reference> path = e instanceof JsonMappingException m ? m.getPath() : List.of();
        boolean unknown = e instanceof UnrecognizedPropertyException;
        StringBuilder where = new StringBuilder();
        for (int i = 0; i < path.size() - (unknown ? 1 : 0); i++) {
            JsonMappingException.Reference step = path.get(i);
            where.append(step.getFieldName() != null ? "." + step.getFieldName() : "[" + step.getIndex() + "]");
        }
        return where + (unknown ? " has an unknown field (a caller has name, api-key-sha256, service-account, cluster, grants, purge;"
                + " a grant credential, scopes)" : " has a value of the wrong kind");
    }

    private static int line(JsonParser parser) {
        return parser.currentTokenLocation().getLineNr();
    }

    private static int line(IOException e) {
        return e instanceof JsonProcessingException p && p.getLocation() != null ? Math.max(p.getLocation().getLineNr(), 0) : 0;
    }
}
