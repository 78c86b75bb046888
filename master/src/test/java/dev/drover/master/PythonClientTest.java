package dev.drover.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.drover.store.KvStores;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that is not Java: stubs generated at test time with Debian's protoc and
 * grpc_python_plugin, then examples/python-client/drover_client.py drives create, get, list, watch
 * and delete against a running master. Skipped when the Debian packages are missing, except with
 * CI=true where that is a failure.
 */
class PythonClientTest {
  static final Path PROTOC = Path.of("/usr/bin/protoc");
  static final Path PLUGIN = Path.of("/usr/bin/grpc_python_plugin");
  static final Path PYTHON = Path.of("/usr/bin/python3");
  static final Path PROTO_ROOT =
      Path.of("..", "proto", "src", "main", "proto").toAbsolutePath().normalize();
  static final Path SCRIPT =
      Path.of("..", "examples", "python-client", "drover_client.py").toAbsolutePath().normalize();

  private static void require(boolean present, String what) {
    if ("true".equals(System.getenv("CI"))) {
      assertThat(present).as("CI=true but %s is missing", what).isTrue();
    }
    assumeTrue(present, what + " is missing; skipping the Python client test");
  }

  private static Run run(List<String> cmd, Path dir) throws IOException, InterruptedException {
    Path out = Files.createTempFile("py-out", ".txt");
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      return new Run(-1, Files.readString(out, StandardCharsets.UTF_8) + "\n(timed out)");
    }
    String text = Files.readString(out, StandardCharsets.UTF_8);
    Files.deleteIfExists(out);
    return new Run(p.exitValue(), text);
  }

  record Run(int exit, String output) {}

  @Test
  void pythonGrpcioClientDrivesTheApi(@TempDir Path stubs) throws Exception {
    require(Files.isExecutable(PROTOC), PROTOC + " (Debian package protobuf-compiler)");
    require(Files.isExecutable(PLUGIN), PLUGIN + " (Debian package protobuf-compiler-grpc)");
    require(Files.isExecutable(PYTHON), PYTHON.toString());
    Run modules = run(List.of(PYTHON.toString(), "-c", "import grpc, google.protobuf"), stubs);
    require(
        modules.exit() == 0,
        "python3-grpcio and python3-protobuf (" + modules.output().trim() + ")");

    List<String> protos = new ArrayList<>();
    try (Stream<Path> files = Files.list(PROTO_ROOT.resolve("drover").resolve("v1"))) {
      files
          .filter(f -> f.toString().endsWith(".proto"))
          .forEach(f -> protos.add(PROTO_ROOT.relativize(f).toString()));
    }
    List<String> gen =
        new ArrayList<>(
            List.of(
                PROTOC.toString(),
                "-I" + PROTO_ROOT,
                "-I/usr/include",
                "--python_out=" + stubs,
                "--grpc_out=" + stubs,
                "--plugin=protoc-gen-grpc=" + PLUGIN));
    gen.addAll(protos);
    Run generated = run(gen, PROTO_ROOT);
    assertThat(generated.exit()).as(generated.output()).isZero();

    try (Master master =
        Master.builder()
            .apiPort(0)
            .store(KvStores::inMemory, true)
            .scheduler(false)
            .controllers(false)
            .start()) {
      Run client =
          run(
              List.of(
                  PYTHON.toString(),
                  SCRIPT.toString(),
                  "--target",
                  master.apiAddress(),
                  "--stubs",
                  stubs.toString()),
              stubs);
      assertThat(client.exit()).as(client.output()).isZero();
      assertThat(client.output())
          .contains("duplicate create: ALREADY_EXISTS")
          .contains("watched WATCH_EVENT_TYPE_ADDED WATCH_EVENT_TYPE_DELETED")
          .contains("OK");
      // The server saw those calls, as its per-method metrics show.
      assertThat(master.metrics().render())
          .contains("drover.v1.ControlService/Create")
          .contains("ALREADY_EXISTS");
    }
  }
}
