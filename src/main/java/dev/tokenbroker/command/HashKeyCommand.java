package dev.tokenbroker.command;

import dev.tokenbroker.caller.StaticKeyVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * {@code hash-key}: reads one static caller key on standard input and prints the {@code api-key-sha256:} line the
 * callers file lists for it. Surrounding white space (the newline of {@code echo}) is dropped, as the broker drops
 * it from a bearer value; a key the broker would never accept is refused. The key is never printed.
 */
final class HashKeyCommand {

    /** Read at most this much: a key longer than a bearer value may be is refused anyway. */
    private static final int MAX_INPUT_BYTES = 64 * 1024;

    private HashKeyCommand() {}

    static int run(List<String> args, InputStream in, PrintStream out, PrintStream err) {
        if (args.size() == 1 && ("-h".equals(args.get(0)) || "--help".equals(args.get(0)))) {
            out.print(Commands.USAGE_TEXT);
            return Commands.OK;
        }
        if (!args.isEmpty()) {
            return Commands.usage(err, "hash-key takes no arguments: it reads the key on standard input");
        }
        String key;
        try {
            byte[] input = in.readNBytes(MAX_INPUT_BYTES + 1);
            if (input.length > MAX_INPUT_BYTES) {
                err.println("token-broker: hash-key: standard input holds more than one key can be");
                return Commands.FAILED;
            }
            key = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(input)).toString().strip();
        } catch (CharacterCodingException e) {
            err.println("token-broker: hash-key: standard input is not UTF-8 text");
            return Commands.FAILED;
        } catch (IOException e) {
            err.println("token-broker: hash-key: cannot read standard input (" + e.getClass().getSimpleName() + ")");
            return Commands.FAILED;
        }
        if (key.isEmpty()) {
            err.println("token-broker: hash-key: no key on standard input (printf %s \"$KEY\" | java -jar token-broker.jar hash-key)");
            return Commands.FAILED;
        }
        Optional<String> unusable = StaticKeyVerifier.unusable(key);
        if (unusable.isPresent()) {
            err.println("token-broker: hash-key: refused: " + unusable.get());
            return Commands.FAILED;
        }
        out.println("api-key-sha256: " + StaticKeyVerifier.digestHex(key));
        return Commands.OK;
    }
}
