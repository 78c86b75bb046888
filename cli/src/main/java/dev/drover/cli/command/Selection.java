package dev.drover.cli.command;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Object;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.Subject;
import dev.drover.client.DroverClient;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The objects a verb such as label, annotate or wait acts on, the way kubectl takes them: {@code
 * KIND NAME...}, {@code KIND/NAME...}, or {@code KIND} with {@code -l SELECTOR} or {@code --all}. A
 * picocli mixin: the verb adds it with {@code @Mixin} and passes its positional words.
 */
final class Selection {

  @Option(
      names = {"-l", "--selector"},
      paramLabel = "SELECTOR",
      description = "Act on the objects matching this label selector, e.g. app=web.")
  String selector = "";

  @Option(names = "--all", description = "Act on every object of the kind in the namespace.")
  boolean all;

  /** The kind and names the words give; names may be empty when a selector or --all is given. */
  record Named(ResourceType type, List<Subject> subjects) {}

  /** Reads {@code KIND NAME...} or {@code KIND/NAME...} from the words. */
  Named named(CommandLine commandLine, List<String> words) {
    if (words.isEmpty()) {
      throw new ParameterException(commandLine, "give KIND NAME, KIND/NAME, or KIND with -l/--all");
    }
    List<Subject> subjects = new ArrayList<>();
    ResourceType type;
    if (words.get(0).contains("/")) {
      for (String word : words) {
        if (!word.contains("/")) {
          throw new ParameterException(
              commandLine, "\"" + word + "\": give every object as KIND/NAME, or KIND NAME...");
        }
        subjects.add(Targets.one(commandLine, word, null));
      }
      type = subjects.get(0).type();
    } else {
      type = Resources.type(commandLine, words.get(0));
      for (String name : words.subList(1, words.size())) {
        subjects.add(new Subject(type, name));
      }
    }
    boolean bySelection = all || !selector.isEmpty();
    if (subjects.isEmpty() && !bySelection) {
      throw new ParameterException(
          commandLine,
          "resource(s) were provided, but no name was specified: give NAME, -l SELECTOR or --all");
    }
    if (!subjects.isEmpty() && bySelection) {
      throw new ParameterException(commandLine, "give NAMEs or -l/--all, not both");
    }
    return new Named(type, subjects);
  }

  /** The named objects, or those the selector (or --all) finds now. */
  List<Subject> subjects(DroverClient client, Named named, String namespace) {
    if (!named.subjects().isEmpty()) {
      return named.subjects();
    }
    List<Subject> found = new ArrayList<>();
    for (Object object :
        Resources.list(client, named.type(), namespace, all ? "" : selector, "").items()) {
      found.add(new Subject(named.type(), ApiObjects.meta(object).getName()));
    }
    return found;
  }
}
