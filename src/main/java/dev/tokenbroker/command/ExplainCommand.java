package dev.tokenbroker.command;

import dev.tokenbroker.caller.Caller;
import dev.tokenbroker.caller.CallerPolicy;
import dev.tokenbroker.caller.CallerRejected;
import dev.tokenbroker.caller.CallersFile;
import dev.tokenbroker.caller.Grant;
import dev.tokenbroker.caller.GrantDecision;
import dev.tokenbroker.caller.GrantRefused;
import dev.tokenbroker.caller.UnloadedCallers;
import dev.tokenbroker.config.TokenBrokerConfig;
import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialLoader;
import dev.tokenbroker.credential.CredentialsDirectory;
import dev.tokenbroker.reload.LastGood;
import dev.tokenbroker.token.ScopeSet;
import dev.tokenbroker.token.TokenException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code explain}: the decision {@code GET /tokens} would make for one caller, offline (docs/operations.md, Why was
 * this refused?). It reads the callers policy and the credential with the broker's own readers
 * ({@link CallersFile#read(Path, java.util.Set)}, {@link CredentialLoader}) and decides with the broker's own
 * {@link GrantDecision}; only the finding of the caller (by key digest or ServiceAccount) is done here, with the
 * policy's own look-ups. Exit 0 when allowed, 1 when refused, 2 when the command line is wrong. Prints names, lines
 * and scopes, never a secret.
 */
final class ExplainCommand {

    private static final Pattern DIGEST = Pattern.compile("[0-9a-fA-F]{64}");

    /** What the command line asks. */
    private record Question(Path callers, Path credentials, Optional<String> cluster, String serviceAccount, String keySha256,
            String credential, List<String> scopes) {}

    private final PrintStream out;
    private final PrintStream err;
    private final CheckCommand.Settings settings;

    ExplainCommand(PrintStream out, PrintStream err, CheckCommand.Settings settings) {
        this.out = out;
        this.err = err;
        this.settings = settings;
    }

    int run(List<String> args) {
        Question question;
        try {
            question = question(args);
        } catch (Usage e) {
            return Commands.usage(err, "explain: " + e.getMessage());
        }
        if (question == null) {
            out.print(Commands.USAGE_TEXT);
            return Commands.OK;
        }
        TokenBrokerConfig config;
        CredentialLoader loader;
        try {
            config = settings.read();
            loader = new CredentialLoader(config);
        } catch (BrokerSettings.InvalidSettings e) {
            e.problems().forEach(p -> err.println("token-broker: explain: setting " + p));
            return Commands.FAILED;
        } catch (IllegalStateException e) {
            err.println("token-broker: explain: " + e.getMessage());
            return Commands.FAILED;
        }
        if (java.nio.file.Files.isDirectory(question.callers())) { // not yet: docs/operations.md, Why was this refused?
            err.println("token-broker: explain: --callers names a directory; explain reads one callers file (run check"
                    + " on the directory, then explain with the file that lists the caller)");
            return Commands.USAGE;
        }
        CallersFile.Contents contents;
        try {
            contents = CallersFile.read(question.callers(), BrokerSettings.clusters(config));
        } catch (IOException e) {
            return refused(401, CallerRejected.Reason.CALLERS_NOT_LOADED.tag(), "the callers policy "
                    + question.callers() + " " + LastGood.Unusable.of(e).getMessage() + ": the broker denies every caller");
        }
        return decide(question, contents, loader);
    }

    private int decide(Question question, CallersFile.Contents contents, CredentialLoader loader) {
        Path file = question.callers();
        if (!contents.problems().isEmpty()) {
            UnloadedCallers unloaded = UnloadedCallers.of(file, contents);
            Optional<UnloadedCallers.Unloaded> why = question.keySha256() != null
                    ? unloaded.key(HexFormat.of().parseHex(question.keySha256()))
                    : unloaded.account(question.cluster(), question.serviceAccount());
            return refused(401, why.map(w -> w.reason().tag()).orElse(CallerRejected.Reason.CALLERS_FILE_NOT_LOADED.tag()),
                    "the broker refuses " + file + " (" + contents.problems().size() + " problem"
                            + (contents.problems().size() == 1 ? "" : "s") + ", the first at line "
                            + contents.problems().get(0).line() + ": " + contents.problems().get(0).message()
                            + "; run check); it keeps its last good policy, or at start denies every caller"
                            + why.map(w -> "; this caller's entry is at " + w.entry()).orElse(""));
        }
        CallerPolicy policy = contents.policy().orElseThrow();
        Optional<Caller> caller = question.keySha256() != null
                ? policy.byKeyDigest(HexFormat.of().parseHex(question.keySha256()))
                : policy.byServiceAccount(question.cluster(), question.serviceAccount());
        if (caller.isEmpty()) {
            return unknownCaller(question, contents);
        }
        CallersFile.Listed listed = contents.callers().stream().filter(l -> l.caller() == caller.get()).findFirst().orElseThrow();
        String who = "caller " + listed.caller().name() + " (" + file + ":" + listed.line() + ")";
        List<String> notes = new ArrayList<>();
        Optional<Credential> credential = load(question, loader, notes);
        ScopeSet scopes;
        try {
            ScopeSet requested = ScopeSet.parse(question.scopes());
            scopes = GrantDecision.scopes(caller.get(), question.credential(), requested, credential);
        } catch (TokenException e) {
            int status = switch (e.refusal()) {
                case INVALID_REQUEST, INVALID_SCOPE -> 400;
                case UNKNOWN_CREDENTIAL -> 404;
                default -> 403;
            };
            String reason = e instanceof GrantRefused refused ? refused.reason().tag() : e.refusal().code();
            refused(status, e.refusal().code() + " (" + reason + ")", who + ": " + e.getMessage());
            notes.forEach(note -> out.println("  " + note));
            grants(file, caller.get(), question.credential(), "its grants for " + question.credential());
            return Commands.FAILED;
        }
        out.println("allowed: " + who + " gets " + question.credential() + " with scopes \"" + scopes + "\""
                + (question.scopes().isEmpty() ? " (the credential's default scopes that its grants hold)" : ""));
        grants(file, caller.get(), question.credential(), "granted by");
        return Commands.OK;
    }

    /** The grants of {@code caller} for {@code credential}, each with its line. */
    private void grants(Path file, Caller caller, String credential, String heading) {
        List<Grant> grants = caller.grants().stream().filter(g -> g.credential().equals(credential)).toList();
        if (grants.isEmpty()) {
            out.println("  " + heading + ": none");
        }
        for (Grant grant : grants) {
            out.println("  " + heading + ": " + file + ":" + grant.line() + " grants[" + caller.grants().indexOf(grant)
                    + "] credential " + credential + " scopes " + (grant.allScopes() ? "\"*\"" : "\"" + grant.scopes() + "\""));
        }
    }

    private int unknownCaller(Question question, CallersFile.Contents contents) {
        if (question.keySha256() != null) {
            return refused(401, CallerRejected.Reason.UNKNOWN_API_KEY.tag(), "no entry of " + question.callers()
                    + " lists api-key-sha256 " + question.keySha256().substring(0, 8) + "…");
        }
        String cluster = question.cluster().orElse("the default cluster");
        refused(401, CallerRejected.Reason.UNKNOWN_SERVICE_ACCOUNT.tag(), "no entry of " + question.callers()
                + " lists ServiceAccount " + question.serviceAccount() + " of " + cluster);
        contents.callers().stream().filter(l -> l.caller().serviceAccount().filter(question.serviceAccount()::equals).isPresent())
                .forEach(l -> out.println("  " + question.callers() + ":" + l.line() + " lists it for "
                        + l.caller().cluster().map(c -> "cluster " + c).orElse("the default cluster") + " (caller "
                        + l.caller().name() + ")"));
        return Commands.FAILED;
    }

    /** The credential as the broker would load it now; empty (and why, printed) when it would not. */
    private Optional<Credential> load(Question question, CredentialLoader loader, List<String> notes) {
        if (!Credential.NAME.matcher(question.credential()).matches()) {
            return Optional.empty();
        }
        Path dir;
        try {
            dir = CredentialsDirectory.list(question.credentials()).credentials().get(question.credential());
        } catch (IOException e) {
            notes.add("the credentials directory " + question.credentials() + " " + LastGood.Unusable.of(e).getMessage());
            return Optional.empty();
        }
        if (dir == null) {
            notes.add(question.credentials() + " holds no credential " + question.credential());
            return Optional.empty();
        }
        CredentialLoader.Result result = loader.load(question.credential(), dir);
        if (result instanceof CredentialLoader.Invalid invalid) {
            notes.add(dir.resolve(invalid.file()) + ": " + invalid.problem() + " (the broker does not load it)");
            return Optional.empty();
        }
        return Optional.of(((CredentialLoader.Valid) result).credential());
    }

    private int refused(int status, String code, String reason) {
        out.println("refused: " + status + " " + code + ": " + reason);
        return Commands.FAILED;
    }

    /** A command line that is wrong, said without the usage text. */
    private static final class Usage extends Exception {
        Usage(String message) {
            super(message, null, false, false);
        }
    }

    /** The question asked; null when help was asked for. */
    private static Question question(List<String> args) throws Usage {
        String callers = null;
        String credentials = null;
        String account = null;
        String key = null;
        String credential = null;
        List<String> scopes = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if ("-h".equals(arg) || "--help".equals(arg)) {
                return null;
            }
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : i + 1 < args.size() ? args.get(++i) : null;
            if (!List.of("--callers", "--credentials", "--service-account", "--key-sha256", "--credential", "--scope").contains(name)) {
                throw new Usage("unknown argument " + arg);
            }
            if (value == null || value.isEmpty()) {
                throw new Usage(name + " needs a value");
            }
            switch (name) {
                case "--callers" -> callers = once(name, callers, value);
                case "--credentials" -> credentials = once(name, credentials, value);
                case "--service-account" -> account = once(name, account, value);
                case "--key-sha256" -> key = once(name, key, value);
                case "--credential" -> credential = once(name, credential, value);
                default -> scopes.add(value);
            }
        }
        if (callers == null || credentials == null || credential == null) {
            throw new Usage("--callers, --credentials and --credential are required");
        }
        if ((account == null) == (key == null)) {
            throw new Usage("give one of --service-account and --key-sha256");
        }
        if (key != null && !DIGEST.matcher(key).matches()) {
            throw new Usage("--key-sha256 is 64 hex digits (hash-key prints it), never the key itself");
        }
        Optional<String> cluster = Optional.empty();
        if (account != null) {
            String[] parts = account.split("/", -1);
            if (parts.length < 2 || parts.length > 3 || List.of(parts).contains("")) {
                throw new Usage("--service-account is [CLUSTER/]NAMESPACE/NAME");
            }
            cluster = parts.length == 3 && !"default".equals(parts[0]) ? Optional.of(parts[0]) : Optional.empty();
            account = parts[parts.length - 2] + "/" + parts[parts.length - 1];
        }
        try {
            return new Question(Path.of(callers), Path.of(credentials), cluster, account,
                    key == null ? null : key.toLowerCase(java.util.Locale.ROOT), credential, scopes);
        } catch (InvalidPathException e) {
            throw new Usage("not a path: " + e.getInput());
        }
    }

    private static String once(String name, String previous, String value) throws Usage {
        if (previous != null) {
            throw new Usage(name + " is given twice");
        }
        return value;
    }
}
