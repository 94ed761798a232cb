package dev.tokenbroker.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shape of the code (docs/architecture.md): domain packages without cycles, value types at the bottom. */
class PackageRulesTest {

    private static JavaClasses broker;

    @BeforeAll
    static void importClasses() {
        broker = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.tokenbroker");
    }

    @Test
    void packagesFormNoCycles() {
        slices().matching("dev.tokenbroker.(*)..").should().beFreeOfCycles().check(broker);
    }

    @Test
    void valueTypesAndDomainExceptionsDependOnNoOtherPackageOfTheBroker() {
        classes().that().resideInAPackage("dev.tokenbroker.token..")
                .should().onlyDependOnClassesThat(resideInAPackage("dev.tokenbroker.token..")
                        .or(resideOutsideOfPackage("dev.tokenbroker..")))
                .check(broker);
    }

    @Test
    void onlyTheHttpSurfaceKnowsHttpAnswers() {
        noClasses().that().resideOutsideOfPackages("dev.tokenbroker.api..", "dev.tokenbroker.problem..",
                        "dev.tokenbroker.health..", "dev.tokenbroker.demo..", "dev.tokenbroker.upstream..",
                        "dev.tokenbroker.oauth..")
                .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..", "dev.tokenbroker.problem..")
                .check(broker);
    }

    @Test
    void theTiersAreReachedOnlyThroughTheTokenService() {
        noClasses().that().resideInAPackage("dev.tokenbroker.api..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.tokenbroker.cache..", "dev.tokenbroker.upstream..")
                .check(broker);
    }
}
