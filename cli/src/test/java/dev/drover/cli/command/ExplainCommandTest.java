package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.cli.core.CliHarness;
import dev.drover.cli.core.CliHarness.Result;
import dev.drover.cli.core.CliHarnessExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code drover explain} from the API's own comments, with manifest spellings and types. */
@ExtendWith(CliHarnessExtension.class)
class ExplainCommandTest {

  CliHarness cli;

  private String explain(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "explain";
    System.arraycopy(args, 0, all, 1, args.length);
    Result r = cli.run(all);
    assertThat(r.code()).as(r.err()).isZero();
    return r.out();
  }

  /** The text with its wrapping undone, for phrases that may break across lines. */
  private static String flat(String text) {
    return text.replaceAll("\\s+", " ");
  }

  @Test
  void aKindShowsItsGroupVersionDescriptionAndTopFields() {
    String out = explain("deployments");
    assertThat(out)
        .startsWith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nDESCRIPTION:\n")
        .contains("\nFIELDS:\n  apiVersion\t<string>\n")
        .contains("\n  metadata\t<ObjectMeta>\n    Standard metadata.\n")
        .contains("\n  spec\t<DeploymentSpec>\n")
        .contains("\n  status\t<DeploymentStatus>\n");
    assertThat(flat(out)).contains("Deployment keeps a number of identical pods running");
    // The core group has no GROUP line.
    assertThat(explain("pod")).startsWith("KIND:       Pod\nVERSION:    v1\n\n");
  }

  @Test
  void aNestedFieldShowsItsTypeDescriptionAndFieldsInManifestSpelling() {
    String replicas = explain("deploy.spec.replicas");
    assertThat(replicas).contains("\nFIELD: replicas <integer>\n\nDESCRIPTION:\n");
    assertThat(flat(replicas)).contains("Number of pods wanted; unset means 1");
    assertThat(replicas).doesNotContain("FIELDS:");

    String meta = explain("pod.metadata");
    assertThat(meta)
        .contains("FIELD: metadata <ObjectMeta>")
        .contains("\n  resourceVersion\t<string>\n")
        .contains("\n  creationTimestamp\t<string>\n")
        .contains("\n  ownerReferences\t<[]OwnerReference>\n")
        .contains("\n  labels\t<map[string]string>\n");
    // Comments name fields as manifests do, not as the .proto does.
    assertThat(flat(meta)).contains("An object with a deletionTimestamp is being deleted");
    assertThat(meta).doesNotContain("deletion_time");

    assertThat(explain("pods.spec.containers"))
        .contains("FIELD: containers <[]Container>")
        .contains("\n  imagePullPolicy\t<string>\n");
    assertThat(explain("po.spec.containers.resources.limits"))
        .contains("FIELD: limits <map[string]Quantity>");
    assertThat(explain("deployment.spec.strategy.rollingUpdate.maxSurge"))
        .contains("FIELD: maxSurge <IntOrString>");
    assertThat(explain("node.spec.podCIDR")).contains("FIELD: podCIDR <string>");
  }

  @Test
  void anEnumFieldListsItsValuesAsManifestsSpellThem() {
    String out = flat(explain("pod.spec.restartPolicy"));
    assertThat(out)
        .contains("Possible enum values:")
        .contains("\"OnFailure\"")
        .contains("\"Never\"");
    assertThat(out).doesNotContain("RESTART_POLICY_ON_FAILURE").doesNotContain("Unspecified");
  }

  @Test
  void recursiveListsEveryFieldBelowAsATree() {
    String out = explain("deployment.spec.template", "--recursive");
    assertThat(out)
        .contains(
            "\n  spec\t<PodSpec>\n    initContainers\t<[]Container>\n      name\t<string>\n"
                + "      image\t<string>\n")
        .contains("\n    containers\t<[]Container>\n      name\t<string>\n")
        .contains("\n        containerPort\t<integer>\n");
    // No descriptions in the tree, only names and types.
    assertThat(out.substring(out.indexOf("FIELDS:"))).doesNotContain("Standard metadata.");
  }

  @Test
  void anUnknownFieldOrKindIsAUsageErrorWithASuggestion() {
    Result field = cli.run("explain", "deployment.spec.replcas");
    assertThat(field.code()).isEqualTo(2);
    assertThat(field.err())
        .startsWith(
            "error: field \"replcas\" does not exist in deployment.spec;"
                + " did you mean \"replicas\"?\n");
    Result scalar = cli.run("explain", "deployment.spec.replicas.value");
    assertThat(scalar.code()).isEqualTo(2);
    assertThat(scalar.err()).contains("deployment.spec.replicas is a <integer>");
    Result kind = cli.run("explain", "deploymnets");
    assertThat(kind.code()).isEqualTo(2);
    assertThat(kind.err()).contains("did you mean \"deployments\"?");
  }
}
