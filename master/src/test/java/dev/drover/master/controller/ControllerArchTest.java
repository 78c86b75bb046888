package dev.drover.master.controller;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the controller packages layered: every controller subpackage builds on the base package
 * {@code master.controller} and on proto's API vocabulary, never on a sibling subpackage, never the
 * base on a subpackage, and nothing in them on the master's upper layers (API services, wiring,
 * election) or on the scheduler.
 */
class ControllerArchTest {
  private static final String BASE = "dev.drover.master.controller";

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(BASE);
  }

  @Test
  void controllerSubpackagesDoNotDependOnEachOther() {
    slices().matching(BASE + ".(*)..").should().notDependOnEachOther().check(classes);
  }

  @Test
  void controllerPackagesAreFreeOfCycles() {
    slices().assignedFrom(new EachPackage()).should().beFreeOfCycles().check(classes);
  }

  @Test
  void basePackageDoesNotDependOnSubpackages() {
    noClasses()
        .that()
        .resideInAPackage(BASE)
        .should()
        .dependOnClassesThat()
        .resideInAPackage(BASE + ".*..")
        .check(classes);
  }

  @Test
  void controllersDoNotDependOnTheLayersAboveThem() {
    noClasses()
        .that()
        .resideInAPackage(BASE + "..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.drover.master",
            "dev.drover.master.api..",
            "dev.drover.master.wiring..",
            "dev.drover.master.election..",
            "dev.drover.master.scheduler..")
        .check(classes);
  }

  /** One slice per package under the base, the base included, so a cycle between any two shows. */
  private static final class EachPackage implements SliceAssignment {
    @Override
    public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
      String pkg = javaClass.getPackageName();
      return pkg.equals(BASE) || pkg.startsWith(BASE + ".")
          ? SliceIdentifier.of(pkg)
          : SliceIdentifier.ignore();
    }

    @Override
    public String getDescription() {
      return "each package under " + BASE;
    }
  }
}
