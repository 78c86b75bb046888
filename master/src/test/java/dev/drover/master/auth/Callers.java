package dev.drover.master.auth;

import dev.drover.master.InProcessMaster;
import dev.drover.testing.TestCallers;
import io.grpc.ServerInterceptor;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Test principals by name: {@code node:NAME}, or {@code ROLE:NAME[:NAMESPACE]} with the role
 * spelled as in Kubernetes ({@code view}, {@code edit}, {@code namespace-admin}, {@code
 * cluster-admin}); served by {@link #authenticator()} from the {@link TestCallers} header.
 */
final class Callers {
  private Callers() {}

  /** The authenticator a test master uses in place of the real one. */
  static ServerInterceptor authenticator() {
    return TestCallers.authenticator(AuthContext.PRINCIPAL, Callers::parse);
  }

  /**
   * An API-only master (no scheduler or controllers) served in-process, whose callers are named by
   * {@link TestCallers#as} and audited to {@code auditFile}.
   */
  static InProcessMaster auditedMaster(Path auditFile) {
    return new InProcessMaster(
        b ->
            b.scheduler(false)
                .controllers(false)
                .authenticator(authenticator())
                .auditLog(auditFile, 1 << 20));
  }

  static Principal parse(String caller) {
    String[] parts = caller.split(":", 3);
    if (parts[0].equals("node")) {
      return Principal.node(parts[1]);
    }
    Role role = Role.valueOf(parts[0].toUpperCase(Locale.ROOT).replace('-', '_'));
    return new Principal(parts[1], role, parts.length > 2 ? parts[2] : null);
  }
}
