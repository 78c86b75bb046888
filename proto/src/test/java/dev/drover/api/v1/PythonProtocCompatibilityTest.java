package dev.drover.api.v1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the public API compiles for Python with Debian 12's protoc (3.21) without a single error
 * or warning, so clients outside Java can generate stubs with stock distribution tools.
 */
class PythonProtocCompatibilityTest {

  /** Debian's interpreter, which sees the python3-protobuf package. */
  private static final Path PYTHON = Path.of("/usr/bin/python3");

  /** Builds a Pod inside an Object with the generated modules and prints a round trip check. */
  private static final String PYTHON_SCRIPT =
      String.join(
          "\n",
          "import sys",
          "sys.path.insert(0, sys.argv[1])",
          "from drover.v1 import object_pb2, control_pb2, node_pb2",
          "o = object_pb2.Object()",
          "o.pod.metadata.name = 'web'",
          "o.pod.spec.containers.add(name='c', image='busybox:1.36')",
          "req = control_pb2.CreateRequest(object=o)",
          "back = control_pb2.CreateRequest.FromString(req.SerializeToString())",
          "assert back == req",
          "assert node_pb2.DESCRIPTOR.services_by_name['NodeService'] is not None",
          "print(back.object.WhichOneof('kind'), back.object.pod.spec.containers[0].image)",
          "");

  @TempDir Path pythonOut;

  @Test
  void debianProtocCompilesEveryApiFileForPythonWithoutWarnings() throws Exception {
    SystemProtoc.assumeInstalled();

    SystemProtoc.Result result = SystemProtoc.run(List.of("--python_out=" + pythonOut));

    assertThat(result.stderr()).as("protoc stderr (errors and warnings)").isEmpty();
    assertThat(result.exitCode()).as("protoc exit code").isZero();
    for (String file : SystemProtoc.apiFiles()) {
      String module = file.replace(".proto", "_pb2.py");
      assertThat(pythonOut.resolve(module)).as("generated module for %s", file).isRegularFile();
    }
    String control = Files.readString(pythonOut.resolve("drover/v1/control_pb2.py"));
    assertThat(control.contains("_CONTROLSERVICE._serialized_start"))
        .as("control_pb2.py describes ControlService")
        .isTrue();
  }

  @Test
  void generatedModulesWorkWithDebiansPythonProtobuf() throws Exception {
    SystemProtoc.assumeInstalled();
    assumeTrue(Files.isExecutable(PYTHON), PYTHON + " not installed; skipping");
    SystemProtoc.Result compiled = SystemProtoc.run(List.of("--python_out=" + pythonOut));
    assertThat(compiled.exitCode()).as("protoc: %s", compiled.stderr()).isZero();
    Path script = pythonOut.resolve("check.py");
    Files.writeString(script, PYTHON_SCRIPT, StandardCharsets.UTF_8);

    Process probe =
        new ProcessBuilder(PYTHON.toString(), "-c", "import google.protobuf")
            .redirectErrorStream(true)
            .start();
    probe.getInputStream().readAllBytes();
    assertThat(probe.waitFor(1, TimeUnit.MINUTES)).isTrue();
    assumeTrue(probe.exitValue() == 0, "Debian package python3-protobuf not installed; skipping");

    Process run =
        new ProcessBuilder(PYTHON.toString(), script.toString(), pythonOut.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(run.waitFor(1, TimeUnit.MINUTES)).as("python finished").isTrue();
    assertThat(run.exitValue()).as("python output: %s", output).isZero();
    assertThat(output.trim()).isEqualTo("pod busybox:1.36");
  }
}
