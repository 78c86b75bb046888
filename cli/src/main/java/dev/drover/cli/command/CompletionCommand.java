package dev.drover.cli.command;

import dev.drover.cli.core.Cli;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover completion bash|zsh|fish}: prints a completion script. Each script is a small
 * function that asks {@code drover __complete -- WORDS...} (the hidden {@link Complete}) for the
 * candidates, so verbs, options, kinds and the names of objects in the cluster all complete.
 */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = {
      "Print a shell completion script (bash, zsh or fish).",
      "Enable it with: source <(drover completion bash)",
      "zsh: source <(drover completion zsh), after compinit;"
          + " fish: drover completion fish | source"
    })
final class CompletionCommand implements Callable<Integer> {

  private static final String BASH =
      """
      # drover completion for bash: source <(drover completion bash)
      _drover_complete() {
        # The line up to the cursor, split on blanks only: COMP_WORDS would also split
        # host:port and key=value apart.
        local line=${COMP_LINE:0:COMP_POINT}
        local -a words out
        IFS=$' \\t\\n' read -ra words <<< "$line"
        [[ $line =~ [[:space:]]$ ]] && words+=("")
        local IFS=$'\\n'
        out=($(drover __complete -- "${words[@]:1}" 2>/dev/null))
        if [[ ${#out[@]} -gt 0 && ${out[-1]} == ":files" ]]; then
          unset 'out[-1]'
          compopt -o default 2>/dev/null
        fi
        COMPREPLY=("${out[@]}")
      }
      complete -F _drover_complete drover
      """;

  private static final String ZSH =
      """
      #compdef drover
      # drover completion for zsh: source <(drover completion zsh), after compinit
      _drover() {
        local -a out
        out=("${(@f)$(drover __complete -- "${(@)words[2,CURRENT]}" 2>/dev/null)}")
        out=(${out:#})
        if [[ ${#out} -gt 0 && ${out[-1]} == ":files" ]]; then
          out=("${(@)out[1,-2]}")
          _files
        fi
        compadd -a out
      }
      compdef _drover drover
      """;

  private static final String FISH =
      """
      # drover completion for fish: drover completion fish | source
      function __drover_complete
          set -l words (commandline -opc)
          set -e words[1]
          set -l out (drover __complete -- $words (commandline -ct) 2>/dev/null)
          if test (count $out) -gt 0; and test "$out[-1]" = ":files"
              set -e out[-1]
              __fish_complete_path (commandline -ct)
          end
          printf '%s\\n' $out
      end
      complete -c drover -f -a '(__drover_complete)'
      """;

  private final Cli cli;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SHELL", description = "bash, zsh or fish.")
  String shell;

  CompletionCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    String script =
        switch (shell) {
          case "bash" -> BASH;
          case "zsh" -> ZSH;
          case "fish" -> FISH;
          default ->
              throw new ParameterException(
                  spec.commandLine(), "unsupported shell \"" + shell + "\"; use bash, zsh or fish");
        };
    cli.out().print(script);
    cli.out().flush();
    return 0;
  }

  /**
   * {@code drover __complete -- WORDS...}: the candidates for the last word, one a line; a last
   * line {@value ShellCompletion#FILES} asks for file names. Hidden: the scripts call it.
   */
  @Command(
      name = "__complete",
      hidden = true,
      description = "Print the candidates for the last word; the completion scripts call it.")
  static final class Complete implements Callable<Integer> {
    private final Cli cli;
    @Spec CommandSpec spec;

    @Parameters(
        arity = "0..*",
        paramLabel = "WORD",
        description = "The words after drover, after --; the last is being typed.")
    List<String> words = new ArrayList<>();

    Complete(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      for (String candidate : new ShellCompletion(cli, spec.root().commandLine()).complete(words)) {
        cli.out().println(candidate);
      }
      cli.out().flush();
      return 0;
    }
  }
}
