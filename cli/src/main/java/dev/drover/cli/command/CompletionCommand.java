package dev.drover.cli.command;

import dev.drover.cli.core.Cli;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover completion bash}: prints a completion script; {@code source <(drover completion
 * bash)} enables it (zsh can load it too, after {@code bashcompinit}).
 */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = {
      "Print a shell completion script.",
      "Enable it with: source <(drover completion bash)"
    })
final class CompletionCommand implements Callable<Integer> {

  private final Cli cli;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SHELL", description = "bash (zsh: after bashcompinit).")
  String shell;

  CompletionCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    if (!shell.equals("bash") && !shell.equals("zsh")) {
      throw new ParameterException(
          spec.commandLine(), "unsupported shell \"" + shell + "\"; use bash or zsh");
    }
    cli.out().print(AutoComplete.bash("drover", CommandTree.of(cli)));
    cli.out().flush();
    return 0;
  }
}
