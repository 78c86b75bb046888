package dev.drover.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.drover.architecture.fixture.RogueChannel;
import dev.drover.architecture.fixture.RogueDocker;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The project's shape, checked against the production classes of every module (tests, examples and
 * benchmarks aside): no package cycles; Ratis only in ratis-store; docker-java only in the agent's
 * Docker runtime; gRPC channels built only by {@code client.Channels}; the store and the master's
 * registry free of gRPC. The last test shows the rules catch a breach.
 */
class ArchitectureTest {
  private static JavaClasses production;

  @BeforeAll
  static void importProduction() {
    // Sibling modules are directories (target/classes) in a reactor test run and jars in a full
    // build: take both, but never test classes (test-classes, *-tests.jar) or generated code.
    ImportOption productionOnly =
        location ->
            !location.contains("/test-classes/")
                && !location.contains("-tests.jar")
                && !location.contains("/dev/drover/api/v1/")
                && !location.contains("/dev/drover/store/v1/");
    production =
        new ClassFileImporter().withImportOption(productionOnly).importPackages("dev.drover");
    // The rules below mean something only if every module's classes are here.
    assertThat(production.stream().map(c -> c.getName()))
        .contains(
            "dev.drover.api.Kinds",
            "dev.drover.client.Channels",
            "dev.drover.store.raft.RaftKvStore",
            "dev.drover.master.Master",
            "dev.drover.agent.NodeAgent",
            "dev.drover.embed.Drover",
            "dev.drover.cli.Main")
        .doesNotContain("dev.drover.architecture.fixture.RogueChannel");
  }

  /** Every package, a slice: none may reach back to itself through others. */
  static final ArchRule NO_PACKAGE_CYCLES =
      slices().matching("dev.drover.(**)").should().beFreeOfCycles();

  static final ArchRule ONLY_RATIS_STORE_IMPORTS_RATIS =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.drover.store..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.apache.ratis..");

  static final ArchRule ONLY_THE_DOCKER_RUNTIME_IMPORTS_DOCKER_JAVA =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.drover.agent.runtime.docker..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("com.github.dockerjava..");

  static final ArchRule ONLY_CHANNELS_BUILDS_CHANNELS =
      noClasses()
          .that()
          .doNotHaveFullyQualifiedName("dev.drover.client.Channels")
          .should()
          .callMethodWhere(
              com.tngtech.archunit.core.domain.JavaCall.Predicates.target(
                      com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching(
                          "forTarget|forAddress|newChannelBuilder|newChannelBuilderForAddress"))
                  .and(
                      com.tngtech.archunit.core.domain.JavaCall.Predicates.target(
                          com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With
                              .owner(
                                  com.tngtech.archunit.core.domain.JavaClass.Predicates
                                      .assignableTo(io.grpc.ManagedChannelBuilder.class)
                                      .or(
                                          com.tngtech.archunit.core.domain.JavaClass.Predicates
                                              .type(io.grpc.Grpc.class))))))
          .because("transport security and credentials are decided in one place");

  static final ArchRule STORE_AND_REGISTRY_NEVER_IMPORT_GRPC =
      noClasses()
          .that()
          .resideInAnyPackage("dev.drover.store..", "dev.drover.master.registry..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.grpc..");

  @Test
  void noPackageCycles() {
    NO_PACKAGE_CYCLES.check(production);
  }

  @Test
  void onlyRatisStoreImportsRatis() {
    ONLY_RATIS_STORE_IMPORTS_RATIS.check(production);
  }

  @Test
  void onlyTheDockerRuntimeImportsDockerJava() {
    ONLY_THE_DOCKER_RUNTIME_IMPORTS_DOCKER_JAVA.check(production);
  }

  @Test
  void onlyChannelsBuildsChannels() {
    ONLY_CHANNELS_BUILDS_CHANNELS.check(production);
  }

  @Test
  void storeAndRegistryNeverImportGrpc() {
    STORE_AND_REGISTRY_NEVER_IMPORT_GRPC.check(production);
  }

  @Test
  void theRulesCatchABreach() {
    JavaClasses rogue =
        new ClassFileImporter().importClasses(RogueChannel.class, RogueDocker.class);
    EvaluationResult channels = ONLY_CHANNELS_BUILDS_CHANNELS.evaluate(rogue);
    assertThat(channels.hasViolation()).isTrue();
    assertThat(channels.getFailureReport().getDetails())
        .anyMatch(d -> d.contains("RogueChannel") && d.contains("forTarget"));
    EvaluationResult docker = ONLY_THE_DOCKER_RUNTIME_IMPORTS_DOCKER_JAVA.evaluate(rogue);
    assertThat(docker.hasViolation()).isTrue();
    assertThat(docker.getFailureReport().getDetails()).anyMatch(d -> d.contains("RogueDocker"));
  }
}
