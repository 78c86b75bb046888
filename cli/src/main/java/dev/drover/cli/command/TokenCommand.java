package dev.drover.cli.command;

import com.google.protobuf.Timestamp;
import dev.drover.api.v1.CreateTokenRequest;
import dev.drover.api.v1.CreateTokenResponse;
import dev.drover.api.v1.ListTokensRequest;
import dev.drover.api.v1.RevokeTokenRequest;
import dev.drover.api.v1.SecurityServiceGrpc;
import dev.drover.api.v1.SecurityServiceGrpc.SecurityServiceBlockingStub;
import dev.drover.api.v1.TokenInfo;
import dev.drover.api.v1.TokenRole;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.Durations;
import dev.drover.cli.output.Table;
import dev.drover.client.DroverClient;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover token create|list|revoke}: join tokens for agents and masters, and bearer tokens
 * bound to a role (and a namespace) for other clients. Needs a cluster admin.
 */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    description = "Manage join tokens (agent, master) and bearer tokens (cluster admin only).",
    subcommands = {
      TokenCommand.Create.class,
      TokenCommand.ListTokens.class,
      TokenCommand.Revoke.class
    })
final class TokenCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing subcommand: create, list or revoke");
  }

  static <R> R call(Cli cli, Function<SecurityServiceBlockingStub, R> fn) {
    try (DroverClient client = cli.connect()) {
      return fn.apply(
          SecurityServiceGrpc.newBlockingStub(client.currentChannel())
              .withDeadlineAfter(cli.requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
    } catch (StatusRuntimeException e) {
      throw new CliException(
          "token: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription(), e);
    }
  }

  /** {@code drover token create --role ROLE}. */
  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create a token and print it (shown once; only its hash is stored).")
  static final class Create implements Callable<Integer> {
    private final Cli cli;

    @Option(
        names = "--role",
        required = true,
        paramLabel = "ROLE",
        description =
            "agent or master (join tokens), cluster-admin, namespace-admin, edit or view"
                + " (bearer tokens; -n limits them to one namespace).")
    String role;

    @Option(
        names = "--ttl",
        paramLabel = "DURATION",
        description = "Expiry, e.g. 24h; 0 never expires (default ${DEFAULT-VALUE}).")
    String ttl = "24h";

    @Option(names = "--description", paramLabel = "TEXT", description = "What it is for.")
    String description = "";

    Create(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      long seconds = ttl.equals("0") ? 0 : Durations.parse(ttl).toSeconds();
      CreateTokenResponse created =
          TokenCommand.call(
              cli,
              s ->
                  s.createToken(
                      CreateTokenRequest.newBuilder()
                          .setRole(role(role))
                          .setNamespace(cli.namespaceOption() == null ? "" : cli.namespaceOption())
                          .setTtlSeconds(seconds)
                          .setDescription(description)
                          .build()));
      cli.out().println(created.getToken());
      return 0;
    }
  }

  /** {@code drover token list}. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the tokens.")
  static final class ListTokens implements Callable<Integer> {
    private final Cli cli;

    ListTokens(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      var tokens =
          TokenCommand.call(cli, s -> s.listTokens(ListTokensRequest.getDefaultInstance()));
      Table table = new Table("ID", "ROLE", "NAMESPACE", "EXPIRES", "DESCRIPTION");
      for (TokenInfo t : tokens.getTokensList()) {
        table.row(
            t.getId(),
            roleText(t.getRole()),
            t.getNamespace(),
            t.hasExpires() ? instant(t.getExpires()).toString() : "never",
            t.getDescription());
      }
      table.print(cli.out());
      return 0;
    }
  }

  /** {@code drover token revoke ID}. */
  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token.")
  static final class Revoke implements Callable<Integer> {
    private final Cli cli;

    @Parameters(index = "0", paramLabel = "ID", description = "The token's id (see list).")
    String id;

    Revoke(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      TokenCommand.call(cli, s -> s.revokeToken(RevokeTokenRequest.newBuilder().setId(id).build()));
      cli.out().println("token \"" + id + "\" revoked");
      return 0;
    }
  }

  static TokenRole role(String text) {
    try {
      return TokenRole.valueOf("TOKEN_ROLE_" + text.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new CliException(
          "--role \""
              + text
              + "\": expected agent, master, cluster-admin, namespace-admin, edit or view");
    }
  }

  static String roleText(TokenRole role) {
    return role.name().substring("TOKEN_ROLE_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
