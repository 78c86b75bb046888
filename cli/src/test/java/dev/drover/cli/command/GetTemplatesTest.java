package dev.drover.cli.command;

import static dev.drover.testing.TestObjects.runningPod;
import static dev.drover.testing.TestObjects.stuckPod;
import static dev.drover.testing.TestObjects.wrap;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Pod;
import dev.drover.cli.core.CliHarness;
import dev.drover.cli.core.CliHarness.Result;
import dev.drover.cli.core.CliHarnessExtension;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code drover get} with jsonpath, custom-columns, --sort-by, --show-labels and -L. */
@ExtendWith(CliHarnessExtension.class)
class GetTemplatesTest {

  CliHarness cli;

  @BeforeEach
  void setUp() {
    // web-2 is the older pod, so sorting by creation time reverses the listing's name order.
    Pod.Builder second = runningPod("web-2", "n2", 0);
    second.getMetadataBuilder().putLabels("tier", "front");
    cli.service.put(wrap(second.build()), CliHarness.NOW.minus(Duration.ofMinutes(5)));
    cli.service.put(
        wrap(stuckPod("web-1", "ImagePullBackOff")), CliHarness.NOW.minus(Duration.ofSeconds(40)));
  }

  @Test
  void jsonpathRangeOverTheListThatJsonPrints() {
    Result r =
        cli.run(
            "get",
            "pods",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}{\"\\t\"}{.spec.nodeName}{\"\\n\"}{end}");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("web-1\tn1\nweb-2\tn2\n");
  }

  @Test
  void jsonpathOnOneObjectSeesTheObject() {
    Result r = cli.run("get", "pod", "web-2", "-o", "jsonpath={.metadata.labels.tier}");
    assertThat(r.out()).isEqualTo("front");
    assertThat(cli.run("get", "pods", "-o", "jsonpath={.kind} {.items[-1:].metadata.name}").out())
        .isEqualTo("List web-2");
  }

  @Test
  void customColumnsSortedByCreationTime() {
    Result r =
        cli.run(
            "get",
            "pods",
            "--sort-by=.metadata.creationTimestamp",
            "-o",
            "custom-columns=NAME:.metadata.name,NODE:.spec.nodeName,TIER:.metadata.labels.tier");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "NAME      NODE      TIER\n"
                + "web-2     n2        front\n"
                + "web-1     n1        <none>\n");
  }

  @Test
  void sortByAppliesToTablesToo() {
    Result r = cli.run("get", "pods", "--sort-by={.metadata.creationTimestamp}", "-o", "name");
    assertThat(r.out()).isEqualTo("pod/web-2\npod/web-1\n");
  }

  @Test
  void showLabelsAndLabelColumns() {
    Result r = cli.run("get", "pods", "--sort-by=.metadata.name", "-L", "tier", "--show-labels");
    assertThat(r.code()).isZero();
    assertThat(r.out().lines().findFirst().orElseThrow()).endsWith("AGE   TIER    LABELS");
    assertThat(r.out()).contains("40s   ").containsPattern("5m +front   app=web,tier=front\n");
    assertThat(r.out().lines().skip(1).findFirst().orElseThrow()).endsWith("40s           app=web");
  }

  @Test
  void badTemplateIsAOneLineError() {
    Result r = cli.run("get", "pods", "-o", "jsonpath={.items[x]}");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo("error: error parsing jsonpath {.items[x]}, invalid array index x\n");
  }

  @Test
  void unknownFormatIsAUsageError() {
    assertThat(cli.run("get", "pods", "-o", "yaml=x").code()).isEqualTo(2);
    assertThat(cli.run("get", "pods", "-o", "xml").code()).isEqualTo(2);
    assertThat(cli.run("get", "pods", "-o", "jsonpath").code()).isEqualTo(2);
  }
}
