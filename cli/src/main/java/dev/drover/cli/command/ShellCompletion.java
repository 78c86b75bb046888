package dev.drover.cli.command;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Object;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.ContextEntry;
import dev.drover.cli.core.Durations;
import dev.drover.cli.core.ResourceType;
import dev.drover.client.DroverClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * What the shell offers for the word being typed, as kubectl's {@code __complete} does: verbs and
 * options from the command tree, option values (namespaces, contexts, enum values), kinds, and the
 * names of objects, which it asks the cluster for. A positional's label says what it takes ({@code
 * KIND}, {@code NAME} after a kind, {@code POD}, {@code NODE}, {@code KIND/NAME}); {@link #FILES}
 * asks the shell to offer file names instead.
 */
final class ShellCompletion {

  /** The last line of an answer that asks the shell for file names. */
  static final String FILES = ":files";

  // A completion waits on the cluster while the user waits on the shell: keep it short.
  private static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(3);

  private final Cli cli;
  private final CommandLine root;

  ShellCompletion(Cli cli, CommandLine root) {
    this.cli = cli;
    this.root = root;
  }

  /** The candidates for the last of {@code words} (the words after {@code drover}). */
  List<String> complete(List<String> words) {
    String current = words.isEmpty() ? "" : words.get(words.size() - 1);
    CommandLine at = root;
    List<String> positionals = new ArrayList<>();
    OptionSpec pending = null;
    boolean optionsEnded = false;
    cli.setRequestTimeout(CLUSTER_TIMEOUT);
    for (String word : words.subList(0, Math.max(0, words.size() - 1))) {
      if (pending != null) {
        global(pending, word);
        pending = null;
      } else if (!optionsEnded && word.equals("--")) {
        optionsEnded = true;
      } else if (!optionsEnded && word.startsWith("-") && word.length() > 1) {
        int eq = word.indexOf('=');
        OptionSpec option = at.getCommandSpec().findOption(eq < 0 ? word : word.substring(0, eq));
        if (option != null && eq >= 0) {
          global(option, word.substring(eq + 1));
        } else if (option != null && option.arity().min() > 0) {
          pending = option;
        }
      } else if (positionals.isEmpty() && at.getSubcommands().containsKey(word)) {
        at = at.getSubcommands().get(word);
      } else {
        positionals.add(word);
      }
    }
    CommandSpec spec = at.getCommandSpec();
    List<String> out;
    if (pending != null) {
      out = optionValues(pending, current);
    } else if (!optionsEnded && current.startsWith("-")) {
      out = new ArrayList<>();
      for (OptionSpec option : spec.options()) {
        if (!option.hidden()) {
          out.addAll(List.of(option.names()));
        }
      }
    } else if (positionals.isEmpty() && !at.getSubcommands().isEmpty()) {
      out = new ArrayList<>();
      at.getSubcommands()
          .forEach(
              (name, sub) -> {
                if (!sub.getCommandSpec().usageMessage().hidden()) {
                  out.add(name);
                }
              });
    } else {
      out = positional(spec, positionals, current);
    }
    return matching(out, current);
  }

  /** Keeps the global options the words set, so that names come from the cluster meant. */
  private void global(OptionSpec option, String value) {
    List<String> names = List.of(option.names());
    try {
      if (names.contains("--server")) {
        cli.setServerOption(value);
      } else if (names.contains("--context")) {
        cli.setContextOption(value);
      } else if (names.contains("--namespace")) {
        cli.setNamespaceOption(value);
      } else if (names.contains("--request-timeout")) {
        cli.setRequestTimeout(Durations.parse(value));
      }
    } catch (IllegalArgumentException e) {
      // A half-typed value completes nothing better than none; keep the default.
    }
  }

  private List<String> optionValues(OptionSpec option, String current) {
    List<String> names = List.of(option.names());
    if (names.contains("--namespace")) {
      return objectNames(ResourceType.NAMESPACE, "");
    }
    if (names.contains("--context")) {
      return cli.configStore().load().contexts().stream().map(ContextEntry::name).toList();
    }
    if (option.completionCandidates() != null) {
      List<String> out = new ArrayList<>();
      option.completionCandidates().forEach(out::add);
      return out;
    }
    return wantsFiles(option) ? List.of(FILES) : List.of();
  }

  private List<String> positional(CommandSpec spec, List<String> before, String current) {
    int index = before.size();
    PositionalParamSpec param = null;
    for (PositionalParamSpec p : spec.positionalParameters()) {
      if (!p.hidden() && p.index().contains(index)) {
        param = p;
        break;
      }
    }
    if (param == null) {
      // A hidden NAME after KIND/NAME (rollout web, scale deployment web).
      for (PositionalParamSpec p : spec.positionalParameters()) {
        if (p.index().contains(index)) {
          param = p;
        }
      }
    }
    if (param == null) {
      return List.of();
    }
    String label = param.paramLabel().toUpperCase(Locale.ROOT);
    if (label.contains("FILE") || label.contains("PATH") || label.contains("DIR")) {
      return List.of(FILES);
    }
    int slash = current.indexOf('/');
    if (slash > 0 && (label.contains("KIND") || label.contains("POD") || label.contains("NAME"))) {
      // KIND/NAME in one word: the names of that kind, with the kind as typed.
      String kind = current.substring(0, slash + 1);
      return ResourceType.find(current.substring(0, slash))
          .map(t -> objectNames(t, cli.namespace()).stream().map(n -> kind + n).toList())
          .orElse(List.of());
    }
    if ((label.equals("KIND") || label.startsWith("KIND ")) && (index == 0 || before.isEmpty())) {
      List<String> out = new ArrayList<>();
      new KindCandidates().forEach(out::add);
      return out;
    }
    // NAME after KIND, or the names of "KIND [NAME...]" (delete).
    if ((label.equals("NAME") || label.startsWith("KIND ")) && !before.isEmpty()) {
      return kindOf(before.get(0)).map(t -> objectNames(t, cli.namespace())).orElse(List.of());
    }
    if (label.equals("POD")) {
      return objectNames(ResourceType.POD, cli.namespace());
    }
    if (label.equals("NODE")) {
      return objectNames(ResourceType.NODE, "");
    }
    if (label.equals("KIND/NAME")) {
      // Under rollout a bare NAME is a deployment; elsewhere offer the scalable kinds' objects.
      if (spec.qualifiedName().contains(" rollout ")) {
        return objectNames(ResourceType.DEPLOYMENT, cli.namespace());
      }
      List<String> out = new ArrayList<>();
      for (ResourceType t :
          List.of(ResourceType.DEPLOYMENT, ResourceType.STATEFUL_SET, ResourceType.REPLICA_SET)) {
        objectNames(t, cli.namespace()).forEach(n -> out.add(t.singular() + "/" + n));
      }
      return out;
    }
    if (param.completionCandidates() != null) {
      List<String> out = new ArrayList<>();
      param.completionCandidates().forEach(out::add);
      return out;
    }
    return List.of();
  }

  // "pods" names the kind of the names after it; "pod/web" does not (its names follow a slash).
  private static Optional<ResourceType> kindOf(String word) {
    return word.contains("/") ? Optional.empty() : ResourceType.find(word);
  }

  private static boolean wantsFiles(ArgSpec arg) {
    String label = arg.paramLabel().toUpperCase(Locale.ROOT);
    return label.contains("FILE") || label.contains("PATH") || label.contains("DIR");
  }

  /** The names of the objects of a type; none when the cluster cannot be asked. */
  private List<String> objectNames(ResourceType type, String namespace) {
    try (DroverClient client = cli.connect()) {
      List<String> names = new ArrayList<>();
      for (Object object : Resources.list(client, type, namespace, "", "").items()) {
        names.add(ApiObjects.meta(object).getName());
      }
      return names;
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  private static List<String> matching(List<String> candidates, String prefix) {
    Set<String> out = new LinkedHashSet<>();
    for (String candidate : candidates) {
      if (candidate.equals(FILES) || candidate.startsWith(prefix)) {
        out.add(candidate);
      }
    }
    // The file request goes last, where the shell scripts look for it.
    if (out.remove(FILES)) {
      out.add(FILES);
    }
    return new ArrayList<>(out);
  }
}
