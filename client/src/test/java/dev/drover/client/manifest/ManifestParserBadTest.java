package dev.drover.client.manifest;

import static dev.drover.client.manifest.ManifestParserGoodTest.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad manifests give one precise message each, with file, line and field path, and no objects. */
class ManifestParserBadTest {

  private final ManifestParser parser = new ManifestParser();

  static Stream<Arguments> badManifests() {
    return Stream.of(
        Arguments.of(
            "bad-indentation.yaml",
            "bad-indentation.yaml:8: invalid YAML: mapping values are not allowed here"
                + " (column 11)"),
        Arguments.of(
            "unknown-field.yaml",
            "unknown-field.yaml:17: spec.template.spec.containers[0].lifecycle:"
                + " unknown field \"lifecycle\""),
        Arguments.of(
            "wrong-type.yaml",
            "wrong-type.yaml:9: spec.containers[0].command: expected a list, got a string"),
        Arguments.of(
            "missing-name.yaml",
            "missing-name.yaml:3: metadata.name: missing: every object needs a name"
                + " (or generateName)"),
        Arguments.of(
            "invalid-enum.yaml",
            "invalid-enum.yaml:6: spec.restartPolicy: invalid value \"Sometimes\": expected one"
                + " of Always, OnFailure, Never"),
        Arguments.of(
            "wrong-api-version.yaml",
            "wrong-api-version.yaml:1: apiVersion: kind Deployment is not served by apiVersion"
                + " \"v1\"; use \"apps/v1\""),
        Arguments.of(
            "owner-api-version.yaml",
            "owner-api-version.yaml:6: metadata.ownerReferences[0].apiVersion: ReplicaSet is"
                + " served by apiVersion \"apps/v1\", not \"v1\""),
        Arguments.of(
            "invalid-quantity.yaml",
            "invalid-quantity.yaml:12: spec.containers[0].resources.requests.memory: invalid"
                + " quantity \"64 MB\": unknown suffix ' MB' (expected one of Ki Mi Gi Ti Pi Ei,"
                + " n u m k M G T P E, or an exponent e<n>)"),
        Arguments.of(
            "bad-base64.yaml",
            "bad-base64.yaml:7: data.password: invalid base64 data: Illegal base64 character"
                + " 2d (use stringData for plain text)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badManifests")
  void badManifestGivesOneClearMessage(String file, String expected) {
    Path path = resource("bad/" + file);
    assertThatThrownBy(() -> parser.parseFile(path))
        .isInstanceOfSatisfying(
            ManifestException.class,
            e -> {
              assertThat(e.errors()).hasSize(1);
              ManifestProblem problem = e.errors().get(0);
              assertThat(problem.file()).isEqualTo(path.toString());
              assertThat(problem.toString()).isEqualTo(path.getParent() + "/" + expected);
              assertThat(e.getMessage()).isEqualTo(problem.toString());
            });
  }

  @Test
  void everyErrorOfAFileIsReportedInLineOrder() {
    assertThatThrownBy(() -> parser.parseFile(resource("bad/many-errors.yaml")))
        .isInstanceOfSatisfying(
            ManifestException.class,
            e ->
                assertThat(e.errors())
                    .extracting(p -> p.line() + ": " + p.path() + ": " + p.message())
                    .containsExactly(
                        "3: metadata.name: missing: every object needs a name (or generateName)",
                        "5: metadata.labels.version: expected a string, got a number",
                        "7: spec.replicas: unknown field \"replicas\"",
                        "12: spec.containers[0].ports[0].containerPort: expected an integer,"
                            + " got a string",
                        "16: spec.containers[0].readinessProbe.httpGet: only one of exec, httpGet,"
                            + " tcpSocket may be set, found \"exec\" and \"httpGet\"",
                        "20: kind: unknown kind \"ControllerRevision\"; Drover supports Namespace,"
                            + " Node, Pod, Deployment, ReplicaSet, DaemonSet, Job, Service,"
                            + " Endpoints, Event, Secret, ConfigMap, Lease, CronJob, StatefulSet,"
                            + " PersistentVolume, PersistentVolumeClaim"));
  }

  @Test
  void oneBadFileFailsTheWholeParseAndNamesOnlyTheBadFile() {
    Path good = resource("good/service.yaml");
    Path bad = resource("bad/wrong-type.yaml");
    assertThatThrownBy(() -> parser.parsePaths(List.of(good, bad)))
        .isInstanceOfSatisfying(
            ManifestException.class,
            e ->
                assertThat(e.errors())
                    .extracting(ManifestProblem::file)
                    .containsExactly(bad.toString()));
  }

  @Test
  void goodDocumentsBeforeABadOneAreNotReturnedEither() {
    String yaml =
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: fine
        ---
        apiVersion: v1
        kind: Namespace
        metadata:
          name: [not, a, string]
        """;
    assertThatThrownBy(() -> parser.parse("ns.yaml", yaml))
        .hasMessage("ns.yaml:9: metadata.name: expected a string, got a list");
  }

  @Test
  void syntaxErrorLaterInTheFileStillReportsEarlierErrors() {
    String yaml =
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          nmae: typo
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: "unterminated
        """;
    assertThatThrownBy(() -> parser.parse("two.yaml", yaml))
        .isInstanceOfSatisfying(
            ManifestException.class,
            e -> {
              assertThat(e.errors()).hasSize(3);
              assertThat(e.errors().get(0).toString())
                  .isEqualTo(
                      "two.yaml:3: metadata.name: missing: every object needs a name"
                          + " (or generateName)");
              assertThat(e.errors().get(1).toString())
                  .isEqualTo(
                      "two.yaml:4: metadata.nmae: unknown field \"nmae\""
                          + " (did you mean \"name\"?)");
              assertThat(e.errors().get(2).toString()).startsWith("two.yaml:9: invalid YAML: ");
            });
  }

  @Test
  void missingKindAndApiVersion() {
    assertThatThrownBy(() -> parser.parse("x.yaml", "metadata:\n  name: a\n"))
        .hasMessage(
            "x.yaml:1: kind: missing: every manifest needs apiVersion and kind\n"
                + "x.yaml:1: apiVersion: missing: every manifest needs apiVersion and kind");
  }

  @Test
  void misspeltKindGetsASuggestion() {
    assertThatThrownBy(
            () ->
                parser.parse(
                    "x.yaml", "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: a}\n"))
        .hasMessageStartingWith(
            "x.yaml:2: kind: unknown kind \"Deploymnet\" (did you mean"
                + " \"Deployment\"?); Drover supports Namespace, ");
  }

  @Test
  void characterYamlDoesNotAllow() {
    assertThatThrownBy(
            () -> parser.parse("x.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: \uFFFE}\n"))
        .hasMessage("x.yaml:3: invalid YAML: character U+FFFE is not allowed (column 18)");
  }

  @Test
  void documentThatIsNotAMapping() {
    assertThatThrownBy(() -> parser.parse("x.yaml", "- a\n- b\n"))
        .hasMessage("x.yaml:1: expected a mapping with apiVersion, kind and metadata, got a list");
  }

  @Test
  void snakeCaseAndMiscapitalisedKeysGetASuggestion() {
    String yaml =
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
        spec:
          node_name: n1
          containers:
          - name: c
            imagePullpolicy: Always
        """;
    assertThatThrownBy(() -> parser.parse("p.yaml", yaml))
        .hasMessage(
            "p.yaml:6: spec.node_name: unknown field \"node_name\""
                + " (did you mean \"nodeName\"?)\n"
                + "p.yaml:9: spec.containers[0].imagePullpolicy: unknown field \"imagePullpolicy\""
                + " (did you mean \"imagePullPolicy\"?)");
  }

  @Test
  void scalarErrors() {
    String yaml =
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          creationTimestamp: yesterday
          labels:
            a: b
            a: c
        spec:
          priority: 3000000000
          hostNetwork: "true"
          containers:
          - name: c
            resources:
              limits:
                cpu: true
        """;
    assertThatThrownBy(() -> parser.parse("p.yaml", yaml))
        .hasMessage(
            String.join(
                "\n",
                "p.yaml:5: metadata.creationTimestamp: invalid timestamp \"yesterday\": expected"
                    + " RFC 3339, such as \"2024-05-01T12:00:00Z\"",
                "p.yaml:8: metadata.labels.a: duplicate key \"a\"",
                "p.yaml:10: spec.priority: 3000000000 is out of range for a 32-bit integer",
                "p.yaml:11: spec.hostNetwork: expected a boolean (true or false), got a string",
                "p.yaml:16: spec.containers[0].resources.limits.cpu: expected a quantity such as"
                    + " \"500m\" or \"1Gi\", got a boolean"));
  }
}
