package dev.tokenbroker.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;

/**
 * Points {@code tokenbroker.callers.file} at a {@link CallersDirectory} of five generated files holding 10,000
 * callers, written before the broker starts. Started after {@link ImsResource} ({@link #order()}), whose callers file
 * setting it replaces; ImsResource's credential and token endpoint stay.
 */
public class CallersDirectoryResource implements QuarkusTestResourceLifecycleManager {

    public static final int FILES = 5;
    public static final int CALLERS = 10_000;

    private CallersDirectory directory;

    @Override
    public Map<String, String> start() {
        try {
            directory = new CallersDirectory(Files.createTempDirectory("token-broker-callers"), FILES, CALLERS);
            directory.writeAll();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("tokenbroker.callers.file", directory.dir().toString());
    }

    @Override
    public int order() {
        return 10;
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(directory,
                new TestInjector.AnnotatedAndMatchesType(TestDependency.class, CallersDirectory.class));
    }

    @Override
    public void stop() {}
}
