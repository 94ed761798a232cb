package dev.tokenbroker.command;

import dev.tokenbroker.caller.Caller;
import dev.tokenbroker.caller.CallerEntry;
import dev.tokenbroker.caller.CallerRejected;
import dev.tokenbroker.caller.Grant;
import dev.tokenbroker.caller.GrantDecision;
import dev.tokenbroker.caller.GrantRefused;
import dev.tokenbroker.caller.UnloadedCallers;
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
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code explain}: the decision {@code GET /tokens} would make for one caller, offline (docs/operations.md, Why was
 * this refused?). It reads the callers policy, one file or a directory of them, as the broker loads it
 * ({@link OfflinePolicy}: the broker's parser and merge), and the credential with the broker's {@link CredentialLoader},
 * finds the caller with the policy's own look-ups and decides with the broker's own {@link GrantDecision}; it says
 * which entry decided (file:line), and notes entries refused as repeats and files the broker refuses. In a directory,
 * a broken file is left out with a warning (the running broker would keep its last good version, which is not here
 * to read), unless it lists the caller: then the caller is refused, as a broker starting now refuses it. Exit 0 when
 * allowed, 1 when refused, 2 when the command line is wrong. Prints names, lines and scopes, never a secret.
 */
final class ExplainCommand {

    private static final Pattern DIGEST = Pattern.compile("[0-9a-fA-F]{64}");

    /** What the command line asks. */
    private record Question(Path callers, Path credentials, Optional<String> cluster, String serviceAccount, String keySha256,
            String credential, List<String> scopes) {
        OfflinePolicy.Who who() {
            return new OfflinePolicy.Who(keySha256, cluster, serviceAccount);
        }
    }

    private final PrintStream out;
    private final PrintStream err;
    private final Commands.Settings settings;

    ExplainCommand(PrintStream out, PrintStream err, Commands.Settings settings) {
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
        Optional<Commands.Loaded> loaded = Commands.loadSettings(settings,
                problem -> err.println("token-broker: explain: setting " + problem));
        if (loaded.isEmpty()) {
            return Commands.FAILED;
        }
        OfflinePolicy policy;
        try {
            policy = OfflinePolicy.read(question.callers(), BrokerSettings.clusters(loaded.get().config()));
        } catch (IOException e) {
            return refused(401, CallerRejected.Reason.CALLERS_NOT_LOADED.tag(), "the callers policy "
                    + question.callers() + " " + LastGood.Unusable.of(e).getMessage() + ": the broker denies every caller");
        }
        return decide(question, policy, loaded.get().loader());
    }

    private int decide(Question question, OfflinePolicy policy, CredentialLoader loader) {
        OfflinePolicy.Who who = question.who();
        if (!policy.directory() && !policy.broken().isEmpty()) { // one file: refused whole, nothing else to decide by
            OfflinePolicy.Broken broken = policy.broken().get(0);
            Optional<UnloadedCallers.Unloaded> why = broken.lists(who);
            return refused(401, why.map(w -> w.reason().tag()).orElse(CallerRejected.Reason.CALLERS_FILE_NOT_LOADED.tag()),
                    broken.describe() + "; it keeps its last good policy, or at start denies every caller"
                            + why.map(w -> "; this caller's entry is at " + w.entry()).orElse(""));
        }
        Optional<CallerEntry> entry = policy.find(who);
        Optional<OfflinePolicy.Broken> listing = entry.isPresent() ? Optional.empty()
                : policy.broken().stream().filter(broken -> broken.lists(who).isPresent()).findFirst();
        int exit = entry.isPresent() ? decide(question, entry.get(), loader)
                : listing.isPresent() ? refused(listing.get(), who) : unlisted(question, policy);
        notes(policy, who, entry, listing);
        return exit;
    }

    /**
     * What else bears on the decision: a namespace entry that the exact one replaces, entries for this caller refused
     * as repeats, and the files left out (but {@code decidedBy}, which the refusal names already).
     */
    private void notes(OfflinePolicy policy, OfflinePolicy.Who who, Optional<CallerEntry> decided,
            Optional<OfflinePolicy.Broken> decidedBy) {
        decided.flatMap(exact -> policy.namespaceEntry(who).filter(wide -> wide != exact)).ifPresent(wide -> out.println(
                "  note: " + wide.where() + " (caller " + wide.caller().name() + ") names " + wide.caller().serviceAccount()
                        .orElseThrow() + " too; the entry naming the account itself takes its place"));
        policy.refusedNaming(who).forEach(refused -> out.println("  note: " + refused.describe()));
        for (OfflinePolicy.Broken broken : policy.broken().stream().filter(b -> decidedBy.orElse(null) != b).toList()) {
            out.println("  warning: " + broken.describe() + "; a running broker keeps that file's last good version,"
                    + " which explain cannot see, and one starting now is not ready: explained without it"
                    + broken.lists(who).map(w -> "; it lists this caller at " + w.entry()).orElse(""));
        }
    }

    private int decide(Question question, CallerEntry entry, CredentialLoader loader) {
        Caller caller = entry.caller();
        String who = "caller " + caller.name() + " (" + entry.where() + caller.serviceAccount()
                .filter(account -> account.endsWith("/*")).map(account -> ", service-account " + account).orElse("") + ")";
        List<String> notes = new ArrayList<>();
        Optional<Credential> credential = load(question, loader, notes);
        ScopeSet scopes;
        try {
            ScopeSet requested = ScopeSet.parse(question.scopes());
            scopes = GrantDecision.scopes(caller, question.credential(), requested, credential);
        } catch (TokenException e) {
            int status = switch (e.refusal()) {
                case INVALID_REQUEST, INVALID_SCOPE -> 400;
                case UNKNOWN_CREDENTIAL -> 404;
                default -> 403;
            };
            String reason = e instanceof GrantRefused refused ? refused.reason().tag() : e.refusal().code();
            refused(status, e.refusal().code() + " (" + reason + ")", who + ": " + e.getMessage());
            notes.forEach(note -> out.println("  " + note));
            grants(entry, question.credential(), "its grants for " + question.credential());
            return Commands.FAILED;
        }
        out.println("allowed: " + who + " gets " + question.credential() + " with scopes \"" + scopes + "\""
                + (question.scopes().isEmpty() ? " (the credential's default scopes that its grants hold)" : ""));
        grants(entry, question.credential(), "granted by");
        return Commands.OK;
    }

    /** The grants of {@code entry}'s caller for {@code credential}, each with its file and line. */
    private void grants(CallerEntry entry, String credential, String heading) {
        Caller caller = entry.caller();
        List<Grant> grants = caller.grants().stream().filter(g -> g.credential().equals(credential)).toList();
        if (grants.isEmpty()) {
            out.println("  " + heading + ": none");
        }
        for (Grant grant : grants) {
            out.println("  " + heading + ": " + entry.place() + ":" + grant.line() + " grants[" + caller.grants().indexOf(grant)
                    + "] credential " + credential + " scopes " + (grant.allScopes() ? "\"*\"" : "\"" + grant.scopes() + "\""));
        }
    }

    /** A caller whose entry is in a file of the directory that the broker refuses. */
    private int refused(OfflinePolicy.Broken broken, OfflinePolicy.Who who) {
        UnloadedCallers.Unloaded why = broken.lists(who).orElseThrow();
        return refused(401, why.reason().tag(), broken.describe() + "; a running broker keeps that file's last good"
                + " version, which explain cannot see, and one starting now denies its callers; this caller's entry is at "
                + why.entry());
    }

    /** A caller that no loaded entry names: refused as a repeat of an earlier file's, or not listed at all. */
    private int unlisted(Question question, OfflinePolicy policy) {
        String unknown = (policy.refusedNaming(question.who()).isEmpty() ? "no entry of " : "no entry the broker loads from ")
                + question.callers();
        if (question.keySha256() != null) {
            return refused(401, CallerRejected.Reason.UNKNOWN_API_KEY.tag(), unknown + " lists api-key-sha256 "
                    + question.keySha256().substring(0, 8) + "…");
        }
        String cluster = question.cluster().orElse("the default cluster");
        refused(401, CallerRejected.Reason.UNKNOWN_SERVICE_ACCOUNT.tag(), unknown + " lists ServiceAccount "
                + question.serviceAccount() + " of " + cluster);
        policy.loaded().stream().filter(e -> e.caller().serviceAccount().filter(question.serviceAccount()::equals).isPresent())
                .forEach(e -> out.println("  " + e.where() + " lists it for "
                        + e.caller().cluster().map(c -> "cluster " + c).orElse("the default cluster") + " (caller "
                        + e.caller().name() + ")"));
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
