package dev.drover.api.v1;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the public API compiles for Python with Debian 12's protoc (3.21) without a single
 * error or warning, so clients outside Java can generate stubs with stock distribution tools.
 */
class PythonProtocCompatibilityTest {

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
}
