package dev.drover.store;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package shape of ratis-store: {@code api} at the bottom, {@code mvcc}, {@code lease}, {@code
 * watch} and {@code raft} above it with no cycle among them, and {@code dev.drover.store} itself
 * (the factories and the in-memory store) on top, imported by none of them. Together these make the
 * module's package graph a DAG. The generated {@code dev.drover.store.v1} messages belong to the
 * proto module and are left out of the rules about this module's own code.
 */
@AnalyzeClasses(
    packagesOf = KvStores.class,
    importOptions = {ImportOption.DoNotIncludeTests.class, ImportOption.DoNotIncludeJars.class})
class PackageRulesTest {

  @ArchTest
  static final ArchRule subPackagesAreFreeOfCycles =
      slices().matching("dev.drover.store.(**)").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule nothingBelowImportsTheTopPackage =
      noClasses()
          .that()
          .resideInAPackage("dev.drover.store.*..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.drover.store");

  @ArchTest
  static final ArchRule apiImportsNoOtherStorePackage =
      noClasses()
          .that()
          .resideInAPackage("dev.drover.store.api..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.drover.store",
              "dev.drover.store.mvcc..",
              "dev.drover.store.lease..",
              "dev.drover.store.watch..",
              "dev.drover.store.raft..");

  // Ratis' own shaded copy (org.apache.ratis.thirdparty.io.grpc) is Ratis' business; the store's
  // code speaks KvStoreException, never gRPC types.
  @ArchTest
  static final ArchRule neverImportsGrpc =
      noClasses()
          .that()
          .resideInAPackage("dev.drover.store..")
          .and()
          .resideOutsideOfPackage("dev.drover.store.v1..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.grpc..");
}
