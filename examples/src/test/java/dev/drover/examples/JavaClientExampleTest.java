package dev.drover.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Container;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import dev.drover.client.DroverClient;
import dev.drover.embed.Drover;
import dev.drover.embed.DroverMaster;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client-only example project ({@code examples/java-client}, which depends on drover-client
 * alone) lists the pods of a running cluster from its own JVM, on the class path Maven resolved for
 * it - and that class path holds no server part: no Ratis, no docker-java, no logging binding.
 */
class JavaClientExampleTest {
  private static final Path PROJECT = Path.of("java-client");

  static List<String> resolvedClassPath() throws Exception {
    String cp =
        Files.readString(PROJECT.resolve("target/runtime-classpath.txt"), StandardCharsets.UTF_8)
            .trim();
    return Arrays.asList(cp.split(File.pathSeparator));
  }

  @Test
  void itsResolvedClassPathHasNoServerPart() throws Exception {
    // In a reactor build a sibling module resolves to its target/classes, else to its jar.
    List<String> entries =
        resolvedClassPath().stream().map(p -> p.replace(File.separatorChar, '/')).toList();
    assertThat(entries)
        .anyMatch(p -> p.endsWith("/client/target/classes") || p.contains("/drover-client-"));
    assertThat(entries)
        .anyMatch(p -> p.endsWith("/proto/target/classes") || p.contains("/drover-proto-"));
    for (String server :
        List.of(
            "/ratis-",
            "/docker-java",
            "/logback-",
            "/picocli",
            "/snakeyaml",
            "/master/target/",
            "/drover-master-",
            "/ratis-store/target/",
            "/drover-ratis-store-",
            "/node-agent/target/",
            "/drover-node-agent-",
            "/embed/target/",
            "/drover-embed-")) {
      assertThat(entries).as(server).noneMatch(p -> p.contains(server));
    }
  }

  @Test
  void listsThePodsOfARunningClusterFromItsOwnJvm(@TempDir Path dir) throws Exception {
    try (DroverMaster cluster = Drover.master().dataDir(dir).start();
        DroverClient admin = cluster.newClient()) {
      admin
          .pods()
          .create(
              Pod.newBuilder()
                  .setMetadata(ObjectMeta.newBuilder().setName("listed").setNamespace("default"))
                  .setSpec(
                      PodSpec.newBuilder()
                          .addContainers(Container.newBuilder().setName("c").setImage("busybox:1")))
                  .build());
      String classPath =
          PROJECT.resolve("target/classes").toAbsolutePath()
              + File.pathSeparator
              + String.join(File.pathSeparator, resolvedClassPath());
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  classPath,
                  "dev.drover.examples.client.ListPods",
                  cluster.endpoint())
              .redirectErrorStream(true)
              .start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(output).isZero();
      assertThat(output).contains("default/listed Pending <unscheduled>", "pods: 1");
    }
  }
}
