package dev.drover.master.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.drover.master.api.ControlServiceImpl;
import dev.drover.master.registry.Registry;
import org.junit.jupiter.api.Test;

/**
 * The master's package structure: its top packages form a DAG (dependencies point one way only,
 * with {@code Master} on top wiring them), and the registry stays free of gRPC so that only the API
 * layer maps its domain failures to status codes.
 */
class MasterPackagesTest {
  private static final JavaClasses MASTER =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.drover.master");

  @Test
  void topPackagesHaveNoCycles() {
    // The rule is only as good as the import: it must have seen the packages it judges.
    assertThat(MASTER.contain(Registry.class)).isTrue();
    assertThat(MASTER.contain(ControlServiceImpl.class)).isTrue();
    slices().matching("dev.drover.master.(*)..").should().beFreeOfCycles().check(MASTER);
  }

  @Test
  void registryNeverSpeaksGrpc() {
    noClasses()
        .that()
        .resideInAPackage("dev.drover.master.registry..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.grpc..")
        .check(MASTER);
  }

  @Test
  void subpackagesNeverReachUpToTheMasterClass() {
    noClasses()
        .that()
        .resideInAPackage("dev.drover.master.(*)..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.drover.master")
        .check(MASTER);
  }

  @Test
  void apiDependsOnNoController() {
    noClasses()
        .that()
        .resideInAPackage("dev.drover.master.api..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.drover.master.controller..", "dev.drover.master.scheduler..")
        .check(MASTER);
  }
}
