package dev.drover.cli.command;

import dev.drover.master.Master;
import dev.drover.store.KvStore;
import java.util.function.Consumer;

/**
 * How the CLI's daemons start a master: the one place that knows what {@code drover master} and
 * {@code drover dev} share, and that a store whose master failed to start is closed again.
 */
final class ClusterParts {

  private ClusterParts() {}

  /**
   * Starts a master on {@code store} (which it then owns) with the given settings; when the master
   * cannot start, the store is closed before the failure is rethrown.
   */
  static Master startMaster(KvStore store, Consumer<Master.Builder> settings) {
    try {
      Master.Builder builder = Master.builder().store(() -> store, true);
      settings.accept(builder);
      return builder.start();
    } catch (RuntimeException e) {
      try {
        store.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }
}
