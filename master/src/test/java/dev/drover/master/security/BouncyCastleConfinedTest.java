package dev.drover.master.security;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Certificates are signed in one place: only {@code master.security} imports BouncyCastle. */
class BouncyCastleConfinedTest {
  @Test
  void onlyMasterSecurityImportsBouncyCastle() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.drover");
    assertThat(classes.contain(CertificateAuthority.class)).isTrue();
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.drover.master.security..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.bouncycastle..")
        .check(classes);
  }
}
