package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.embed.DroverTestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cp} (tar over the Exec stream) and {@code top} (the runtime's statistics through
 * GetPodMetrics) against a cluster on the real Docker daemon with a busybox pod. Without Docker the
 * cluster skips these tests, and fails them under CI=true.
 */
class CpAndTopDockerTest {

  @RegisterExtension static DroverTestCluster cluster = DroverTestCluster.docker();

  @TempDir static Path home;
  @TempDir Path dir;

  static ClusterCli.Run drover(String... args) {
    return new ClusterCli(cluster, home).run(args);
  }

  static ClusterCli.Run ok(String... args) {
    return new ClusterCli(cluster, home).ok(args);
  }

  @BeforeAll
  static void startABusybox() {
    ok(
        "run",
        "box",
        "--image=127.0.0.1:5000/busybox:1",
        "--command",
        "--",
        "sh",
        "-c",
        "head -c 20000000 /dev/zero > /dev/shm/fill; sleep 3600");
    ok("wait", "pod/box", "--for=condition=Ready", "--timeout=120s");
  }

  @Test
  void aFileAndADirectoryRoundTripThroughTheContainer() throws Exception {
    byte[] bytes = new byte[300_000];
    new Random(7).nextBytes(bytes);
    Path file = dir.resolve("blob.bin");
    Files.write(file, bytes);
    ok("cp", file.toString(), "box:/tmp/blob.bin");
    assertThat(ok("exec", "box", "--", "wc", "-c", "/tmp/blob.bin").out()).contains("300000");
    Path back = dir.resolve("back.bin");
    ok("cp", "box:/tmp/blob.bin", back.toString());
    assertThat(Files.readAllBytes(back)).isEqualTo(bytes);

    Path site = dir.resolve("site");
    Files.createDirectories(site.resolve("css"));
    Files.writeString(site.resolve("index.html"), "<h1>hello</h1>\n");
    Files.writeString(site.resolve("css/main.css"), "h1 { color: red }\n");
    ok("cp", site.toString(), "box:/srv");
    assertThat(ok("exec", "box", "--", "cat", "/srv/css/main.css").out())
        .isEqualTo("h1 { color: red }\n");
    Path copy = dir.resolve("copy");
    ok("cp", "box:/srv", copy.toString());
    assertThat(Files.readString(copy.resolve("index.html"))).isEqualTo("<h1>hello</h1>\n");
    assertThat(Files.readString(copy.resolve("css/main.css"))).isEqualTo("h1 { color: red }\n");

    // Into an existing directory: under the source's own name, as cp(1) does.
    Path into = Files.createDirectories(dir.resolve("into"));
    ok("cp", "box:/tmp/blob.bin", into.toString());
    assertThat(Files.readAllBytes(into.resolve("blob.bin"))).isEqualTo(bytes);
  }

  @Test
  void aMissingPathNamesTheProblem() {
    ClusterCli.Run missing = drover("cp", "box:/no/such/file", dir.resolve("x").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).startsWith("error: tar in pod box failed").contains("/no/such");
    ClusterCli.Run noPod = drover("cp", "ghost:/etc/hostname", dir.resolve("y").toString());
    assertThat(noPod.code()).isEqualTo(1);
    assertThat(noPod.err()).contains("ghost");
  }

  @Test
  void topShowsTheMemoryOfTheRunningContainer() {
    ClusterCli.Run pods = ok("top", "pods");
    assertThat(pods.out()).startsWith("NAME").contains("CPU(cores)").contains("MEMORY(bytes)");
    Matcher row = Pattern.compile("(?m)^box\\s+(\\d+)m\\s+(\\d+)Mi$").matcher(pods.out());
    assertThat(row.find()).as(pods.out()).isTrue();
    // The container filled 20 MB of tmpfs, which counts as its memory.
    assertThat(Long.parseLong(row.group(2))).isGreaterThanOrEqualTo(15);

    ClusterCli.Run nodes = ok("top", "nodes");
    assertThat(nodes.out())
        .startsWith("NAME")
        .contains(DroverTestCluster.NODE)
        .containsPattern("\\d+Mi\\s+\\d+%");
  }
}
